//! The one vocabulary of grading events, and the trait of those who hear them. Reporters only
//! receive events; they never reach back into grading.

use crate::outcome::{CaseResult, GradeReport, LoadProblem, Submission, SubmissionResult};
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
