//! `livejudge tasks export ID DIR`: a built-in task written out as a folder an author edits.

use crate::cli::TasksAction;
use crate::console::say;
use crate::error::{Error, exit};
use crate::task::builtin;

pub(super) fn tasks(action: &TasksAction) -> Result<u8, Error> {
    match action {
        TasksAction::Export { id, dir } => {
            let written = builtin::export(id, dir).map_err(|message| {
                Error::input(
                    message,
                    Some("pass a built-in task's id and a folder that does not hold it yet".into()),
                )
            })?;
            say!("wrote {}", written.display());
            say!(
                "next: livejudge --tasks {} check {id}",
                dir.join("tasks").display()
            );
            Ok(exit::PASSED)
        }
    }
}
