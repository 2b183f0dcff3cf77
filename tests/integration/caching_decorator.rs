//! The caching-decorator task end to end: every accepted solution passes every case 20 runs in
//! a row; every rejected one fails the cases its solutions.toml names, with a message that
//! names the broken behaviour.

use livejudge::error::exit::{ENVIRONMENT, FAILED, PASSED, USAGE};

use crate::support::*;

const TASK: &str = "caching-decorator";

#[test]
fn accepted_solutions_pass_every_case_20_runs_in_a_row() {
    assert_accepted_pass(TASK, 20);
}

#[test]
fn rejected_solutions_fail_the_cases_that_catch_their_mistake() {
    assert_rejected_fail(TASK, 10);
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
        let (_, report) = grade_solutions(TASK, &[file], 20);
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
    let run = Grade::task(TASK)
        .submission(relative(&file))
        .expect_exit(FAILED)
        .run();
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
    let run = Grade::task(TASK)
        .submission(relative(&file))
        .args(["--format", "json", "--output"])
        .arg(&target)
        .expect_exit(PASSED)
        .run();
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
    let run1 = Grade::task(TASK)
        .submission(&submission)
        .arg("--output")
        .arg(&submission)
        .expect_exit(USAGE)
        .run();
    assert!(
        run1.stderr.contains("would overwrite the submission"),
        "{}",
        run1.stderr
    );
    assert_eq!(std::fs::read(&submission).unwrap(), original);

    let report = dir.path().join("report.txt");
    Grade::task(TASK)
        .python("/nonexistent/python3")
        .submission(&submission)
        .arg("--output")
        .arg(&report)
        .expect_exit(ENVIRONMENT)
        .run();
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
