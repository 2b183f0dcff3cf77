//! Python environment: the real interpreter (resolved once, never a shim per run) and a cached
//! virtual environment per interpreter and requirement set.

mod interpreter;
mod venv;

use std::path::PathBuf;

pub use interpreter::{Interpreter, resolve_interpreter};
pub use venv::{Venv, VenvProgress, ensure_venv};

#[derive(Debug, thiserror::Error)]
pub enum EnvError {
    #[error("no usable Python: {detail}")]
    NoPython { detail: String, help: String },
    #[error("{program} is Python {found}, but this task needs Python {required} or newer")]
    TooOld {
        program: String,
        found: String,
        required: String,
    },
    #[error("cannot create the Python environment in {dir}: `{command}` failed\n{output}")]
    Venv {
        dir: PathBuf,
        command: String,
        output: String,
        help: String,
    },
    #[error("the cache directory {path} is not usable: {source}")]
    Cache {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl EnvError {
    /// How to fix it.
    pub fn help(&self) -> String {
        match self {
            EnvError::NoPython { help, .. } | EnvError::Venv { help, .. } => help.clone(),
            EnvError::TooOld { .. } => {
                "pass --python PATH or set LIVEJUDGE_PYTHON to a newer interpreter".into()
            }
            EnvError::Cache { .. } => "set LIVEJUDGE_CACHE_DIR to a writable directory".into(),
        }
    }
}

/// Where livejudge keeps interpreters' descriptions and task environments.
#[derive(Debug, Clone)]
pub struct Cache {
    pub dir: PathBuf,
}

impl Cache {
    /// `$LIVEJUDGE_CACHE_DIR`, else the user's cache directory (`~/.cache/livejudge`).
    pub fn locate() -> Result<Cache, EnvError> {
        let dir = match std::env::var_os("LIVEJUDGE_CACHE_DIR") {
            Some(dir) if !dir.is_empty() => PathBuf::from(dir),
            _ => dirs::cache_dir()
                .map(|d| d.join("livejudge"))
                .ok_or_else(|| EnvError::Cache {
                    path: PathBuf::from("~/.cache/livejudge"),
                    source: std::io::Error::other("no home or XDG cache directory"),
                })?,
        };
        std::fs::create_dir_all(&dir).map_err(|source| EnvError::Cache {
            path: dir.clone(),
            source,
        })?;
        Ok(Cache { dir })
    }
}
