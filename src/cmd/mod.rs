//! The commands, one file each: parse, run the command, map its outcome to an exit code.

mod check;
mod doctor;
mod env;
mod grade;
mod help;
mod list;
mod merge;
mod new;
mod report;
mod setup;
mod show;
mod tasks;
mod watch;

use crate::console::say_err;

use std::process::ExitCode;

use std::path::PathBuf;

use clap::Parser;
use tokio_util::sync::CancellationToken;

use crate::cli::{Cli, Command};
use crate::error::{Error, exit};
use crate::run::pyenv::{self, Cache, EnvError, Interpreter, Venv, VenvProgress};
use crate::run::workspace;
use crate::sandbox::{self, Isolation};
use crate::task::{self, Task};

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    crate::run::supervise::become_subreaper();
    // What livejudge creates (task venvs, workspaces' contents) is read by the box's
    // unprivileged uid: a umask of 077 would lock it out. Private folders (a workspace's
    // root) are made private explicitly.
    // SAFETY: umask has no preconditions.
    unsafe { libc::umask(0o022) };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            say_err!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::ENVIRONMENT);
        }
    };
    std::panic::set_hook(Box::new(|info| {
        say_err!(
            "livejudge: internal error (a bug in livejudge, not in the submission): {info}\n  \
             please report it with the command you ran"
        );
    }));
    // Unwinding (rather than exiting from the hook) runs the destructors that kill the
    // submission's processes and remove its workspace.
    let outcome =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| runtime.block_on(run(cli))));
    match outcome {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(error)) => {
            say_err!("{}", error.render());
            error.exit_code()
        }
        Err(_) => ExitCode::from(exit::INTERNAL),
    }
}

async fn run(cli: Cli) -> Result<u8, Error> {
    match &cli.command {
        Command::Grade(args) => grade::grade(&cli, args).await,
        Command::List => list::list(&cli),
        Command::Show { task } => show::show(&cli, task),
        Command::Setup { task } => setup::setup(&cli, task.as_deref()),
        Command::Report { results, report } => report::render_report(&cli, results, report),
        Command::Check(args) => check::check_tasks(&cli, args).await,
        Command::Watch { task, submission } => watch::watch(&cli, task, submission).await,
        Command::Merge {
            inputs,
            output,
            report,
            exit_zero,
        } => merge::merge_results(&cli, inputs, output, report.as_deref(), *exit_zero),
        Command::New { id, kind } => new::new_task(&cli, id, *kind),
        Command::Doctor => doctor::doctor(),
        Command::Tasks { action } => tasks::tasks(action),
        Command::Help { topic } => help::help(topic.as_deref()),
    }
}

pub(super) fn load_task(cli: &Cli, arg: &str) -> Result<Task, Error> {
    let dir = task::resolve_task_dir(arg, &tasks_dir(cli)?.dir)?;
    Ok(task::load(&dir)?)
}

/// Where task ids are looked up, and how to say so.
pub(super) struct TasksDir {
    pub dir: PathBuf,
    /// "tasks/ (--tasks)", "the built-in tasks", ...
    pub source: String,
}

/// `--tasks` (or `$LIVEJUDGE_TASKS`), else `./tasks` when there is one, else the tasks built
/// into livejudge (written out once into the cache).
pub(super) fn tasks_dir(cli: &Cli) -> Result<TasksDir, Error> {
    if let Some(dir) = &cli.tasks {
        return Ok(TasksDir {
            dir: dir.clone(),
            source: format!("{} (--tasks or $LIVEJUDGE_TASKS)", dir.display()),
        });
    }
    let here = PathBuf::from("tasks");
    if here.is_dir() {
        return Ok(TasksDir {
            dir: here,
            source: "./tasks".into(),
        });
    }
    let cache = crate::run::pyenv::Cache::locate()?;
    let dir = task::builtin::tasks_dir(&cache.dir).map_err(|e| {
        Error::input(
            format!(
                "cannot write the built-in tasks into {}: {e}",
                cache.dir.display()
            ),
            Some("set LIVEJUDGE_CACHE_DIR to a writable folder, or pass --tasks DIR".into()),
        )
    })?;
    Ok(TasksDir {
        dir,
        source: format!(
            "the tasks built into livejudge {}",
            env!("CARGO_PKG_VERSION")
        ),
    })
}

/// Ctrl-C, SIGTERM or SIGHUP (the terminal closed) stops grading cleanly (processes killed,
/// workspaces removed, partial report written); a second Ctrl-C exits at once.
pub(super) async fn cancel_on_signals(cancel: CancellationToken) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut terminate), Ok(mut hangup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        return;
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
        _ = hangup.recv() => {}
    }
    // Cancel first: after a hangup, stderr may be gone.
    cancel.cancel();
    say_err!("livejudge: interrupted, stopping (press Ctrl-C again to exit at once)");
    let _ = tokio::signal::ctrl_c().await;
    std::process::exit(i32::from(exit::INTERRUPTED));
}
