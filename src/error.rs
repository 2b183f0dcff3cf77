//! The errors that end a livejudge command, and the exit codes they map to.
//! Verdicts about a submission are not errors: they are results.

use std::process::ExitCode;

use crate::run::pyenv::EnvError;
use crate::sandbox::SandboxError;
use crate::task::{SpecError, SpecErrors};

/// Documented exit codes (README.md, `livejudge --help`).
pub mod exit {
    /// Every case of every submission passed.
    pub const PASSED: u8 = 0;
    /// Some case failed.
    pub const FAILED: u8 = 1;
    /// Usage, task-spec or input error.
    pub const USAGE: u8 = 2;
    /// Environment error: no usable Python, a failed install, an unusable cache.
    pub const ENVIRONMENT: u8 = 3;
    /// livejudge itself failed (a `judge-error` verdict or a bug): results are not reliable.
    pub const INTERNAL: u8 = 4;
    /// Interrupted by Ctrl-C or SIGTERM.
    pub const INTERRUPTED: u8 = 130;
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Spec(#[from] SpecErrors),
    /// A bad command-line argument or input file (missing submission, unreadable file, ...).
    #[error("{message}")]
    Input {
        message: String,
        help: Option<String>,
    },
    #[error(transparent)]
    Environment(#[from] EnvError),
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    #[error("interrupted")]
    Interrupted,
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<SpecError> for Error {
    fn from(e: SpecError) -> Error {
        Error::Spec(SpecErrors(vec![e]))
    }
}

impl Error {
    pub fn input(message: impl Into<String>, help: impl Into<Option<String>>) -> Error {
        Error::Input {
            message: message.into(),
            help: help.into(),
        }
    }

    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self {
            Error::Spec(_) | Error::Input { .. } => exit::USAGE,
            Error::Environment(_) | Error::Sandbox(_) => exit::ENVIRONMENT,
            Error::Interrupted => exit::INTERRUPTED,
            Error::Internal(_) => exit::INTERNAL,
        })
    }

    /// The text shown to a person, with the fix when there is one.
    pub fn render(&self) -> String {
        match self {
            Error::Spec(errors) => errors
                .0
                .iter()
                .map(|e| format!("error: {e}"))
                .collect::<Vec<_>>()
                .join("\n\n"),
            Error::Input {
                message,
                help: Some(help),
            } => format!("error: {message}\n  help: {help}"),
            other => format!("error: {other}"),
        }
    }
}
