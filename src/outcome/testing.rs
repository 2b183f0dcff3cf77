//! Synthetic grading results for tests: cases, submissions, reports and the task they belong
//! to, with fixed durations so that what reporters print of them is stable.

use std::path::PathBuf;

use crate::compare::{Diff, Mismatch, Pattern};
use crate::outcome::{
    CaseResult, GradeReport, Isolation, LoadProblem, PythonInfo, SCHEMA_VERSION, SubmissionResult,
    Verdict,
};
use crate::task::{Case, Kind, Limits, PythonSpec, ServerStart, Task};

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

/// A wrong result: one mismatch per `(path, message)`, the message made of them as the judge
/// makes it, and a rule.
pub(crate) fn wrong(id: &str, title: &str, mismatches: &[(&str, &str)], rule: &str) -> CaseResult {
    let mismatches: Vec<Mismatch> = mismatches
        .iter()
        .map(|(path, message)| Mismatch {
            path: crate::compare::JsonPath::parse(path),
            message: (*message).to_owned(),
        })
        .collect();
    let lines: Vec<String> = mismatches.iter().map(|m| m.to_string()).collect();
    CaseResult {
        rule: Some(rule.to_owned()),
        mismatches,
        ..failing(
            id,
            title,
            Verdict::Wrong,
            &format!("{}\nrule: {rule}", lines.join("\n")),
        )
    }
}

/// A diff between two pretty JSON texts.
pub(crate) fn diff(expected: &str, actual: &str) -> Diff {
    Diff::new(expected, actual)
}

/// Cases that never ran because the submission could not be loaded (`problem`).
pub(crate) fn not_loaded(
    id: &str,
    title: &str,
    verdict: Verdict,
    problem: &LoadProblem,
) -> CaseResult {
    CaseResult {
        ran: false,
        duration_ms: 0.0,
        ..failing(id, title, verdict, &format!("not run: {}", problem.message))
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
        score: crate::outcome::score(&groups, &cases),
        problem: None,
        attempts: 1,
        duration_ms: 120.0,
        server_ready_ms: Vec::new(),
        cases,
    }
}

/// The report of `submissions` as `grade_all` would conclude it, for the task `task_id`.
pub(crate) fn report(task_id: &str, submissions: Vec<SubmissionResult>) -> GradeReport {
    GradeReport {
        schema_version: SCHEMA_VERSION,
        livejudge_version: "0.0.0-test",
        task: task_id.to_owned(),
        task_title: format!("The {task_id} task"),
        kind: "python",
        isolation: Isolation::Strict,
        isolation_mechanisms: vec!["bubblewrap 0.8.0".to_owned()],
        isolation_missing: Vec::new(),
        python: PythonInfo {
            executable: PathBuf::from("/usr/bin/python3"),
            version: "3.12.3".to_owned(),
        },
        passed: submissions.iter().all(|s| s.passed),
        passed_submissions: submissions.iter().filter(|s| s.passed).count(),
        passed_cases: submissions.iter().map(|s| s.passed_cases).sum(),
        failed_cases: submissions.iter().map(|s| s.failed_cases).sum(),
        interrupted: false,
        submissions,
    }
}

/// A python-kind task whose cases have the ids, titles, groups and hidden flags of `cases`
/// (what reporters read of a task), and the groups in the order the cases name them.
pub(crate) fn task_of(id: &str, cases: &[CaseResult]) -> Task {
    let mut groups: Vec<String> = Vec::new();
    for case in cases {
        if !groups.contains(&case.group) {
            groups.push(case.group.clone());
        }
    }
    Task {
        id: id.to_owned(),
        title: format!("The {id} task"),
        kind: Kind::Python,
        dir: PathBuf::from("/tasks").join(id),
        spec_file: PathBuf::from("/tasks").join(id).join("task.toml"),
        statement_file: PathBuf::from("/tasks").join(id).join("README.md"),
        fixtures_dir: PathBuf::from("/tasks").join(id).join("fixtures"),
        entry: "solution.py".to_owned(),
        required_names: vec!["solve".to_owned()],
        python: PythonSpec {
            requirements: Vec::new(),
            min_version: None,
        },
        harness_file: PathBuf::from("/tasks").join(id).join("harness.py"),
        server: None,
        sites: Vec::new(),
        limits: Limits::default(),
        groups,
        cases: cases
            .iter()
            .map(|c| Case {
                id: c.id.clone(),
                title: c.title.clone(),
                group: c.group.clone(),
                points: c.points,
                hidden: c.hidden,
                rule: c.rule.clone(),
                wall_time: Limits::default().case_wall_time,
                input: serde_json::Value::Null,
                expect: Pattern::exact(&serde_json::Value::Null),
                steps: Vec::new(),
                server_start: ServerStart::Shared,
                site_checks: Vec::new(),
            })
            .collect(),
    }
}
