//! livejudge: a judge for Python live-coding interview tasks.
//!
//! The data flows one way, `cmd → grade → run → sandbox`: a command ([`cmd`]) loads a task
//! ([`task`]) and builds the grading environment once, the grader ([`grade`]) runs each
//! submission's cases ([`run`]) in the box ([`sandbox`]), judges every observation
//! ([`judge`], with [`compare`]) and tells the reporters ([`report`]). Types that cross
//! stages live in [`outcome`]; results files, resume and shards in [`batch`]; small helpers
//! in [`util`]. Every stage may use `outcome`, `task`, `compare` and `util`; none uses a
//! stage above it.

pub mod batch;
pub mod cli;
pub mod cmd;
pub mod compare;
mod console;
pub mod error;
pub mod grade;
pub mod judge;
#[cfg(test)]
mod layering;
pub mod outcome;
pub mod report;
pub mod run;
pub mod sandbox;
pub mod task;
pub mod util;
