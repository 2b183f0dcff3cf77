//! The threaded-server task end to end, under strict isolation: every accepted solution passes
//! every case (2 runs in a row here; benches/flakiness.py runs each solution 20 times under
//! two parallel gradings), and every rejected one fails the cases its solutions.toml names,
//! with a message that names the broken behaviour.

use crate::support::*;

const TASK: &str = "threaded-server";

#[test]
fn accepted_solutions_pass_every_case_2_runs_in_a_row() {
    assert_accepted_pass(TASK, 2);
}

#[test]
fn rejected_solutions_fail_the_cases_that_catch_their_mistake() {
    // Most of them fail by waiting out a timeout: two gradings at once halve the wait.
    assert_rejected_fail(TASK, 8);
}
