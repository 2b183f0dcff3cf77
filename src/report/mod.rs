//! Reports stage: reporters consume grading events and write for people or machines.

pub mod files;
mod human;
mod json;
mod progress;
mod results;
mod watch;

pub use human::HumanReporter;
pub use json::JsonReporter;
pub use progress::ProgressReporter;
pub use results::ResultsReporter;
pub use watch::WatchReporter;

use crate::grade::{GradeReport, Submission};
use crate::judge::{CaseResult, SubmissionResult};
use crate::outcome::LoadProblem;
use crate::task::Task;

pub enum Event<'a> {
    Started {
        task: &'a Task,
        report: &'a GradeReport,
        submissions: &'a [Submission],
    },
    /// Already graded (in the results file being resumed): not graded again.
    SubmissionResumed {
        index: usize,
        result: &'a SubmissionResult,
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
        submission: &'a Submission,
        result: &'a SubmissionResult,
    },
    Finished {
        report: &'a GradeReport,
    },
}

pub trait Reporter {
    fn event(&mut self, event: &Event<'_>);
}

/// Several reporters hearing the same events, in order.
pub struct Reporters(pub Vec<Box<dyn Reporter>>);

impl Reporter for Reporters {
    fn event(&mut self, event: &Event<'_>) {
        for reporter in &mut self.0 {
            reporter.event(event);
        }
    }
}
