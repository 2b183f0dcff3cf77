//! livejudge: a judge for Python live-coding interview tasks.
pub mod batch;
pub mod cli;
pub mod cmd;
pub mod compare;
mod console;
pub mod error;
pub mod grade;
pub mod judge;
pub mod outcome;
pub mod report;
pub mod run;
pub mod sandbox;
pub mod task;
pub mod util;
