//! `--resume`: which rows of a results file stand for submissions of this run, so they are
//! not graded again.

use crate::outcome::{Submission, SubmissionResult, Verdict};

use super::ResultRow;

/// What a row must have been graded with to be reused: the same task, at the same version
/// (its files, fixtures included), with the same settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResumeKey<'a> {
    pub task: &'a str,
    pub task_version: &'a str,
    pub show_hidden: bool,
    pub isolation: &'a str,
}

/// For each submission (by index), the result of the row that stands for it, if any. A row
/// stands for one submission: the same content at the same path, graded under `key`; each
/// row is used once, and a result the judge itself failed on (judge-error) is graded again.
pub fn reusable(
    rows: &[ResultRow],
    key: &ResumeKey<'_>,
    submissions: &[Submission],
) -> Vec<Option<SubmissionResult>> {
    let mut unused: Vec<&ResultRow> = rows
        .iter()
        .filter(|row| {
            row.task == key.task
                && row.task_version == key.task_version
                && row.show_hidden == key.show_hidden
                && row.isolation == key.isolation
                && !row
                    .result
                    .cases
                    .iter()
                    .any(|c| c.verdict == Verdict::JudgeError)
        })
        .collect();
    submissions
        .iter()
        .map(|submission| {
            let shown = submission.path.display().to_string();
            let at = unused.iter().position(|row| {
                row.submission_digest == submission.digest && row.result.path == shown
            })?;
            Some(unused.remove(at).result.clone())
        })
        .collect()
}
