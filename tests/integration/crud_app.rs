//! The crud-app task end to end, under strict isolation: every accepted solution (Flask,
//! Django, FastAPI, standard library; SQLite in DATA_DIR) passes every case 3 runs in a row,
//! and every rejected one fails exactly the cases its solutions.toml names, with a message
//! that names the broken behaviour and the failing requests as curl commands.

use livejudge::error::exit::FAILED;

use crate::support::*;

const TASK: &str = "crud-app";

#[test]
fn accepted_solutions_in_four_frameworks_pass_every_case_3_runs_in_a_row() {
    assert_ships_frameworks(TASK, &["flask", "django", "fastapi", "stdlib"]);
    assert_accepted_pass(TASK, 3);
}

#[test]
fn rejected_solutions_fail_exactly_the_cases_that_catch_their_mistake() {
    assert!(expectations(TASK).exact, "crud-app's sets are exact");
    assert_rejected_fail(TASK, 12);
}

#[test]
fn a_failing_case_shows_the_request_as_curl_with_its_user_and_the_whole_response() {
    let file = repo().join("tasks/crud-app/solutions/rejected/foreign_note_readable.py");
    let (run, report) = grade_solutions(TASK, &[file], 1);
    assert_eq!(run.code, i32::from(FAILED));
    let case = case(submission(&report, 0), "foreign-get");
    let details = case["details"].as_str().unwrap();
    let lines: Vec<&str> = details.lines().collect();
    assert_eq!(lines[0], "step 1:");
    assert!(
        lines[1].starts_with("$ curl -i http://127.0.0.1:\"$PORT\"'/notes/")
            && lines[1].ends_with("' -u 'bob:builder'"),
        "{details}"
    );
    assert_eq!(lines[2], "HTTP/1.1 200 OK", "{details}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("content-type: application/json")),
        "{details}"
    );
    assert!(
        details
            .trim_end()
            .ends_with("\"owner\":\"alice\",\"tags\":[],\"title\":\"alice's\"}"),
        "the body that should have been refused: {details}"
    );
}
