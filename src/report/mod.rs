//! Reports stage: reporters consume grading events and write for people or machines.

mod human;
mod json;

pub use human::HumanReporter;
pub use json::JsonReporter;

use crate::grade::GradeReport;
use crate::observe::LoadProblem;
use crate::spec::Task;
use crate::verdict::{CaseResult, SubmissionResult};

pub enum Event<'a> {
    Started {
        task: &'a Task,
        report: &'a GradeReport,
        submissions: usize,
    },
    SubmissionStarted {
        index: usize,
        path: &'a str,
    },
    /// The submission could not be loaded; every case will carry this problem.
    LoadFailed {
        index: usize,
        problem: &'a LoadProblem,
    },
    CaseFinished {
        submission: usize,
        case: &'a CaseResult,
    },
    SubmissionFinished {
        index: usize,
        result: &'a SubmissionResult,
    },
    Finished {
        report: &'a GradeReport,
    },
}

pub trait Reporter {
    fn event(&mut self, event: &Event<'_>);
}
