//! The caching-decorator task end to end: every accepted solution passes every case 20 runs in
//! a row; every rejected one fails the cases its solutions.toml names, with a message that
//! names the broken behaviour.

mod common;

use std::collections::BTreeMap;

use common::*;
use serde::Deserialize;

const TASK: &str = "caching-decorator";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Solutions {
    rejected: BTreeMap<String, RejectedExpectation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RejectedExpectation {
    fails: Vec<String>,
    verdict: Option<String>,
    message: Option<String>,
}

fn expectations() -> Solutions {
    let path = repo()
        .join("tasks")
        .join(TASK)
        .join("solutions/solutions.toml");
    toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Grades `files` (each `repeat` times) in one invocation and returns the JSON report.
fn grade(files: &[std::path::PathBuf], repeat: usize, extra: &[&str]) -> (Run, serde_json::Value) {
    let mut args: Vec<String> = vec![
        "grade".into(),
        TASK.into(),
        "--format".into(),
        "json".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    for file in files {
        for _ in 0..repeat {
            args.push(relative(file));
        }
    }
    let run = run(&args);
    let report = run.json();
    assert_matches_schema(&report);
    (run, report)
}

#[test]
fn accepted_solutions_pass_every_case_20_runs_in_a_row() {
    let accepted = solutions(TASK, "accepted");
    assert!(
        accepted.len() >= 3,
        "the task ships at least 3 accepted solutions"
    );
    let runs: Vec<_> = accepted
        .iter()
        .map(|file| {
            let file = file.clone();
            std::thread::spawn(move || (file.clone(), grade(&[file], 20, &[])))
        })
        .collect();
    for handle in runs {
        let (file, (run, report)) = handle.join().unwrap();
        let submissions = report["submissions"].as_array().unwrap();
        assert_eq!(submissions.len(), 20);
        for (i, submission) in submissions.iter().enumerate() {
            assert_eq!(
                failed_ids(submission),
                Vec::<String>::new(),
                "{} failed in run {}:\n{}",
                file.display(),
                i + 1,
                serde_json::to_string_pretty(submission).unwrap()
            );
            assert_eq!(
                submission["cases"].as_array().unwrap().len(),
                case_counts(TASK).0
            );
        }
        assert_eq!(run.code, 0, "exit code for {}", file.display());
        assert_eq!(report["passed"], true);
    }
}

#[test]
fn rejected_solutions_fail_the_cases_that_catch_their_mistake() {
    let rejected = solutions(TASK, "rejected");
    assert!(
        rejected.len() >= 10,
        "the task ships at least 10 rejected solutions"
    );
    let expected = expectations();
    let stems: Vec<String> = rejected
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        stems,
        expected.rejected.keys().cloned().collect::<Vec<_>>(),
        "every rejected solution has an entry in solutions.toml and every entry a file"
    );

    let (run, report) = grade(&rejected, 1, &["--show-hidden"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(report["passed"], false);
    for (stem, submission) in stems.iter().zip(report["submissions"].as_array().unwrap()) {
        let expectation = &expected.rejected[stem];
        assert_eq!(submission["passed"], false, "{stem} must fail");
        assert!(submission["problem"].is_null(), "{stem} loads fine");
        for id in &expectation.fails {
            let case = case(submission, id);
            assert_eq!(case["passed"], false, "{stem} must fail {id}");
            if let Some(verdict) = &expectation.verdict {
                assert_eq!(case["verdict"], verdict.as_str(), "{stem} / {id}");
            }
            if let Some(fragment) = &expectation.message {
                let message = case["message"].as_str().unwrap();
                assert!(
                    message.contains(fragment.as_str()),
                    "{stem} / {id}: message should contain {fragment:?}:\n{message}"
                );
            }
        }
    }
}

#[test]
fn race_catching_cases_catch_their_mistakes_every_time() {
    for (stem, case_id) in [
        ("no_lock", "thread-safety"),
        ("no_single_flight", "single-flight"),
    ] {
        let file = repo()
            .join("tasks")
            .join(TASK)
            .join("solutions/rejected")
            .join(format!("{stem}.py"));
        let (_, report) = grade(&[file], 20, &[]);
        for (i, submission) in report["submissions"].as_array().unwrap().iter().enumerate() {
            assert_eq!(
                case(submission, case_id)["verdict"],
                "wrong",
                "{stem} escaped {case_id} in run {}",
                i + 1
            );
        }
    }
}

#[test]
fn human_report_lists_cases_mismatches_rule_diff_and_ends_with_the_totals() {
    let file = repo()
        .join("tasks")
        .join(TASK)
        .join("solutions/rejected/fifo.py");
    let run = run(&["grade", TASK, &relative(&file)]);
    assert_eq!(run.code, 1);
    let out = &run.stdout;
    assert!(out.contains("✓ hits "), "{out}");
    assert!(out.contains("✗ lru-hit-refreshes "), "{out}");
    assert!(
        out.contains(r#"$.log[4]: expected "f(1) -> 1 [cached]", got "f(1) -> 1 [computed]""#),
        "every mismatch is named by its path:\n{out}"
    );
    assert!(out.contains("rule: LRU, not FIFO"), "{out}");
    assert!(
        out.contains("--- expected\n") && out.contains("+++ actual\n"),
        "{out}"
    );
    assert!(out.contains(r#"-    "f(1) -> 1 [cached]","#), "{out}");
    assert!(
        !out.contains('\u{1b}'),
        "NO_COLOR and a pipe mean no escapes"
    );
    let last = out.trim_end().lines().last().unwrap();
    let failed = out.matches("\n  ✗ ").count();
    assert_eq!(
        last,
        format!("{} passed, {failed} failed", case_counts(TASK).0 - failed)
    );
}

#[test]
fn output_file_gets_the_report_and_stdout_stays_empty() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("report.json");
    let file = repo()
        .join("tasks")
        .join(TASK)
        .join("solutions/accepted/inflight_events.py");
    let run = run(&[
        "grade",
        TASK,
        &relative(&file),
        "--format",
        "json",
        "--output",
        target.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.is_empty());
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&target).unwrap()).unwrap();
    assert_matches_schema(&report);
    assert_eq!(report["task"], TASK);
    assert_eq!(
        report["submissions"][0]["passed_cases"],
        case_counts(TASK).0
    );
}

#[test]
fn output_never_replaces_a_submission_and_early_errors_leave_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let submission = dir.path().join("solution.py");
    let original = std::fs::read(
        repo()
            .join("tasks")
            .join(TASK)
            .join("solutions/accepted/rlock_ordereddict.py"),
    )
    .unwrap();
    std::fs::write(&submission, &original).unwrap();
    let run1 = run(&[
        "grade",
        TASK,
        submission.to_str().unwrap(),
        "--output",
        submission.to_str().unwrap(),
    ]);
    assert_eq!(run1.code, 2, "{}", run1.stderr);
    assert!(
        run1.stderr.contains("would overwrite the submission"),
        "{}",
        run1.stderr
    );
    assert_eq!(std::fs::read(&submission).unwrap(), original);

    let report = dir.path().join("report.txt");
    let run2 = run(&[
        "--python",
        "/nonexistent/python3",
        "grade",
        TASK,
        submission.to_str().unwrap(),
        "--output",
        report.to_str().unwrap(),
    ]);
    assert_eq!(run2.code, 3);
    assert!(!report.exists(), "no empty report after an early error");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(
        left,
        vec![submission.clone()],
        "no temporary file left either"
    );
}
