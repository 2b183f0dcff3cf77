//! Task spec stage: `tasks/<id>/task.toml` is parsed strictly, then validated into a [`Task`].
//! Every problem is reported with its file, line, column and field, all at once.

pub mod builtin;
pub mod diagnostic;
mod discover;
mod raw;
pub mod sites;
pub mod steps;
mod validate;

pub use discover::{list_task_dirs, resolve_task_dir};
use validate::Validator;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::compare::Pattern;
pub use diagnostic::{SpecError, SpecErrors};
use raw::RawTask;

pub const TASK_FILE: &str = "task.toml";

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// The harness imports the submission and calls it.
    Python,
    /// The submission runs as a server; the judge drives it over TCP, step by step.
    Tcp,
    /// The submission is an HTTP server; the judge sends requests (and TCP steps too).
    Http,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Python => "python",
            Kind::Tcp => "tcp",
            Kind::Http => "http",
        }
    }

    pub fn is_server(self) -> bool {
        matches!(self, Kind::Tcp | Kind::Http)
    }
}

/// How a server-kind submission is started and stopped (`[server]`).
#[derive(Debug, Clone)]
pub struct ServerSpec {
    /// `python` as the first word is the task environment's interpreter.
    pub command: Vec<String>,
    /// The port it listens on, on 127.0.0.1 in its box (given to it as PORT).
    pub port: u16,
    pub start_timeout: Duration,
    pub stop_grace: Duration,
    /// Every case gets a server of its own (fresh state, and a crash fails one case only).
    pub fresh_per_case: bool,
    /// `http` kind: readiness is a GET of this path answered with anything but a 5xx.
    /// `None`: readiness is an accepted connection.
    pub ready_path: Option<String>,
    /// The server gets a writable `DATA_DIR` that outlives restarts within a run.
    pub data_dir: bool,
}

/// Which server a case of a server kind runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerStart {
    /// The one already running (started if none is).
    Shared,
    /// A new server with an empty `DATA_DIR`.
    Fresh,
    /// The running server is stopped (SIGTERM, grace, kill) and started again with the same
    /// `DATA_DIR`: what it persisted must survive.
    Restart,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub case_wall_time: Duration,
    pub run_wall_time: Duration,
    pub cpu_time: Duration,
    pub memory: u64,
    pub output: u64,
    /// Processes and threads alive at once in the sandbox.
    pub processes: u32,
    /// The largest file, and the size of each writable filesystem (run directory, /tmp).
    pub disk: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            case_wall_time: Duration::from_secs(5),
            run_wall_time: Duration::from_secs(60),
            cpu_time: Duration::from_secs(30),
            memory: 512 << 20,
            output: 1 << 20,
            processes: 128,
            disk: 64 << 20,
        }
    }
}

#[derive(Debug, Clone)]
pub struct PythonSpec {
    pub requirements: Vec<String>,
    pub min_version: Option<(u32, u32)>,
}

#[derive(Debug, Clone)]
pub struct Case {
    pub id: String,
    pub title: String,
    pub group: String,
    pub points: u32,
    pub hidden: bool,
    /// The rule of the contract this case checks, shown when it fails.
    pub rule: Option<String>,
    pub wall_time: Duration,
    /// Sent to the harness inside the sandbox.
    pub input: Value,
    /// Kept by the judge; never enters the sandbox.
    pub expect: Pattern,
    /// What the judge does, for server kinds (`input` is then null).
    pub steps: Vec<steps::Step>,
    pub server_start: ServerStart,
    /// What the case asserts of the requests the task's fixture websites saw.
    pub site_checks: Vec<sites::SiteCheck>,
}

#[derive(Debug, Clone)]
pub struct Task {
    pub id: String,
    pub title: String,
    pub kind: Kind,
    pub dir: PathBuf,
    pub spec_file: PathBuf,
    pub statement_file: PathBuf,
    pub fixtures_dir: PathBuf,
    /// File name the submission is placed under, e.g. `solution.py`.
    pub entry: String,
    /// Names the entry module must define (python kind).
    pub required_names: Vec<String>,
    pub python: PythonSpec,
    pub harness_file: PathBuf,
    /// Server kinds only.
    pub server: Option<ServerSpec>,
    /// Fixture websites the judge serves into the box (python kind).
    pub sites: Vec<sites::SiteSpec>,
    pub limits: Limits,
    pub groups: Vec<String>,
    pub cases: Vec<Case>,
}

impl Task {
    /// The module name the submission is imported as (`solution` for `solution.py`).
    pub fn entry_module(&self) -> &str {
        self.entry.strip_suffix(".py").unwrap_or(&self.entry)
    }

    /// Digest of the task's files (its folder but `solutions/`, and its fixtures): results
    /// graded by another version are not reused.
    pub fn version(&self) -> std::io::Result<String> {
        crate::util::digest::digest_tree(&[&self.dir, &self.fixtures_dir], &["solutions"])
    }

    pub fn statement(&self) -> std::io::Result<String> {
        fs::read_to_string(&self.statement_file)
    }
}

/// Loads and validates the task in `dir`.
pub fn load(dir: &Path) -> Result<Task, SpecErrors> {
    let spec_file = dir.join(TASK_FILE);
    let bytes = fs::read(&spec_file).map_err(|e| {
        SpecErrors(vec![SpecError::new(
            &spec_file,
            format!("cannot read the task file: {e}"),
        )])
    })?;
    let source = String::from_utf8(bytes).map_err(|e| {
        SpecErrors(vec![
            SpecError::new(
                &spec_file,
                format!(
                    "the task file is not valid UTF-8 (byte {})",
                    e.utf8_error().valid_up_to()
                ),
            )
            .with_help("save task.toml as UTF-8"),
        ])
    })?;
    let raw = parse_raw(&spec_file, &source)?;
    Validator::new(dir, &spec_file, &source).validate(raw)
}

fn parse_raw(file: &Path, source: &str) -> Result<RawTask, SpecErrors> {
    parse_toml(file, source)
}

/// A TOML file into `T`, every unknown key refused, errors placed at their line.
fn parse_toml<T: serde::de::DeserializeOwned>(file: &Path, source: &str) -> Result<T, SpecErrors> {
    let deserializer = toml::Deserializer::parse(source).map_err(|e| {
        let error = SpecError::new(file, format!("invalid TOML: {}", e.message().trim_end()))
            .with_help("see https://toml.io for the syntax");
        SpecErrors::from(match e.span() {
            Some(span) => error.at_span(source, span),
            None => error,
        })
    })?;
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner();
        let message = inner.message().trim_end().to_owned();
        let help = if message.starts_with("unknown field") {
            "remove it or fix its spelling; `livejudge help task-format` lists every field"
                .to_owned()
        } else if let Some(rest) = message.strip_prefix("missing field ") {
            format!("add {rest}; `livejudge help task-format` describes it")
        } else {
            "`livejudge help task-format` describes every field and its type".to_owned()
        };
        let mut error = SpecError::new(file, message).with_help(help);
        if field != "." && !field.is_empty() {
            error = error.with_field(field);
        }
        SpecErrors::from(match inner.span() {
            Some(span) => error.at_span(source, span),
            None => error,
        })
    })
}
