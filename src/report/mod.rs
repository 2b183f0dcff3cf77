//! Reports stage: reporters consume grading events and write for people or machines.

pub mod files;
mod human;
mod json;
mod progress;
mod results;
pub mod show;
mod watch;

pub use human::HumanReporter;
pub use json::JsonReporter;
pub use progress::ProgressReporter;
pub use results::ResultsReporter;
pub use watch::WatchReporter;
#[cfg(test)]
mod snapshot_tests;
