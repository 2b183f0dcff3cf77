//! `livejudge setup [TASK]`: the task environments created ahead of time.

use super::env::prepare_python;
use std::path::Path;

use crate::cli::Cli;
use crate::console::say;
use crate::error::{Error, exit};
use crate::run::pyenv::Cache;
use crate::task::{self};

pub(super) fn setup(cli: &Cli, arg: Option<&str>) -> Result<u8, Error> {
    let tasks = super::tasks_dir(cli)?;
    let dirs = match arg {
        Some(arg) => vec![task::resolve_task_dir(arg, &tasks.dir)?],
        None => task::list_task_dirs(&tasks.dir),
    };
    if dirs.is_empty() {
        return Err(Error::input(
            format!("no tasks found in {}", tasks.dir.display()),
            Some("run from the repository root or pass --tasks DIR".to_owned()),
        ));
    }
    let cache = Cache::locate()?;
    for dir in dirs {
        let task = task::load(&dir)?;
        let (_, venv) = prepare_python(cli, &task, &cache)?;
        say!("{}: ready ({})", task.id, display_home(&venv.dir));
    }
    Ok(exit::PASSED)
}

fn display_home(path: &Path) -> String {
    match dirs::home_dir().and_then(|home| path.strip_prefix(home).ok().map(Path::to_owned)) {
        Some(rest) => format!("~/{}", rest.display()),
        None => path.display().to_string(),
    }
}
