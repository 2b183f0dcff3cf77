//! The world around one run: secrets, listeners, the task copy, and the checks for escapes.

use std::collections::BTreeSet;
use std::fs;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::*;

use super::TASK;
use super::checks::{contains, random_hex};
use super::expectations::{Expect, Extra};
use super::listeners::Listener;
use super::processes::processes;

/// Folders where an escaping write would land (files named livejudge-escape-<nonce>).
pub(super) const HOST_DIRS: &[&str] = &[
    "/tmp",
    "/var/tmp",
    "/dev/shm",
    "/",
    "/root",
    "/home",
    "/run",
    "/opt",
    "/srv",
    "/usr",
    "/usr/local",
    "/usr/bin",
    "/etc",
];

pub(super) struct World {
    /// Inside the target folder rather than /tmp, so the secrets are not hidden merely by the
    /// sandbox's private /tmp.
    pub(super) dir: tempfile::TempDir,
    pub(super) nonce: String,
    pub(super) canary: String,
    pub(super) canary_file: PathBuf,
    pub(super) outside_dir: PathBuf,
    pub(super) tasks: PathBuf,
    pub(super) judge_tmp: PathBuf,
    pub(super) submission: PathBuf,
    pub(super) listeners: Vec<Listener>,
}

impl World {
    pub(super) fn create(attack: &str) -> World {
        let dir = tempfile::Builder::new()
            .prefix("hostile-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .unwrap();
        // Traversable by anyone: only the sandbox, not file permissions, keeps these out.
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
        let nonce = random_hex(8);
        let canary = format!("livejudge-canary-{}", random_hex(16));

        let canary_file = dir.path().join("canary.txt");
        fs::write(&canary_file, &canary).unwrap();
        fs::set_permissions(&canary_file, fs::Permissions::from_mode(0o644)).unwrap();
        let outside_dir = dir.path().join("outside");
        fs::create_dir(&outside_dir).unwrap();
        fs::set_permissions(&outside_dir, fs::Permissions::from_mode(0o777)).unwrap();
        let judge_tmp = dir.path().join("judge-tmp");
        fs::create_dir(&judge_tmp).unwrap();

        let v4 = std::net::TcpListener::bind("127.0.0.1:0").expect("listen on 127.0.0.1");
        let port = v4.local_addr().unwrap().port();
        let mut listeners = vec![Listener::tcp(format!("127.0.0.1:{port}"), v4)];
        let port6 = match std::net::TcpListener::bind("[::1]:0") {
            Ok(v6) => {
                let port6 = v6.local_addr().unwrap().port();
                listeners.push(Listener::tcp(format!("[::1]:{port6}"), v6));
                port6
            }
            Err(e) => {
                eprintln!("no IPv6 loopback here ({e}): the ::1 listener is left out");
                0
            }
        };
        let abstract_name = format!("livejudge-test-{nonce}");
        let address =
            std::os::unix::net::SocketAddr::from_abstract_name(abstract_name.as_bytes()).unwrap();
        let unix = std::os::unix::net::UnixListener::bind_addr(&address)
            .expect("listen on an abstract Unix socket");
        listeners.push(Listener::unix(format!("@{abstract_name}"), unix));

        let tasks = dir.path().join("tasks");
        let task_dir = tasks.join(TASK);
        let fixtures_dir = task_dir.join("fixtures");
        let substitutions: Vec<(&str, String)> = vec![
            ("@NONCE@", nonce.clone()),
            ("@HOST_PORT@", port.to_string()),
            ("@HOST_PORT6@", port6.to_string()),
            ("@CANARY_FILE@", path_text(&canary_file)),
            ("@OUTSIDE_DIR@", path_text(&outside_dir)),
            ("@FIXTURES_DIR@", path_text(&fixtures_dir)),
            ("@CANARY@", canary.clone()),
        ];
        copy_substituted(
            &repo().join("tests/tasks").join(TASK),
            &task_dir,
            &substitutions,
        );

        let submission_dir = dir.path().join("submission");
        fs::create_dir(&submission_dir).unwrap();
        let submission = submission_dir.join(format!("{attack}.py"));
        fs::copy(
            repo().join("tests/hostile").join(format!("{attack}.py")),
            &submission,
        )
        .unwrap();

        World {
            dir,
            nonce,
            canary,
            canary_file,
            outside_dir,
            tasks,
            judge_tmp,
            submission,
            listeners,
        }
    }

    pub(super) fn grade_command(&self, format: &str) -> Command {
        Grade::task(TASK)
            .tasks(&self.tasks)
            .tmpdir(&self.judge_tmp)
            // The judge's own environment must never reach the sandbox.
            .env("LIVEJUDGE_TEST_CANARY", &self.canary)
            .submission(&self.submission)
            .args(["--format", format, "--isolation", "strict"])
            .livejudge()
            .command()
    }

    pub(super) fn check_escapes(
        &self,
        report: &serde_json::Value,
        expect: &Expect,
        baseline: &BTreeSet<i32>,
        problems: &mut Vec<String>,
    ) {
        for listener in &self.listeners {
            for connection in listener.connections() {
                problems.push(format!(
                    "the host's listener got a connection: {connection}"
                ));
            }
        }
        match fs::read_dir(&self.outside_dir) {
            Ok(entries) => {
                let names: Vec<String> = entries
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect();
                if !names.is_empty() {
                    problems.push(format!("outside_dir is not empty: {names:?}"));
                }
            }
            Err(e) => problems.push(format!("outside_dir is gone: {e}")),
        }
        match fs::read_to_string(&self.canary_file) {
            Ok(text) if text == self.canary => {}
            Ok(_) => problems.push("canary_file was changed".to_owned()),
            Err(e) => problems.push(format!("canary_file is gone: {e}")),
        }
        for path in self.host_escapes() {
            problems.push(format!("written on the host: {}", path.display()));
        }
        if expect.extra.contains(&Extra::InterpreterUntouched) {
            match interpreter_prefix(report) {
                Some(prefix) => {
                    for path in named_after(&prefix, &self.nonce, 4) {
                        problems.push(format!("written into the interpreter: {}", path.display()));
                        // Named after this run's nonce: nothing but the escape is removed.
                        let _ = fs::remove_file(&path);
                    }
                }
                None => problems.push("the report names no interpreter".to_owned()),
            }
        }
        for process in processes() {
            if contains(&process.cmdline, self.nonce.as_bytes()) {
                problems.push(format!(
                    "process {} outlived livejudge, with the nonce in its command line: {}",
                    process.pid,
                    process.shown()
                ));
            } else if process.is_sandboxed() && !baseline.contains(&process.pid) {
                problems.push(format!(
                    "process {} (uid {:?}) outlived livejudge: {}",
                    process.pid,
                    process.uid,
                    process.shown()
                ));
            }
        }
        match fs::read_dir(&self.judge_tmp) {
            Ok(entries) => {
                let left: Vec<String> = entries
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect();
                if !left.is_empty() {
                    problems.push(format!("livejudge left in its TMPDIR: {left:?}"));
                }
            }
            Err(e) => problems.push(format!("livejudge's TMPDIR is gone: {e}")),
        }
    }

    /// Files named after the nonce in the host folders an escaping write would reach, and in
    /// the livejudge cache (the task environments later submissions share).
    pub(super) fn host_escapes(&self) -> Vec<PathBuf> {
        let mut found = Vec::new();
        for dir in HOST_DIRS {
            found.extend(named_after(Path::new(dir), &self.nonce, 0));
        }
        found.extend(named_after(&cache_dir(), &self.nonce, usize::MAX));
        found
    }
}

impl Drop for World {
    fn drop(&mut self) {
        // Whatever escaped is removed, and whatever outlived the run is stopped: both carry
        // this run's nonce, so nothing else is touched.
        for process in processes() {
            if contains(&process.cmdline, self.nonce.as_bytes()) {
                // SAFETY: kill on a pid read from /proc, whose command line holds our nonce.
                unsafe { libc::kill(process.pid, libc::SIGKILL) };
            }
        }
        for path in self.host_escapes() {
            match fs::symlink_metadata(&path) {
                Ok(meta) if meta.is_dir() => {
                    let _ = fs::remove_dir_all(&path);
                }
                Ok(_) => {
                    let _ = fs::remove_file(&path);
                }
                Err(_) => {}
            }
        }
        // A workspace left behind may hold folders locked with chmod 000.
        unlock(self.dir.path());
    }
}

pub(super) fn path_text(path: &Path) -> String {
    let text = path.to_str().expect("a UTF-8 temporary path").to_owned();
    assert!(
        !text.contains(['"', '\\', '\n']),
        "{text}: substituted into TOML strings verbatim"
    );
    text
}

/// Copies the task folder, filling in the placeholders of every file.
pub(super) fn copy_substituted(from: &Path, to: &Path, substitutions: &[(&str, String)]) {
    let placeholder = regex::Regex::new("@[A-Z][A-Z0-9_]*@").unwrap();
    copy_filled(from, to, substitutions, &placeholder);
}

pub(super) fn copy_filled(
    from: &Path,
    to: &Path,
    substitutions: &[(&str, String)],
    placeholder: &regex::Regex,
) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_filled(&entry.path(), &target, substitutions, placeholder);
            continue;
        }
        let mut text = fs::read_to_string(entry.path()).unwrap();
        for (name, value) in substitutions {
            text = text.replace(name, value);
        }
        assert!(
            !placeholder.is_match(&text),
            "{}: a placeholder the test does not fill: {:?}",
            entry.path().display(),
            placeholder.find(&text).map(|m| m.as_str())
        );
        fs::write(&target, text).unwrap();
    }
}

/// Entries under `root` whose name contains `needle`, down to `depth` levels below it.
pub(super) fn named_after(root: &Path, needle: &str, depth: usize) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![(root.to_owned(), 0usize)];
    let mut visited = 0usize;
    while let Some((dir, level)) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            visited += 1;
            if visited > 1_000_000 {
                return found;
            }
            let path = entry.path();
            if entry.file_name().to_string_lossy().contains(needle) {
                found.push(path.clone());
            }
            if level < depth && entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push((path, level + 1));
            }
        }
    }
    found
}

/// The prefix of the real interpreter the report names (…/bin/python3.X -> …).
pub(super) fn interpreter_prefix(report: &serde_json::Value) -> Option<PathBuf> {
    let executable = fs::canonicalize(report["python"]["executable"].as_str()?).ok()?;
    Some(executable.parent()?.parent()?.to_owned())
}

pub(super) fn unlock(dir: &Path) {
    let Ok(meta) = fs::symlink_metadata(dir) else {
        return;
    };
    if !meta.is_dir() {
        return;
    }
    let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o755));
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                unlock(&entry.path());
            }
        }
    }
}
