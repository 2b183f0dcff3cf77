//! What a graded attack must (not) have done: its verdicts, and what livejudge printed.

use std::collections::BTreeSet;
use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use livejudge::error::exit::{ENVIRONMENT, USAGE};

use crate::support::*;

use super::TASK;
use super::expectations::{Around, Expect};
use super::run::Output;
use super::world::World;

pub(super) fn check_verdicts(
    expect: &Expect,
    report: &serde_json::Value,
    problems: &mut Vec<String>,
) {
    let submission = submission(report, 0);
    let ids: Vec<&str> = submission["cases"]
        .as_array()
        .map(|cases| cases.iter().filter_map(|c| c["id"].as_str()).collect())
        .unwrap_or_default();
    if ids != ["before", "attack", "after"] {
        problems.push(format!("cases {ids:?}, expected before, attack, after"));
        return;
    }
    let verdict = |id: &str| {
        case(submission, id)["verdict"]
            .as_str()
            .unwrap_or("?")
            .to_owned()
    };
    let attack = case(submission, "attack");
    let message = attack["message"].as_str().unwrap_or("");
    if message.contains("not sandboxed") {
        problems.push(
            "the attack's in_sandbox() guard found no sandbox (pid 1 is not bwrap, or the \
             host's outside_dir is visible), so it did not attack"
                .to_owned(),
        );
    }
    match expect.around {
        Around::Pass => {
            for id in ["before", "after"] {
                if verdict(id) != "pass" {
                    problems.push(format!("case {id}: {}, expected pass", verdict(id)));
                }
            }
            let got = verdict("attack");
            if !expect.verdicts.contains(&got.as_str()) {
                problems.push(format!(
                    "case attack: {got}, expected {}",
                    expect.verdicts.join(" or ")
                ));
            }
        }
        Around::FailAtImport(kind) => {
            for id in ["before", "attack", "after"] {
                let got = verdict(id);
                if !expect.verdicts.contains(&got.as_str()) {
                    problems.push(format!(
                        "case {id}: {got}, expected {} (the attack runs at import)",
                        expect.verdicts.join(" or ")
                    ));
                }
            }
            let problem = &submission["problem"]["kind"];
            if problem != kind {
                problems.push(format!("load problem {problem}, expected \"{kind}\""));
            }
        }
    }
    let raised = matches!(verdict("attack").as_str(), "error" | "output-limit");
    if raised && !expect.mentions.is_empty() && !expect.mentions.iter().any(|m| message.contains(m))
    {
        problems.push(format!(
            "case attack failed, but not as the sandbox should make it (expected a message \
             with {}): {}",
            expect.mentions.join(" or "),
            clip(message, 300)
        ));
    }
}

/// What livejudge printed: valid UTF-8, no raw control characters in the JSON report, and never
/// the canary (which only ever existed on the host).
pub(super) fn check_output(world: &World, output: &Output, problems: &mut Vec<String>) {
    for (name, bytes) in [("stdout", &output.stdout), ("stderr", &output.stderr)] {
        if contains(bytes, world.canary.as_bytes()) {
            problems.push(format!(
                "the canary appears in livejudge's {name}: a secret leaked"
            ));
        }
        if std::str::from_utf8(bytes).is_err() {
            problems.push(format!("livejudge's {name} is not valid UTF-8"));
        }
    }
    let raw: BTreeSet<String> = output
        .run
        .stdout
        .chars()
        .filter(|&c| c < ' ' && c != '\n')
        .map(|c| format!("U+{:04X}", c as u32))
        .collect();
    if output.run.stdout.trim_start().starts_with('{') && !raw.is_empty() {
        problems.push(format!(
            "the JSON report carries raw control characters: {raw:?}"
        ));
    }
}

/// Characters that would act on a terminal rather than show.
pub(super) fn reaches_the_terminal(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}')
}

/// A clear failure instead of a confusing one when strict isolation cannot run at all.
pub(super) fn explain_unusable_isolation(run: &Run) {
    if run.code == i32::from(ENVIRONMENT) {
        panic!(
            "livejudge could not set up strict isolation here (exit {ENVIRONMENT}): the hostile \
             corpus needs bubblewrap, user namespaces and a delegated cgroup. Run \
             scripts/test.sh (it installs what is missing).\nstderr:\n{}",
            run.stderr
        );
    }
    if run.code == i32::from(USAGE) {
        panic!(
            "livejudge refused the command line or the task (exit {USAGE}); does this build \
             know --isolation strict?\nstderr:\n{}",
            run.stderr
        );
    }
}

pub(super) fn require_bubblewrap() {
    let found = std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| {
            fs::metadata(dir.join("bwrap"))
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    });
    assert!(
        found,
        "bubblewrap (bwrap) is not installed, and the hostile corpus only runs with strict \
         isolation: run scripts/test.sh, which installs it (or apt-get install bubblewrap)"
    );
}

pub(super) fn case_wall_time() -> Duration {
    let spec: toml::Value = toml::from_str(
        &fs::read_to_string(repo().join("tests/tasks").join(TASK).join("task.toml")).unwrap(),
    )
    .unwrap();
    let text = spec["limits"]["case_wall_time"].as_str().unwrap();
    humantime::parse_duration(text).unwrap()
}

pub(super) fn case_summary(report: &serde_json::Value) -> String {
    submission(report, 0)["cases"]
        .as_array()
        .map(|cases| {
            cases
                .iter()
                .map(|c| {
                    format!(
                        "  {} {}: {}",
                        c["id"].as_str().unwrap_or("?"),
                        c["verdict"].as_str().unwrap_or("?"),
                        clip(c["message"].as_str().unwrap_or(""), 600).replace('\n', "\n      ")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

pub(super) fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((cut, _)) => format!("{}…", &text[..cut]),
    }
}

pub(super) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

pub(super) fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buffer))
        .expect("read /dev/urandom");
    buffer.iter().map(|b| format!("{b:02x}")).collect()
}
