//! The grading environment, built once per command: the sandbox (with what it lacks said), the task's Python environment, and the grader over both.

use std::io::IsTerminal;
use std::time::Duration;

use super::*;
use crate::cli::Cli;
use crate::console::say_err;
use crate::error::Error;
use crate::grade::{Grader, PythonEnv};
use crate::run::Processes;
use crate::task::Task;

/// The task's environment: the interpreter and its cached venv, created on first use.
pub(super) fn prepare_python(
    cli: &Cli,
    task: &Task,
    cache: &Cache,
) -> Result<(Interpreter, Venv), Error> {
    let interpreter = pyenv::resolve_interpreter(cli.python.as_deref(), cache)?;
    if let Some((major, minor)) = task.python.min_version {
        let (found_major, found_minor, _) = interpreter.version;
        if (found_major, found_minor) < (major, minor) {
            return Err(EnvError::TooOld {
                program: interpreter.executable.display().to_string(),
                found: interpreter.version_string(),
                required: format!("{major}.{minor}"),
            }
            .into());
        }
    }
    let mut spinner: Option<indicatif::ProgressBar> = None;
    let mut on_progress = |progress: VenvProgress<'_>| match progress {
        VenvProgress::Creating {
            dir,
            requirements,
            tool,
        } => {
            let what = if requirements.is_empty() {
                "no requirements".to_owned()
            } else {
                requirements.join(", ")
            };
            let message = format!(
                "creating the Python environment for {} (Python {}, {what}) with {tool} in {}",
                task.id,
                interpreter.version_string(),
                dir.display()
            );
            if std::io::stderr().is_terminal() {
                let bar = indicatif::ProgressBar::new_spinner().with_message(message);
                bar.enable_steady_tick(Duration::from_millis(100));
                spinner = Some(bar);
            } else {
                say_err!("livejudge: {message}");
            }
        }
        VenvProgress::Finished { elapsed } => {
            let message = format!(
                "livejudge: environment for {} ready in {:.1}s",
                task.id,
                elapsed.as_secs_f64()
            );
            match spinner.take() {
                Some(bar) => bar.finish_with_message(message),
                None => say_err!("{message}"),
            }
        }
    };
    let venv = pyenv::ensure_venv(
        &interpreter,
        &task.python.requirements,
        cache,
        &mut on_progress,
    );
    if let Some(bar) = spinner.take() {
        bar.finish_and_clear();
    }
    Ok((interpreter, venv?))
}

/// `--jobs`, or one per core; server and website tasks never run more at once than there
/// are cores, so the timing their cases observe holds (benches/flakiness.py measures it).
pub(super) fn effective_jobs(requested: Option<u16>, task: &Task) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let requested = requested.map_or(cores, usize::from);
    let timing_sensitive = task.kind.is_server() || !task.sites.is_empty();
    if timing_sensitive && requested > cores {
        say_err!(
            "note: {} is a {} task: grading {cores} submission(s) at once (one per core) so its timing holds",
            task.id,
            if task.kind.is_server() {
                "server"
            } else {
                "website"
            }
        );
        return cores;
    }
    requested
}

/// What every grading command sets up once: the sandbox's launcher and what it isolates,
/// and the cache of task environments.
pub(super) struct GradingEnv {
    pub launcher: Box<dyn sandbox::Launcher>,
    pub isolation: sandbox::IsolationReport,
}

impl GradingEnv {
    /// The sandbox: strict isolation that is not available is an error at once.
    pub fn open(cli: &Cli) -> Result<GradingEnv, Error> {
        let (launcher, isolation) = open_sandbox(cli)?;
        Ok(GradingEnv {
            launcher,
            isolation,
        })
    }

    /// The task's Python environment, created on first use.
    pub fn python(&self, cli: &Cli, task: &Task, cache: &Cache) -> Result<PythonEnv, Error> {
        let (interpreter, venv) = prepare_python(cli, task, cache)?;
        Ok(PythonEnv::new(&interpreter, &venv))
    }

    /// A grader of `task` in this environment, running submissions for real.
    pub fn grader<'a>(
        &'a self,
        task: &'a Task,
        python: &'a PythonEnv,
        show_hidden: bool,
        jobs: usize,
    ) -> Grader<'a> {
        Grader {
            task,
            python,
            runner: &Processes,
            launcher: self.launcher.as_ref(),
            isolation: &self.isolation,
            show_hidden,
            jobs,
        }
    }
}

/// The launcher every grading command uses: strict isolation that is not available is an
/// error at once, less than strict is said, and what a killed livejudge left is swept.
fn open_sandbox(
    cli: &Cli,
) -> Result<(Box<dyn sandbox::Launcher>, sandbox::IsolationReport), Error> {
    let (launcher, isolation) = sandbox::select(cli.isolation)?;
    match isolation.level {
        Isolation::None => warn_unisolated(&isolation),
        Isolation::Partial => warn_partial(&isolation),
        Isolation::Strict => {}
    }
    workspace::sweep_stale();
    Ok((launcher, isolation))
}

fn warn_unisolated(isolation: &sandbox::IsolationReport) {
    let mut message = String::from(
        "warning: submissions run without isolation (resource limits only): they can read and write your files and reach the network",
    );
    for missing in &isolation.missing {
        message.push_str(&format!("\n  - {missing}"));
    }
    say_err!("{message}");
}

/// Said on stderr: without cgroups a box has no limit on its processes, and its memory
/// limit is per process.
fn warn_partial(isolation: &sandbox::IsolationReport) {
    let mut message = String::from(
        "warning: partial isolation: submissions run in a box, but what is missing below means no limit on their number of processes (a fork bomb can slow this machine) and memory limited by sampling what each run uses (25 ms), not by the kernel",
    );
    for missing in &isolation.missing {
        message.push_str(&format!("\n  - {missing}"));
    }
    say_err!("{message}");
}
