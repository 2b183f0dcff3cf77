//! livejudge: a judge for Python live-coding interview tasks.
pub mod text;
pub mod compare;
pub mod spec;
pub mod pyenv;
pub mod sandbox;
pub mod supervise;
pub mod workspace;
pub mod observe;
pub mod harness;
