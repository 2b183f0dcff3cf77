//! A submission as the command line named it.

use std::path::PathBuf;

/// A submission as given on the command line.
#[derive(Debug, Clone)]
pub struct Submission {
    pub path: PathBuf,
    pub is_dir: bool,
    /// Digest of its content: with the task's version, what identifies its grading.
    pub digest: String,
}
