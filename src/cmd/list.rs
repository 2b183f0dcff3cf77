//! `livejudge list`: the tasks, with their titles.

use crate::cli::Cli;
use crate::console::{say, say_err};
use crate::error::{Error, exit};
use crate::task::{self};

pub(super) fn list(cli: &Cli) -> Result<u8, Error> {
    let tasks = super::tasks_dir(cli)?;
    let dirs = task::list_task_dirs(&tasks.dir);
    if dirs.is_empty() {
        return Err(Error::input(
            format!("no tasks found in {}", tasks.dir.display()),
            Some("run from the repository root or pass --tasks DIR".to_owned()),
        ));
    }
    let mut code = exit::PASSED;
    let mut rows = Vec::new();
    for dir in &dirs {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match task::load(dir) {
            Ok(task) => rows.push((
                task.id.clone(),
                task.kind.name().to_owned(),
                format!("{} ({} cases)", task.title, task.cases.len()),
            )),
            Err(errors) => {
                code = exit::USAGE;
                rows.push((name, "?".into(), "invalid task.toml (details below)".into()));
                say_err!("{}", Error::Spec(errors).render());
            }
        }
    }
    say!("tasks from {}:", tasks.source);
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    for (id, kind, title) in rows {
        say!("{id:width$}  {kind:6}  {title}");
    }
    Ok(code)
}
