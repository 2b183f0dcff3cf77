//! Helpers for the integration tests: run the built `livejudge` binary from the repository
//! root with a cache directory of the tests' own, with a timeout, and read what it printed;
//! read its reports; grade a task's reference solutions; start boxes through the library.

mod boxes;
mod command;
pub mod golden;
pub mod machine;
mod process;
mod report;
mod solutions;

use std::path::PathBuf;

pub use boxes::*;
pub use command::*;
pub use process::*;
pub use report::*;
pub use solutions::*;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A cache shared by the tests (the venv lock makes that safe), apart from the user's.
pub fn cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("livejudge-cache")
}
