//! livejudge: a judge for Python live-coding interview tasks.
//!
//! Data flows through one module per stage: [`spec`] (task spec) → [`grade`] (plan of cases per
//! submission) → [`harness`] behind [`sandbox`] (sandboxed run) → [`observe`] (observations) →
//! [`compare`] (comparison) → [`verdict`] (verdicts) → [`report`] (reports).

pub mod app;
pub mod batch;
pub mod check;
pub mod cli;
pub mod compare;
pub mod error;
pub mod grade;
pub mod harness;
pub mod observe;
pub mod pyenv;
pub mod report;
pub mod sandbox;
pub mod scaffold;
pub mod scenario;
pub mod server;
pub mod sites;
pub mod spec;
pub mod supervise;
pub mod text;
pub mod verdict;
pub mod workspace;
