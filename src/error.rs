//! The errors that end a livejudge command, rendered for people in one place, and the one
//! table of exit codes. Verdicts about a submission are not errors: they are results, and a
//! command that graded (even if it was interrupted or the judge failed a case) returns its
//! exit code as an outcome.

use std::process::ExitCode;

use crate::run::pyenv::EnvError;
use crate::sandbox::SandboxError;
use crate::task::{SpecError, SpecErrors};

/// The exit codes: named constants, and the table that `--help`, README.md and the tests
/// all take them from.
pub mod exit {
    /// Every case of every submission passed.
    pub const PASSED: u8 = 0;
    /// Some case failed.
    pub const FAILED: u8 = 1;
    /// Usage, task-spec or input error.
    pub const USAGE: u8 = 2;
    /// Environment error: no usable Python, a failed install, an unusable cache, strict
    /// isolation where it is not available.
    pub const ENVIRONMENT: u8 = 3;
    /// livejudge itself failed (a `judge-error` verdict): results are not reliable.
    pub const INTERNAL: u8 = 4;
    /// Interrupted by Ctrl-C or SIGTERM.
    pub const INTERRUPTED: u8 = 130;

    /// One exit code and what it means, as README.md's table says it.
    pub struct Meaning {
        pub code: u8,
        pub meaning: &'static str,
    }

    pub const TABLE: &[Meaning] = &[
        Meaning {
            code: PASSED,
            meaning: "every case of every submission passed",
        },
        Meaning {
            code: FAILED,
            meaning: "some case failed",
        },
        Meaning {
            code: USAGE,
            meaning: "usage, task-spec or input error (a malformed task.toml, a missing submission)",
        },
        Meaning {
            code: ENVIRONMENT,
            meaning: "environment error (no usable Python, a failed package install, an unusable cache, `--isolation strict` where full isolation is not available; `doctor` when it is not)",
        },
        Meaning {
            code: INTERNAL,
            meaning: "internal error (a `judge-error` verdict): the results are not reliable",
        },
        Meaning {
            code: INTERRUPTED,
            meaning: "interrupted (Ctrl-C or SIGTERM); what finished is still reported",
        },
    ];

    /// The "Exit codes" section of `--help`.
    pub fn help_section() -> String {
        let mut text = String::from("Exit codes:\n");
        for row in TABLE {
            text.push_str(&format!(
                "  {:<4} {}\n",
                row.code,
                row.meaning.replace('`', "")
            ));
        }
        text
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Every mistake found in a task's files (each renders itself, with file, line and help).
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
        })
    }

    /// How to fix it, when there is one fix for the whole error. Spec errors carry a help
    /// line each, rendered with their location.
    pub fn help(&self) -> Option<String> {
        match self {
            Error::Spec(_) => None,
            Error::Input { help, .. } => help.clone(),
            Error::Environment(e) => Some(e.help()),
            Error::Sandbox(e) => Some(e.help()),
        }
    }

    /// The text shown to a person: what went wrong, then the fix.
    pub fn render(&self) -> String {
        match self {
            Error::Spec(errors) => errors
                .0
                .iter()
                .map(|e| format!("error: {e}"))
                .collect::<Vec<_>>()
                .join("\n\n"),
            other => match other.help() {
                Some(help) => format!("error: {other}\n  help: {help}"),
                None => format!("error: {other}"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::exit::TABLE;

    /// README.md's table of exit codes says what the table here says, row for row.
    #[test]
    fn the_readme_table_of_exit_codes_is_this_table() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
            .expect("README.md");
        let section = readme
            .split("### Exit codes")
            .nth(1)
            .expect("README.md has an \"Exit codes\" section");
        let rows: Vec<(u8, String)> = section
            .lines()
            .skip_while(|line| !line.starts_with("| code"))
            .skip(2)
            .take_while(|line| line.starts_with('|'))
            .map(|line| {
                let cells: Vec<&str> = line.trim_matches('|').splitn(2, '|').collect();
                (
                    cells[0].trim().parse().expect("a numeric code"),
                    cells[1].trim().to_owned(),
                )
            })
            .collect();
        let table: Vec<(u8, String)> = TABLE
            .iter()
            .map(|row| (row.code, row.meaning.to_owned()))
            .collect();
        assert_eq!(rows, table);
    }

    #[test]
    fn help_lists_every_exit_code() {
        let help = super::exit::help_section();
        for row in TABLE {
            let line = format!("  {:<4} {}", row.code, row.meaning.replace('`', ""));
            assert!(help.contains(&line), "{help}");
        }
    }
}
