//! `--resume` matching: which rows stand for which submissions.

use std::path::PathBuf;

use super::{RESULTS_SCHEMA, ResultRow, ResumeKey, reusable};
use crate::outcome::testing::{failing, passing, submission};
use crate::outcome::{Submission, SubmissionResult, Verdict};

const KEY: ResumeKey<'static> = ResumeKey {
    task: "trio",
    task_version: "v1",
    show_hidden: false,
    isolation: "strict",
};

fn submitted(path: &str, digest: &str) -> Submission {
    Submission {
        path: PathBuf::from(path),
        is_dir: false,
        digest: digest.to_owned(),
    }
}

/// A row graded under `KEY` for `path` with `digest`; `attempts` tells rows apart.
fn row(path: &str, digest: &str, attempts: u32) -> ResultRow {
    ResultRow {
        schema: RESULTS_SCHEMA,
        task: KEY.task.to_owned(),
        task_version: KEY.task_version.to_owned(),
        submission_digest: digest.to_owned(),
        show_hidden: KEY.show_hidden,
        isolation: KEY.isolation.to_owned(),
        result: SubmissionResult {
            attempts,
            ..submission(path, vec![passing("c1", "Case 1")])
        },
    }
}

/// Which row (by its `attempts`) each submission reuses.
fn reused(rows: &[ResultRow], submissions: &[Submission]) -> Vec<Option<u32>> {
    reusable(rows, &KEY, submissions)
        .into_iter()
        .map(|r| r.map(|r| r.attempts))
        .collect()
}

#[test]
fn a_row_graded_the_same_way_is_reused() {
    let rows = [row("subs/a.py", "aaa", 1), row("subs/b.py", "bbb", 2)];
    let submissions = [
        submitted("subs/b.py", "bbb"),
        submitted("subs/new.py", "nnn"),
        submitted("subs/a.py", "aaa"),
    ];
    assert_eq!(reused(&rows, &submissions), [Some(2), None, Some(1)]);
    let results = reusable(&rows, &KEY, &submissions);
    assert_eq!(results[2].as_ref().unwrap().path, "subs/a.py");
}

#[test]
fn a_row_graded_any_other_way_is_not_reused() {
    let submissions = [submitted("subs/a.py", "aaa")];
    type Change = (&'static str, fn(&mut ResultRow));
    let changes: [Change; 6] = [
        ("another task", |r| r.task = "other".into()),
        ("another task version", |r| r.task_version = "v0".into()),
        ("hidden cases shown", |r| r.show_hidden = true),
        ("another isolation", |r| r.isolation = "none".into()),
        ("other content", |r| r.submission_digest = "changed".into()),
        ("another path", |r| r.result.path = "elsewhere/a.py".into()),
    ];
    for (what, change) in changes {
        let mut changed = row("subs/a.py", "aaa", 1);
        change(&mut changed);
        assert_eq!(
            reused(&[changed], &submissions),
            [None],
            "a row with {what} was reused"
        );
    }
    assert_eq!(
        reused(&[row("subs/a.py", "aaa", 1)], &submissions),
        [Some(1)]
    );
}

#[test]
fn a_judge_error_is_graded_again() {
    let submissions = [submitted("subs/a.py", "aaa")];
    let mut broken = row("subs/a.py", "aaa", 1);
    broken.result = SubmissionResult {
        attempts: 1,
        ..submission(
            "subs/a.py",
            vec![
                passing("c1", "Case 1"),
                failing(
                    "c2",
                    "Case 2",
                    Verdict::JudgeError,
                    "cannot start the sandbox",
                ),
            ],
        )
    };
    assert_eq!(reused(&[broken.clone()], &submissions), [None]);
    // A failure that is the candidate's own is kept.
    let mut wrong = broken.clone();
    wrong.result.cases[1].verdict = Verdict::Wrong;
    wrong.result.attempts = 2;
    assert_eq!(reused(&[wrong.clone()], &submissions), [Some(2)]);
    // With both, the good row is the one reused.
    assert_eq!(reused(&[broken, wrong], &submissions), [Some(2)]);
}

#[test]
fn each_row_stands_for_one_submission() {
    // The same file named twice on the command line: two submissions, one row each.
    let twice = [submitted("subs/a.py", "aaa"), submitted("subs/a.py", "aaa")];
    assert_eq!(
        reused(&[row("subs/a.py", "aaa", 1)], &twice),
        [Some(1), None],
        "one row is used once"
    );
    assert_eq!(
        reused(
            &[row("subs/a.py", "aaa", 1), row("subs/a.py", "aaa", 2)],
            &twice
        ),
        [Some(1), Some(2)],
        "two rows, one each, in order"
    );
    assert_eq!(
        reused(
            &[
                row("subs/a.py", "aaa", 1),
                row("subs/a.py", "aaa", 2),
                row("subs/a.py", "aaa", 3)
            ],
            &twice
        ),
        [Some(1), Some(2)],
        "a submission gets at most one row"
    );
}
