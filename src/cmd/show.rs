//! `livejudge show TASK`: the statement and the public cases.

use super::load_task;
use crate::cli::Cli;
use crate::error::{Error, exit};

pub(super) fn show(cli: &Cli, arg: &str) -> Result<u8, Error> {
    let task = load_task(cli, arg)?;
    let statement = task.statement().map_err(|e| {
        Error::input(
            format!("cannot read {}: {e}", task.statement_file.display()),
            None,
        )
    })?;
    let mut out = std::io::stdout().lock();
    // A closed stdout (`| head`) is not an error: nobody is left to read the rest.
    let _ = crate::report::show::write(&mut out, &task, &statement);
    Ok(exit::PASSED)
}
