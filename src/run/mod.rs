//! What starts processes: the Python harness, servers and their scenarios, the judge's
//! fixture websites, the supervisor, task environments and workspaces.
//!
//! Every task kind is run from the same [`RunContext`] through [`run_cases`]; what it observed
//! reaches the grading stage one case at a time, through the sink.

mod memory;
pub mod pyenv;
pub mod python;
pub mod server;
pub mod sites;
pub mod supervise;
pub mod workspace;

use std::path::PathBuf;

use futures_util::future::LocalBoxFuture;
use tokio_util::sync::CancellationToken;

use crate::outcome::CaseObservation;
use crate::sandbox::{Dirs, Launcher};
use crate::task::{Kind, Task};

/// What runs a submission's cases. [`Processes`] starts them for real; tests script one to
/// check the orchestration around it without Python or a sandbox.
pub trait Runner: Sync {
    /// Runs every case of `context.task`; `sink` receives each observation as soon as it is
    /// known, and every case gets one unless the run is interrupted.
    fn run<'a>(
        &'a self,
        context: &'a RunContext<'a>,
        cancel: &'a CancellationToken,
        sink: &'a mut dyn FnMut(CaseObservation),
    ) -> LocalBoxFuture<'a, Result<RunStats, Interrupted>>;
}

/// The runner that starts the submission's processes in the sandbox.
pub struct Processes;

impl Runner for Processes {
    fn run<'a>(
        &'a self,
        context: &'a RunContext<'a>,
        cancel: &'a CancellationToken,
        sink: &'a mut dyn FnMut(CaseObservation),
    ) -> LocalBoxFuture<'a, Result<RunStats, Interrupted>> {
        Box::pin(run_cases(context, cancel, sink))
    }
}

/// Runs every case of the task with the run kind its task has; `sink` receives each
/// observation as soon as it is known.
pub async fn run_cases(
    context: &RunContext<'_>,
    cancel: &CancellationToken,
    sink: &mut dyn FnMut(CaseObservation),
) -> Result<RunStats, Interrupted> {
    match context.task.kind {
        Kind::Python => python::run(context, cancel, sink).await,
        Kind::Tcp | Kind::Http => server::run_cases(context, cancel, sink).await,
    }
}

/// Everything a run of one submission needs, whatever the task's kind.
pub struct RunContext<'a> {
    pub task: &'a Task,
    /// The interpreter of the task's environment.
    pub python: PathBuf,
    pub read_only: Vec<PathBuf>,
    /// Host paths.
    pub dirs: Dirs,
    pub launcher: &'a dyn Launcher,
    /// How to name the entry file in messages: the candidate's own file name when a single
    /// file was submitted (it runs as the task's entry name).
    pub entry_display: String,
    /// Where the relay's sockets go when the task serves websites (created on demand).
    pub sockets_dir: PathBuf,
    /// Server kinds: the host folder handed to the server as DATA_DIR, kept across its
    /// restarts within the run.
    pub data_dir: PathBuf,
}

#[derive(Debug)]
pub struct Interrupted;

#[derive(Debug, Default, Clone)]
pub struct RunStats {
    /// Processes started: 1, plus one per crash or timeout that needed a restart.
    pub attempts: u32,
    /// Server kinds: how long each start took to be ready.
    pub server_ready: Vec<std::time::Duration>,
}
