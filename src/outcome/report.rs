//! The whole report of one `grade` run: the JSON document printed by `--format json`.

use std::path::PathBuf;

use serde::Serialize;

use crate::outcome::{Isolation, SubmissionResult, Verdict};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct PythonInfo {
    pub executable: PathBuf,
    pub version: String,
}

/// The whole report: the JSON document printed by `--format json`.
#[derive(Debug, Clone, Serialize)]
pub struct GradeReport {
    pub schema_version: u32,
    pub livejudge_version: &'static str,
    pub task: String,
    pub task_title: String,
    pub kind: &'static str,
    pub isolation: Isolation,
    /// What isolated the runs ("bubblewrap 0.8.0", "uid 65534 ...", "seccomp filter").
    pub isolation_mechanisms: Vec<String>,
    /// What full isolation needs and this machine lacks, each with its fix.
    pub isolation_missing: Vec<String>,
    pub python: PythonInfo,
    pub passed: bool,
    pub passed_submissions: usize,
    pub passed_cases: usize,
    pub failed_cases: usize,
    pub interrupted: bool,
    pub submissions: Vec<SubmissionResult>,
}

impl GradeReport {
    pub fn has_judge_errors(&self) -> bool {
        self.submissions
            .iter()
            .flat_map(|s| &s.cases)
            .any(|c| c.verdict == Verdict::JudgeError)
    }
}
