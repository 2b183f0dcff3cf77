//! Synthetic grading results for tests: cases, submissions, reports and the task they belong
//! to, with fixed durations so that what reporters print of them is stable.

use crate::outcome::{CaseResult, SubmissionResult, Verdict};

/// A case that passed in 1.5 ms, in the `public` group, worth one point.
pub(crate) fn passing(id: &str, title: &str) -> CaseResult {
    CaseResult {
        id: id.to_owned(),
        title: title.to_owned(),
        group: "public".to_owned(),
        points: 1,
        hidden: false,
        passed: true,
        verdict: Verdict::Pass,
        message: String::new(),
        rule: None,
        mismatches: Vec::new(),
        diff: None,
        details: None,
        stdout: None,
        stderr: None,
        ran: true,
        redacted: false,
        duration_ms: 1.5,
    }
}

/// A case that failed with `verdict` and `message` (the judge's text: its first line is the
/// summary, a `rule: ...` line may follow).
pub(crate) fn failing(id: &str, title: &str, verdict: Verdict, message: &str) -> CaseResult {
    CaseResult {
        passed: false,
        verdict,
        message: message.to_owned(),
        ..passing(id, title)
    }
}

/// A submission's result made of `cases`, its counts and score computed from them, graded in
/// 120 ms in one attempt.
pub(crate) fn submission(path: &str, cases: Vec<CaseResult>) -> SubmissionResult {
    let mut groups: Vec<String> = Vec::new();
    for case in &cases {
        if !groups.contains(&case.group) {
            groups.push(case.group.clone());
        }
    }
    let passed_cases = cases.iter().filter(|c| c.passed).count();
    let failed_cases = cases.len() - passed_cases;
    SubmissionResult {
        path: path.to_owned(),
        passed: failed_cases == 0,
        passed_cases,
        failed_cases,
        score: crate::judge::score(&groups, &cases),
        problem: None,
        attempts: 1,
        duration_ms: 120.0,
        server_ready_ms: Vec::new(),
        cases,
    }
}
