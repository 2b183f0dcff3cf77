//! `livejudge check`: is a task sound? Its spec loads, every accepted solution passes every
//! case, every rejected one fails (the cases, verdicts and messages `solutions.toml` names),
//! and, over repeated runs, every solution gets the same outcome each time.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::outcome::SubmissionResult;
use crate::task::{SpecError, SpecErrors, Task};

pub const SOLUTIONS_FILE: &str = "solutions/solutions.toml";

/// `solutions/solutions.toml`: what each rejected solution must fail.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SolutionsSpec {
    /// Each rejected solution fails exactly its `fails`, no other case.
    #[serde(default)]
    pub exact: bool,
    #[serde(default)]
    pub rejected: BTreeMap<String, RejectedSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RejectedSpec {
    pub fails: Vec<String>,
    pub verdict: Option<String>,
    pub message: Option<MessageSpec>,
}

/// Text every failing case's message contains, or per case id.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum MessageSpec {
    Every(String),
    PerCase(BTreeMap<String, String>),
}

impl MessageSpec {
    fn for_case(&self, id: &str) -> Option<&str> {
        match self {
            MessageSpec::Every(text) => Some(text),
            MessageSpec::PerCase(by_case) => by_case.get(id).map(String::as_str),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expectation {
    Accepted,
    Rejected,
}

impl Expectation {
    pub fn name(self) -> &'static str {
        match self {
            Expectation::Accepted => "accepted",
            Expectation::Rejected => "rejected",
        }
    }
}

/// A task's reference solutions, and what each must do.
pub struct Plan {
    pub solutions: Vec<(PathBuf, Expectation)>,
    pub spec: SolutionsSpec,
}

fn python_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "py") || p.is_dir())
                .filter(|p| p.file_name().is_some_and(|n| n != "__pycache__"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The solutions to grade, and the problems with the solutions folder itself (a rejected
/// solution without an entry in solutions.toml, an entry without a file, no accepted one).
pub fn plan(task: &Task) -> Result<(Plan, Vec<String>), SpecErrors> {
    let solutions_dir = task.dir.join("solutions");
    let spec_file = task.dir.join(SOLUTIONS_FILE);
    let spec: SolutionsSpec = match std::fs::read_to_string(&spec_file) {
        Ok(text) => toml::from_str(&text).map_err(|e| {
            let mut error = SpecError::new(&spec_file, e.message().trim_end().to_owned())
                .with_help("`livejudge help task-format` describes solutions.toml");
            if let Some(span) = e.span() {
                error = error.at_span(&text, span);
            }
            SpecErrors::from(error)
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => SolutionsSpec::default(),
        Err(e) => {
            return Err(SpecErrors::from(SpecError::new(
                &spec_file,
                format!("cannot read: {e}"),
            )));
        }
    };
    let accepted = python_files(&solutions_dir.join("accepted"));
    let rejected = python_files(&solutions_dir.join("rejected"));
    let mut problems = Vec::new();
    if accepted.is_empty() {
        problems.push(format!(
            "no accepted solution in {}: add one that passes every case",
            solutions_dir.join("accepted").display()
        ));
    }
    let case_ids: Vec<&str> = task.cases.iter().map(|c| c.id.as_str()).collect();
    for file in &rejected {
        if !spec.rejected.is_empty() && !spec.rejected.contains_key(&stem(file)) {
            problems.push(format!(
                "{} has no [rejected.{}] entry in {SOLUTIONS_FILE}",
                file.display(),
                stem(file)
            ));
        }
    }
    for (name, entry) in &spec.rejected {
        if !rejected.iter().any(|f| &stem(f) == name) {
            problems.push(format!(
                "{SOLUTIONS_FILE} names [rejected.{name}], but solutions/rejected/ has no {name}.py"
            ));
        }
        for id in &entry.fails {
            if !case_ids.contains(&id.as_str()) {
                problems.push(format!(
                    "{SOLUTIONS_FILE}: [rejected.{name}] fails \"{id}\", which is not a case of the task"
                ));
            }
        }
    }
    let solutions = accepted
        .into_iter()
        .map(|f| (f, Expectation::Accepted))
        .chain(rejected.into_iter().map(|f| (f, Expectation::Rejected)))
        .collect();
    Ok((Plan { solutions, spec }, problems))
}

/// What is wrong with one grading of a solution, against what it must do; empty when right.
pub fn judge(
    expectation: Expectation,
    solution: &Path,
    result: &SubmissionResult,
    spec: &SolutionsSpec,
) -> Vec<String> {
    let failed = result.failed_ids();
    // The judge's own failure says nothing about the solution either way.
    let judge_errors: Vec<String> = result
        .cases
        .iter()
        .filter(|c| c.verdict == crate::outcome::Verdict::JudgeError)
        .map(|c| {
            format!(
                "judge error in {}: {}",
                c.id,
                c.message.lines().next().unwrap_or("")
            )
        })
        .collect();
    if !judge_errors.is_empty() {
        return judge_errors;
    }
    match expectation {
        Expectation::Accepted => {
            if let Some(problem) = &result.problem {
                return vec![format!("does not load: {}", problem.message)];
            }
            result
                .cases
                .iter()
                .filter(|c| !c.passed)
                .map(|c| {
                    format!(
                        "fails {} ({}: {})",
                        c.id,
                        c.verdict.name(),
                        c.message.lines().next().unwrap_or("")
                    )
                })
                .collect()
        }
        Expectation::Rejected => {
            if failed.is_empty() {
                return vec!["passes every case: its mistake is not caught".to_owned()];
            }
            let Some(entry) = spec.rejected.get(&stem(solution)) else {
                return Vec::new();
            };
            let mut problems = Vec::new();
            for id in &entry.fails {
                let Some(case) = result.cases.iter().find(|c| &c.id == id) else {
                    continue;
                };
                if case.passed {
                    problems.push(format!("passes {id}, which must catch its mistake"));
                    continue;
                }
                if let Some(verdict) = &entry.verdict
                    && case.verdict.name() != verdict
                {
                    problems.push(format!(
                        "{id}: verdict {}, expected {verdict}",
                        case.verdict.name()
                    ));
                }
                if let Some(text) = entry.message.as_ref().and_then(|m| m.for_case(id))
                    && !case.message.contains(text)
                {
                    problems.push(format!(
                        "{id}: the message does not contain {text:?}: {}",
                        case.message.lines().next().unwrap_or("")
                    ));
                }
            }
            if spec.exact {
                let extra: Vec<&str> = failed
                    .iter()
                    .copied()
                    .filter(|id| !entry.fails.iter().any(|f| f == id))
                    .collect();
                if !extra.is_empty() {
                    problems.push(format!(
                        "also fails {} (solutions.toml is exact)",
                        extra.join(", ")
                    ));
                }
            }
            problems
        }
    }
}

/// The failed case ids of each run, when they differ between runs: a flaky outcome.
pub fn flakiness(results: &[&SubmissionResult]) -> Option<String> {
    let outcomes: Vec<Vec<&str>> = results.iter().map(|r| r.failed_ids()).collect();
    let mut distinct: Vec<(&Vec<&str>, usize)> = Vec::new();
    for outcome in &outcomes {
        match distinct.iter_mut().find(|(o, _)| *o == outcome) {
            Some((_, n)) => *n += 1,
            None => distinct.push((outcome, 1)),
        }
    }
    (distinct.len() > 1).then(|| {
        distinct
            .iter()
            .map(|(failed, n)| {
                let failed = if failed.is_empty() {
                    "all pass".to_owned()
                } else {
                    format!("fail {}", failed.join(", "))
                };
                format!("{n} run(s): {failed}")
            })
            .collect::<Vec<_>>()
            .join("; ")
    })
}
