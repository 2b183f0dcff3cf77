//! What `livejudge check` holds reference solutions to: accepted ones pass, rejected ones fail
//! what `solutions.toml` says, and every solution gets the same outcome on every run.

use std::path::Path;

use super::solutions::{Expectation, SolutionsSpec, flakiness, judge};
use crate::outcome::testing::{failing, passing, submission};
use crate::outcome::{CaseResult, LoadProblem, LoadProblemKind, SubmissionResult, Verdict};

fn spec(toml_text: &str) -> SolutionsSpec {
    toml::from_str(toml_text).expect("a valid solutions.toml")
}

const OFF_BY_ONE: &str = r#"
[rejected.off_by_one]
fails = ["c2"]
verdict = "wrong"
message = "expected 2, got 3"
"#;

fn wrong_c2() -> CaseResult {
    failing(
        "c2",
        "Case 2",
        Verdict::Wrong,
        "$.value: expected 2, got 3\nrule: solve returns n",
    )
}

/// c1 and c3 pass; c2 is `c2`.
fn graded(c2: CaseResult) -> SubmissionResult {
    submission(
        "solutions/x.py",
        vec![passing("c1", "Case 1"), c2, passing("c3", "Case 3")],
    )
}

fn all_pass() -> SubmissionResult {
    graded(passing("c2", "Case 2"))
}

fn accepted(result: &SubmissionResult) -> Vec<String> {
    judge(
        Expectation::Accepted,
        Path::new("solutions/accepted/good.py"),
        result,
        &SolutionsSpec::default(),
    )
}

fn rejected(result: &SubmissionResult, spec_text: &str) -> Vec<String> {
    judge(
        Expectation::Rejected,
        Path::new("solutions/rejected/off_by_one.py"),
        result,
        &spec(spec_text),
    )
}

#[test]
fn an_accepted_solution_must_pass_every_case() {
    assert_eq!(accepted(&all_pass()), Vec::<String>::new());
    assert_eq!(
        accepted(&graded(wrong_c2())),
        ["fails c2 (wrong: $.value: expected 2, got 3)"]
    );
}

#[test]
fn an_accepted_solution_must_load() {
    let problem = LoadProblem {
        kind: LoadProblemKind::SyntaxError,
        message: "good.py:1:9: SyntaxError: expected ':'".to_owned(),
        details: None,
    };
    let result = SubmissionResult {
        problem: Some(problem),
        ..graded(wrong_c2())
    };
    assert_eq!(
        accepted(&result),
        ["does not load: good.py:1:9: SyntaxError: expected ':'"]
    );
}

#[test]
fn a_rejected_solution_failing_as_listed_is_right() {
    assert_eq!(
        rejected(&graded(wrong_c2()), OFF_BY_ONE),
        Vec::<String>::new()
    );
    // Per case messages too.
    let per_case = r#"
[rejected.off_by_one]
fails = ["c2"]
message = { c2 = "got 3" }
"#;
    assert_eq!(
        rejected(&graded(wrong_c2()), per_case),
        Vec::<String>::new()
    );
}

#[test]
fn a_rejected_solution_failing_other_cases_is_a_problem() {
    // It fails c3 where c2 must fail.
    let result = submission(
        "solutions/x.py",
        vec![
            passing("c1", "Case 1"),
            passing("c2", "Case 2"),
            failing("c3", "Case 3", Verdict::Wrong, "$.value: expected 3, got 4"),
        ],
    );
    assert_eq!(
        rejected(&result, OFF_BY_ONE),
        ["passes c2, which must catch its mistake"]
    );
}

#[test]
fn an_exact_spec_refuses_extra_failures() {
    let result = submission(
        "solutions/x.py",
        vec![
            passing("c1", "Case 1"),
            wrong_c2(),
            failing("c3", "Case 3", Verdict::Wrong, "$.value: expected 3, got 4"),
        ],
    );
    // Not exact: failing more than listed is allowed.
    assert_eq!(rejected(&result, OFF_BY_ONE), Vec::<String>::new());
    let exact = format!("exact = true\n{OFF_BY_ONE}");
    assert_eq!(
        rejected(&result, &exact),
        ["also fails c3 (solutions.toml is exact)"]
    );
}

#[test]
fn a_rejected_solution_must_fail_with_the_listed_verdict_and_message() {
    let raised = failing("c2", "Case 2", Verdict::Error, "raised ValueError: bad n");
    assert_eq!(
        rejected(&graded(raised), OFF_BY_ONE),
        [
            "c2: verdict error, expected wrong",
            "c2: the message does not contain \"expected 2, got 3\": raised ValueError: bad n",
        ]
    );
}

#[test]
fn a_rejected_solution_that_passes_is_not_caught() {
    assert_eq!(
        rejected(&all_pass(), OFF_BY_ONE),
        ["passes every case: its mistake is not caught"]
    );
}

#[test]
fn a_judge_error_says_nothing_about_the_solution() {
    let broken = graded(failing(
        "c2",
        "Case 2",
        Verdict::JudgeError,
        "cannot start the sandbox\nmore",
    ));
    let expected = ["judge error in c2: cannot start the sandbox"];
    assert_eq!(accepted(&broken), expected);
    assert_eq!(rejected(&broken, OFF_BY_ONE), expected);
}

#[test]
fn differing_outcomes_over_runs_are_flaky() {
    let (pass, fail) = (all_pass(), graded(wrong_c2()));
    assert_eq!(flakiness(&[&pass, &pass, &pass]), None);
    assert_eq!(flakiness(&[&fail, &fail]), None);
    assert_eq!(flakiness(&[&pass]), None);
    assert_eq!(
        flakiness(&[&pass, &fail, &pass]).as_deref(),
        Some("2 run(s): all pass; 1 run(s): fail c2")
    );
}
