//! `livejudge watch TASK FILE`: the public cases graded again on every save.

use super::env::GradingEnv;
use super::load_task;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::cli::Cli;
use crate::console::say;
use crate::error::{Error, exit};
use crate::grade::submission_from_arg;
use crate::run::pyenv::Cache;

/// `livejudge watch TASK FILE`: grades the public cases whenever FILE's content changes.
pub(super) async fn watch(cli: &Cli, task_arg: &str, path: &Path) -> Result<u8, Error> {
    use notify::Watcher;
    let mut task = load_task(cli, task_arg)?;
    task.cases.retain(|case| !case.hidden);
    if task.cases.is_empty() {
        return Err(Error::input(
            format!("{} has no public cases to watch", task.id),
            None,
        ));
    }
    let env = GradingEnv::open(cli)?;
    let cache = Cache::locate()?;
    let python = env.python(cli, &task, &cache)?;
    // Editors save by writing a new file and renaming it over the old one: watch the folder
    // holding a file (a submission folder, with what is inside it).
    let (folder, mode) = if path.is_dir() {
        (path.to_owned(), notify::RecursiveMode::Recursive)
    } else {
        let parent = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
            _ => PathBuf::from("."),
        };
        (parent, notify::RecursiveMode::NonRecursive)
    };
    let (changed, mut changes) = tokio::sync::mpsc::unbounded_channel::<()>();
    let mut watcher = notify::recommended_watcher(move |_event| {
        let _ = changed.send(());
    })
    .and_then(|mut watcher| {
        watcher.watch(&folder, mode)?;
        Ok(watcher)
    })
    .map_err(|e| Error::input(format!("cannot watch {}: {e}", folder.display()), None))?;
    let terminal = std::io::stdout().is_terminal();
    let color = crate::console::stdout_color();
    // One listener for the whole session: a Ctrl-C between two waits is not lost.
    let mut interrupts = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .map_err(|e| Error::input(format!("cannot listen for Ctrl-C: {e}"), None))?;
    let mut last: Option<String> = None;
    let mut runs = 0u32;
    loop {
        match submission_from_arg(path) {
            Ok(submission) if last.as_deref() != Some(submission.digest.as_str()) => {
                last = Some(submission.digest.clone());
                runs += 1;
                if terminal {
                    // Clear the screen and the scrollback: only this run's report shows.
                    print!("\x1b[2J\x1b[3J\x1b[H");
                }
                say!(
                    "livejudge watch · {} · {} · run {runs} · Ctrl-C stops\n",
                    task.id,
                    path.display()
                );
                let grader = env.grader(&task, &python, false, 1);
                let cancel = CancellationToken::new();
                let mut reporter =
                    crate::report::WatchReporter::new(Box::new(std::io::stdout()), color);
                let grading = grader.grade_all(
                    std::slice::from_ref(&submission),
                    &[None],
                    &mut reporter,
                    &cancel,
                );
                tokio::pin!(grading);
                tokio::select! {
                    _ = &mut grading => {}
                    _ = interrupts.recv() => {
                        cancel.cancel();
                        grading.await;
                        break;
                    }
                }
                say!("\nwatching {} for changes…", path.display());
            }
            Ok(_) => {}
            Err(message) => {
                if last.as_deref() != Some("") {
                    say!("{message}; waiting for it to appear…");
                    last = Some(String::new());
                }
            }
        }
        tokio::select! {
            event = changes.recv() => {
                if event.is_none() {
                    break;
                }
                // A save is often several events: let them settle, then grade once.
                tokio::time::sleep(Duration::from_millis(150)).await;
                while changes.try_recv().is_ok() {}
            }
            _ = interrupts.recv() => break,
        }
    }
    let _ = watcher.unwatch(path);
    Ok(exit::INTERRUPTED)
}
