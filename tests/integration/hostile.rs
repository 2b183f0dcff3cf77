//! Submissions that attack the judge itself (found by review): each is caught in the case
//! that attacks, the other cases are unaffected, and the judge stays quick, small and clean.

use std::path::Path;
use std::time::{Duration, Instant};

use livejudge::error::exit::{FAILED, PASSED};

use crate::support::*;

/// Grades a trio submission; returns the run and its report.
fn grade_trio(submission: &str) -> (Run, serde_json::Value) {
    Grade::test_task("trio").submission(submission).report()
}

#[test]
fn forged_markers_neither_lift_the_output_limit_nor_grow_the_judge() {
    let (run, max_rss) = run_measured(
        Grade::test_task("trio")
            .submission("tests/submissions/trio/forged_markers.py")
            .args(["--format", "json"])
            .livejudge()
            .command(),
    );
    let report = run.report();
    assert_eq!(run.code, i32::from(FAILED));
    // Unstopped, the 10 s flood would have been a timeout; the limit stopped it first.
    assert_eq!(verdicts(&report), ["pass", "output-limit", "pass"]);
    // In KiB: the peak of this livejudge and of every process it waited for. (Not
    // getrusage(RUSAGE_CHILDREN): the test binary's children are every test's now.)
    assert!(max_rss < 300 * 1024, "{max_rss} KiB");
}

#[test]
fn a_forged_harness_error_is_the_submissions_crash_not_a_judge_error() {
    let (run, report) = grade_trio("tests/submissions/trio/forged_harness_error.py");
    assert_eq!(
        run.code,
        i32::from(FAILED),
        "not INTERNAL: the judge is not at fault"
    );
    assert_eq!(verdicts(&report), ["pass", "crashed", "pass"]);
}

#[test]
fn a_case_that_ends_after_its_deadline_is_a_timeout_even_if_sigterm_is_ignored() {
    let (_, report) = grade_trio("tests/submissions/trio/late_and_deaf.py");
    assert_eq!(verdicts(&report), ["pass", "timeout", "pass"]);
}

#[test]
fn raising_its_own_cpu_limit_does_not_lift_the_cpu_budget() {
    let (_, report) = grade_trio("tests/submissions/trio/raises_own_cpu_limit.py");
    assert_eq!(verdicts(&report), ["pass", "timeout", "pass"]);
    let c2 = &report["submissions"][0]["cases"][1];
    assert_eq!(
        c2["message"],
        "used up the CPU time limit (1s) during this case"
    );
}

#[test]
fn output_printed_between_cases_is_charged_to_no_case() {
    let (run, report) = grade_trio("tests/submissions/trio/prints_between_cases.py");
    assert_eq!(run.code, i32::from(PASSED), "{report}");
    assert_eq!(verdicts(&report), ["pass", "pass", "pass"]);
    // The process that printed between cases was replaced before case 2.
    assert_eq!(report["submissions"][0]["attempts"], 2);
}

#[test]
fn escaping_writers_and_fork_hoppers_are_stopped() {
    // The pids checked below are only the writers' while no attack of the hostile corpus
    // churns through pids: held until the end (support/machine.rs).
    let _machine = machine::shared();
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let survived = dir.path().join("survived");
    let submission = dir.path().join("escape.py");
    std::fs::write(
        &submission,
        format!(
            r#"import os, time
PIDS = {pids:?}
SURVIVED = {survived:?}

def note():
    with open(PIDS, "a") as f:
        f.write("%d\n" % os.getpid())

def writer():
    # Leaves the process group, and re-forks now and then for a fresh CPU budget.
    os.setsid()
    note()
    start = time.process_time()
    while True:
        try:
            os.write(1, b"a" * 4096)
        except OSError:
            os._exit(0)
        if time.process_time() - start > 0.3:
            if os.fork() != 0:
                os._exit(0)
            note()
            start = time.process_time()

def hopper():
    # Forks and exits in a loop, so it is never the same process for long.
    os.setsid()
    for fd in (0, 1, 2):
        os.close(fd)
    until = time.time() + 3
    while time.time() < until:
        try:
            if os.fork() != 0:
                os._exit(0)
        except OSError:
            time.sleep(0.001)
    open(SURVIVED, "w").write(str(os.getpid()))
    os._exit(0)

def solve(case):
    if case["n"] == 2:
        for target in (writer, writer, writer, hopper):
            if os.fork() == 0:
                target()
        # On a loaded machine the children may not have run yet: the test needs them to.
        until = time.time() + 5
        while time.time() < until and not os.path.exists(PIDS):
            time.sleep(0.01)
    return {{"value": case["n"]}}
"#,
            pids = pids.display().to_string(),
            survived = survived.display().to_string(),
        ),
    )
    .unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let started = Instant::now();
    // Without a box: the writers report to host files, and the judge alone (process group,
    // subreaper) must stop them. In a box the pid namespace does (hostile_corpus/).
    let run = Grade::task("trio")
        .isolation("none")
        .tasks("tests/tasks")
        .tmpdir(&tmp)
        .submission(&submission)
        .arg("--format")
        .arg("json")
        .run();
    // A hang check, not a speed test: three cases of at most 2 s each. (Before the fix the
    // judge spun here for ten minutes.)
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    assert!(
        run.code == i32::from(PASSED) || run.code == i32::from(FAILED),
        "{}",
        run.stderr
    );
    std::thread::sleep(Duration::from_secs(4));
    assert!(!survived.exists(), "the fork hopper outlived livejudge");
    let noted = std::fs::read_to_string(&pids).unwrap_or_default();
    assert!(!noted.is_empty(), "the writers ran");
    for pid in noted.lines().filter_map(|l| l.parse::<i32>().ok()) {
        assert!(!alive(pid), "writer {pid} outlived livejudge");
    }
    let left: Vec<_> = std::fs::read_dir(&tmp)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(left.is_empty(), "{left:?}");
    assert!(Path::new(&tmp).exists());
}
