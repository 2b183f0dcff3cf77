//! The data that crosses stages: what a run observed, what grading concluded, and the events
//! reporters hear. Every stage may use it; it uses no stage (only the leaf modules `task`,
//! `compare` and `util`).

mod event;
mod isolation;
mod observation;
mod report;
mod result;
mod submission;

pub use event::{Event, Reporter, Reporters};
pub use isolation::{Isolation, IsolationReport};
pub use observation::*;
pub use report::{GradeReport, PythonInfo, SCHEMA_VERSION};
pub use result::{CaseResult, GroupScore, Score, SubmissionResult, Verdict, score};
pub use submission::Submission;
#[cfg(test)]
pub(crate) mod testing;
