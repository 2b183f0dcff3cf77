//! The tcp kind end to end: a server submission graded by steps in task.toml, under strict
//! isolation (tests/tasks/line-server and tests/submissions/line-server).

use livejudge::error::exit::{FAILED, PASSED};

use crate::support::*;

fn grade(submission: &str) -> (Run, serde_json::Value) {
    Grade::task("line-server")
        .isolation("strict")
        .tasks("tests/tasks")
        .submission(format!("tests/submissions/line-server/{submission}"))
        .report()
}

#[test]
fn a_correct_server_passes_every_step() {
    let (run, report) = grade("good.py");
    assert_eq!(run.code, i32::from(PASSED), "{report}");
    assert_eq!(report["kind"], "tcp");
    // The sigterm case stopped the server: the next case got a fresh one.
    assert_eq!(report["submissions"][0]["attempts"], 2);
}

#[test]
fn a_serial_server_fails_the_burst_and_says_why() {
    let (run, report) = grade("serial.py");
    assert_eq!(run.code, i32::from(FAILED));
    let concurrent = case(submission(&report, 0), "concurrent");
    assert_eq!(concurrent["verdict"], "wrong", "{concurrent}");
    let message = concurrent["message"].as_str().unwrap();
    assert!(
        message.contains("got no answer to its greeting"),
        "{message}"
    );
    // The other cases do not depend on concurrency.
    for id in [
        "ping",
        "split",
        "utf8-split",
        "pipelined",
        "unknown",
        "quit",
    ] {
        assert_eq!(case(submission(&report, 0), id)["verdict"], "pass", "{id}");
    }
}

#[test]
fn a_server_that_ignores_sigterm_is_caught_by_the_terminate_step() {
    let (run, report) = grade("ignores_sigterm.py");
    assert_eq!(run.code, i32::from(FAILED));
    let sigterm = case(submission(&report, 0), "sigterm");
    assert_eq!(sigterm["verdict"], "wrong");
    assert_eq!(
        sigterm["mismatches"][0]["path"], "$.steps[2].exited_within_grace",
        "{sigterm}"
    );
    assert_eq!(
        case(submission(&report, 0), "after-restart")["verdict"],
        "pass"
    );
}

#[test]
fn a_server_that_dies_at_start_shows_its_traceback() {
    let (run, report) = grade("crashes_at_start.py");
    assert_eq!(run.code, i32::from(FAILED));
    let problem = &report["submissions"][0]["problem"];
    assert_eq!(problem["kind"], "server-exited", "{problem}");
    assert_eq!(
        problem["message"],
        "the server exited with status 1 before it was ready"
    );
    assert!(
        problem["details"]
            .as_str()
            .unwrap()
            .contains("RuntimeError: cannot start: no database configured")
    );
    assert_eq!(case(submission(&report, 0), "ping")["verdict"], "crashed");
}

#[test]
fn a_server_that_never_listens_is_not_ready() {
    let (run, report) = grade("never_listens.py");
    assert_eq!(run.code, i32::from(FAILED));
    let problem = &report["submissions"][0]["problem"];
    assert_eq!(problem["kind"], "server-not-ready", "{problem}");
    assert!(problem["details"].as_str().unwrap().contains("warming up"));
    assert_eq!(case(submission(&report, 0), "ping")["verdict"], "timeout");
}
