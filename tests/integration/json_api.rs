//! The json-api task end to end, under strict isolation: every accepted solution (standard
//! library, Flask, FastAPI, Django, aiohttp) passes every case 3 runs in a row, and every
//! rejected one fails exactly the cases its solutions.toml names, with a message that names
//! the mistake by its JSON path.

use livejudge::error::exit::FAILED;

use crate::support::*;

const TASK: &str = "json-api";

#[test]
fn accepted_solutions_in_five_frameworks_pass_every_case_3_runs_in_a_row() {
    assert_ships_frameworks(TASK, &["stdlib", "flask", "fastapi", "django", "aiohttp"]);
    assert_accepted_pass(TASK, 3);
}

#[test]
fn rejected_solutions_fail_exactly_the_cases_that_catch_their_mistake() {
    assert!(expectations(TASK).exact, "json-api's sets are exact");
    assert_rejected_fail(TASK, 10);
}

fn rejected(stem: &str) -> std::path::PathBuf {
    repo()
        .join("tasks")
        .join(TASK)
        .join("solutions/rejected")
        .join(format!("{stem}.py"))
}

#[test]
fn a_wrong_body_is_shown_by_path_and_as_a_diff() {
    let run = Grade::task(TASK)
        .submission(relative(&rejected("no_two_decimals")))
        .expect_exit(FAILED)
        .run();
    let out = &run.stdout;
    // Every mismatching path of the example, not just the first.
    for line in [
        "$.steps[0].body.discount: expected \"2.50\", got \"2.5\"",
        "$.steps[0].body.total: expected \"22.50\", got \"22.5\"",
        "$.steps[0].body.subtotal: expected \"25.00\", got \"25.0\"",
    ] {
        assert!(out.contains(line), "{line:?} missing from:\n{out}");
    }
    // And a diff of the body, line by line.
    assert!(out.contains("-        \"discount\": \"2.50\","), "{out}");
    assert!(out.contains("+        \"discount\": \"2.5\","), "{out}");
}

#[test]
fn the_set_of_error_fields_is_compared_as_a_set() {
    let (run, report) = grade_solutions(TASK, &[rejected("dotted_paths")], 1);
    assert_eq!(run.code, i32::from(FAILED));
    let case = case(submission(&report, 0), "two-errors-one-item");
    assert_eq!(
        case["mismatches"][0]["path"], "$.steps[0].body.errors[*].field",
        "{case}"
    );
    let message = case["mismatches"][0]["message"].as_str().unwrap();
    // Missing values in the expected set's order; unexpected ones as the server sent them.
    assert!(
        message.starts_with("missing \"items[0].quantity\", \"items[0].sku\"; unexpected "),
        "{message}"
    );
    assert!(
        message.contains("\"items.0.quantity\"") && message.contains("\"items.0.sku\""),
        "{message}"
    );
}

#[test]
fn an_html_error_page_is_reported_as_not_json() {
    let (_, report) = grade_solutions(TASK, &[rejected("html_errors")], 1);
    let case = case(submission(&report, 0), "get-total");
    let message = case["message"].as_str().unwrap();
    assert!(
        message.contains("[\"body (not JSON)\"]: unexpected key (value \"<!doctype html>"),
        "{message}"
    );
    // The framework's own request log is shown under the failing case.
    assert!(
        case["stderr"]
            .as_str()
            .unwrap()
            .contains("GET /invoices/total"),
        "{case}"
    );
}
