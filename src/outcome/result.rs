//! What grading concluded: a verdict per case and a result per submission. This is also the
//! shape of the JSON report (docs/report.schema.json) and of a results file's rows.

use serde::{Deserialize, Serialize};

use crate::compare::{Diff, Mismatch};
use crate::outcome::LoadProblem;

/// The closed set of verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Pass,
    /// The observation differs from the expectation.
    Wrong,
    /// The submission raised an exception (at import or during the case).
    Error,
    /// A wall-time or CPU-time limit was hit.
    Timeout,
    MemoryLimit,
    OutputLimit,
    /// The process died or corrupted the harness channel.
    Crashed,
    /// The entry file or a required name is absent.
    Missing,
    /// Livejudge's own fault; never blamed on the candidate.
    JudgeError,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Wrong => "wrong",
            Verdict::Error => "error",
            Verdict::Timeout => "timeout",
            Verdict::MemoryLimit => "memory-limit",
            Verdict::OutputLimit => "output-limit",
            Verdict::Crashed => "crashed",
            Verdict::Missing => "missing",
            Verdict::JudgeError => "judge-error",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseResult {
    pub id: String,
    pub title: String,
    pub group: String,
    pub points: u32,
    pub hidden: bool,
    pub passed: bool,
    pub verdict: Verdict,
    /// What went wrong, every mismatch on its own line, then the rule the case checks.
    pub message: String,
    pub rule: Option<String>,
    pub mismatches: Vec<Mismatch>,
    pub diff: Option<Diff>,
    /// A traceback, a caret display or the tail of stderr.
    pub details: Option<String>,
    /// What the case printed to sys.stdout and sys.stderr (first and last few KiB).
    pub stdout: Option<String>,
    pub stderr: Option<String>,
    /// False when the case never started (the submission did not load, time ran out).
    pub ran: bool,
    /// True when details of a hidden case were withheld.
    pub redacted: bool,
    pub duration_ms: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroupScore {
    pub group: String,
    pub points: u32,
    pub max_points: u32,
    pub passed: usize,
    pub total: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Score {
    pub points: u32,
    pub max_points: u32,
    pub groups: Vec<GroupScore>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubmissionResult {
    pub path: String,
    pub passed: bool,
    pub passed_cases: usize,
    pub failed_cases: usize,
    pub score: Score,
    /// Why the submission could not be loaded, if it could not.
    pub problem: Option<LoadProblem>,
    /// Python processes started (more than 1 after a crash or timeout).
    pub attempts: u32,
    pub duration_ms: f64,
    /// Server kinds: spawn-to-ready time of each start.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub server_ready_ms: Vec<f64>,
    pub cases: Vec<CaseResult>,
}

impl SubmissionResult {
    /// The ids of the cases it failed, in case order.
    pub fn failed_ids(&self) -> Vec<&str> {
        self.cases
            .iter()
            .filter(|c| !c.passed)
            .map(|c| c.id.as_str())
            .collect()
    }
}

/// The points of `cases`, by group and in all.
pub fn score(groups: &[String], cases: &[CaseResult]) -> Score {
    let groups: Vec<GroupScore> = groups
        .iter()
        .map(|group| {
            let of_group: Vec<&CaseResult> = cases.iter().filter(|c| &c.group == group).collect();
            GroupScore {
                group: group.clone(),
                points: of_group.iter().filter(|c| c.passed).map(|c| c.points).sum(),
                max_points: of_group.iter().map(|c| c.points).sum(),
                passed: of_group.iter().filter(|c| c.passed).count(),
                total: of_group.len(),
            }
        })
        .collect();
    Score {
        points: groups.iter().map(|g| g.points).sum(),
        max_points: groups.iter().map(|g| g.max_points).sum(),
        groups,
    }
}
