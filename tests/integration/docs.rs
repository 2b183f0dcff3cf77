//! The commands the documentation tells people to run exist with the options it uses: every
//! `livejudge ...` line of the CI workflow and manifests under docs/ is checked against the
//! command's own --help.

use livejudge::error::exit::PASSED;

use crate::support::*;

fn documented_commands() -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(repo().join("docs/ci"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    for file in files {
        for line in std::fs::read_to_string(&file).unwrap().lines() {
            let line = line.trim().trim_start_matches("run:").trim();
            if let Some(rest) = line.strip_prefix("livejudge ") {
                found.push((file.display().to_string(), rest.to_owned()));
            }
        }
    }
    found
}

#[test]
fn every_documented_livejudge_command_and_option_exists() {
    let commands = documented_commands();
    assert!(commands.len() >= 2, "{commands:?}");
    let global_help = Livejudge::new().arg("--help").run().stdout;
    for (file, command) in commands {
        let words: Vec<&str> = command.split_whitespace().collect();
        let subcommand = words
            .iter()
            .find(|w| !w.starts_with('-') && !["strict", "auto", "none"].contains(w))
            .unwrap_or_else(|| panic!("{file}: no subcommand in {command:?}"));
        let help = Livejudge::new().args([*subcommand, "--help"]).run();
        assert_eq!(
            help.code,
            i32::from(PASSED),
            "{file}: `livejudge {subcommand}` does not exist"
        );
        for option in words.iter().filter(|w| w.starts_with("--")) {
            assert!(
                help.stdout.contains(option) || global_help.contains(option),
                "{file}: `livejudge {subcommand}` has no {option}"
            );
        }
    }
}
