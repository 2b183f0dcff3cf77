//! `livejudge help [COMMAND | task-format]`: a command's help, or the documentation of the
//! task format, printed from the binary (an installed livejudge has no docs/ folder).

use clap::CommandFactory;

use crate::cli::Cli;
use crate::console::say;
use crate::error::{Error, exit};

/// docs/task-format.md, as the binary was built with it.
pub const TASK_FORMAT: &str = include_str!("../../docs/task-format.md");

pub(super) fn help(topic: Option<&str>) -> Result<u8, Error> {
    let mut command = Cli::command();
    // Built, so a command's usage line reads `livejudge grade`, not `grade`.
    command.build();
    match topic {
        None => {
            say!("{}", command.render_long_help());
        }
        Some("task-format") => say!("{}", TASK_FORMAT.trim_end()),
        Some(name) => match command.find_subcommand_mut(name) {
            Some(sub) => {
                say!("{}", sub.render_long_help());
            }
            None => {
                let names: Vec<String> = Cli::command()
                    .get_subcommands()
                    .map(|c| c.get_name().to_owned())
                    .collect();
                return Err(Error::input(
                    format!("no help on \"{name}\""),
                    Some(format!(
                        "livejudge help takes task-format or a command: {}",
                        names.join(", ")
                    )),
                ));
            }
        },
    }
    Ok(exit::PASSED)
}
