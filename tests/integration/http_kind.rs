//! The http kind end to end, under strict isolation (tests/tasks/notes-http and
//! tests/submissions/notes-http): captures, Basic auth, query strings, text bodies, a
//! DATA_DIR that survives a restart and is empty on a fresh server, an HTTP burst, an idle
//! connection, and servers that hang up, never get ready or crash at start.

use livejudge::error::exit::{FAILED, PASSED};

use crate::support::*;

fn grade(submission: &str) -> (Run, serde_json::Value) {
    Grade::task("notes-http")
        .isolation("strict")
        .tasks("tests/tasks")
        .submission(format!("tests/submissions/notes-http/{submission}"))
        .report()
}

/// A case's mismatches as `path: message` lines.
fn mismatch_lines(case: &serde_json::Value) -> Vec<String> {
    case["mismatches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            format!(
                "{}: {}",
                m["path"].as_str().unwrap(),
                m["message"].as_str().unwrap()
            )
        })
        .collect()
}

/// The load problem of the only submission, checked to be of `kind` and to hold `text` in
/// `field`.
fn assert_problem(report: &serde_json::Value, kind: &str, field: &str, text: &str) {
    let problem = &submission(report, 0)["problem"];
    assert_eq!(problem["kind"], kind, "{problem}");
    assert!(problem[field].as_str().unwrap().contains(text), "{problem}");
}

#[test]
fn a_correct_server_passes_every_case_with_captures_restarts_and_a_burst() {
    let (run, report) = grade("good.py");
    assert_eq!(run.code, i32::from(PASSED), "{report}");
    assert_eq!(report["kind"], "http");
    let submission = submission(&report, 0);
    // First start, the restart step of location-restart, the restart of survives-restart,
    // the fresh server of fresh-is-empty.
    assert_eq!(submission["attempts"], 4, "{submission}");
    assert_eq!(submission["server_ready_ms"].as_array().unwrap().len(), 4);
}

#[test]
fn notes_kept_in_memory_do_not_survive_the_restart() {
    let (run, report) = grade("forgets_on_restart.py");
    assert_eq!(run.code, i32::from(FAILED));
    assert_eq!(
        failed_ids(submission(&report, 0)),
        ["location-restart", "survives-restart"]
    );
    let survives = case(submission(&report, 0), "survives-restart");
    assert_eq!(
        survives["mismatches"][0]["message"], "expected 200, got 404",
        "the status comes first: {survives}"
    );
    // The restart step in the middle of a case, and what the failing request was.
    let mid = case(submission(&report, 0), "location-restart");
    assert_eq!(
        mismatch_lines(mid),
        [
            "$.steps[2].status: expected 200, got 404",
            "$.steps[2].body.id: missing key (expected 2)",
            "$.steps[2].body.title: missing key (expected \"second\")",
            "$.steps[2].body.error: unexpected key (value \"not found\")",
            "$.steps[3].files_in_data_dir: expected a number from 1 to 10000, got 0 (int)",
        ]
    );
    let details = mid["details"].as_str().unwrap();
    assert!(
        details.starts_with(
            "step 2:\n$ curl -i http://127.0.0.1:\"$PORT\"'/notes/2'\nHTTP/1.1 404 Not Found\n"
        ),
        "a curl command for the request captured from Location, and the response: {details}"
    );
    assert!(
        details.ends_with("\n\n{\"error\": \"not found\"}"),
        "{details}"
    );
}

#[test]
fn a_one_request_at_a_time_server_fails_the_burst_and_the_idle_holder() {
    let (run, report) = grade("serial.py");
    assert_eq!(run.code, i32::from(FAILED));
    assert_eq!(failed_ids(submission(&report, 0)), ["burst", "idle-holder"]);
    let burst = case(submission(&report, 0), "burst");
    let mismatches = mismatch_lines(burst);
    assert!(
        mismatches.contains(
            &"$.steps[0].overlapped: expected a number from 5 to 5, got 1 (int)".to_owned()
        ),
        "served one at a time, as the judge saw it: {mismatches:#?}"
    );
    assert!(
        mismatches
            .iter()
            .any(|m| m.contains("one at a time would take 1500 ms: 5 x 300 ms")),
        "{mismatches:#?}"
    );
    let idle = case(submission(&report, 0), "idle-holder");
    let message = idle["message"].as_str().unwrap();
    assert!(
        message
            .contains("$.steps[1].error: unexpected key (value \"no complete answer within 2s\")"),
        "{message}"
    );
}

#[test]
fn a_server_that_hangs_up_is_reported_and_later_steps_say_what_they_missed() {
    let (run, report) = grade("hangs_up.py");
    assert_eq!(run.code, i32::from(FAILED));
    let case = case(submission(&report, 0), "create-and-read");
    let lines = mismatch_lines(case);
    assert_eq!(
        lines[0],
        "$.steps[0].error: unexpected key (value \"the server closed the connection without a complete answer\")"
    );
    assert!(
        lines.contains(
            &"$.steps[1].error: unexpected key (value \"{{note_id}} was not captured by an earlier step\")"
                .to_owned()
        ),
        "{lines:#?}"
    );
}

#[test]
fn a_server_that_never_answers_below_500_is_not_ready() {
    let (run, report) = grade("never_ready.py");
    assert_eq!(run.code, i32::from(FAILED));
    assert_problem(
        &report,
        "server-not-ready",
        "message",
        "GET /health on port 8000 inside the box never got an answer below 500",
    );
}

#[test]
fn a_server_that_crashes_at_start_shows_its_traceback() {
    let (run, report) = grade("crashes_at_start.py");
    assert_eq!(run.code, i32::from(FAILED));
    assert_problem(
        &report,
        "server-exited",
        "details",
        "KeyError: 'DATA_DIRECTORY'",
    );
}

#[test]
fn show_lists_each_case_s_requests() {
    let run = Livejudge::new()
        .tasks("tests/tasks")
        .args(["show", "notes-http"])
        .expect_exit(PASSED)
        .run();
    for line in [
        "    0. POST /notes [Basic ann:***] {\"title\":\"first\"}",
        "    1. GET /notes/{{note_id}}",
        "    0. GET /search ?q=a b&c",
        "    0. burst: 5 clients connect, then all send GET /slow at once",
        "    0. [idle] open a connection and stay silent",
    ] {
        assert!(
            run.stdout.contains(line),
            "{line:?} not in:\n{}",
            run.stdout
        );
    }
}

#[test]
fn a_folder_submission_serves_from_its_entry_file() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::copy(
        repo().join("tests/submissions/notes-http/good.py"),
        folder.path().join("notes_impl.py"),
    )
    .unwrap();
    std::fs::write(folder.path().join("solution.py"), "import notes_impl\n").unwrap();
    Grade::task("notes-http")
        .isolation("strict")
        .tasks("tests/tasks")
        .submission(folder.path())
        .args(["--format", "json"])
        .expect_exit(PASSED)
        .run();
}
