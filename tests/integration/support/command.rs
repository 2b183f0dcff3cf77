//! Running the built `livejudge`: a builder for any command line ([`Livejudge`]), one for
//! `grade` ([`Grade`]), and what a finished run printed ([`Run`]).
//!
//! ```ignore
//! let run = Grade::task("caching-decorator")
//!     .submission("tasks/caching-decorator/solutions/rejected/fifo.py")
//!     .arg("--format")
//!     .arg("json")
//!     .expect_exit(FAILED)
//!     .run();
//! let report = run.json();
//! ```

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::ops::{Deref, DerefMut};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use wait_timeout::ChildExt;

use super::machine;
use super::report::assert_matches_schema;
use super::{cache_dir, repo};

/// No livejudge invocation in the tests should come near this.
const TIMEOUT: Duration = Duration::from_secs(600);

/// What a finished livejudge printed, and how it exited.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// The JSON report on stdout, checked against docs/report.schema.json.
    pub fn report(&self) -> serde_json::Value {
        let report = self.json();
        assert_matches_schema(&report);
        report
    }

    pub fn assert_no_panic(&self) {
        assert!(
            !self.stderr.contains("panicked") && !self.stderr.contains("internal error"),
            "livejudge crashed:\n{}",
            self.stderr
        );
    }
}

/// A livejudge command line, run from the repository root with the tests' cache, no colour,
/// none of the caller's LIVEJUDGE_PYTHON or CLICOLOR_FORCE, stdin closed and the output read.
#[must_use]
pub struct Livejudge {
    command: Command,
    expected: Option<u8>,
}

impl Livejudge {
    pub fn new() -> Livejudge {
        let mut command = Command::new(env!("CARGO_BIN_EXE_livejudge"));
        command
            .current_dir(repo())
            .env("LIVEJUDGE_CACHE_DIR", cache_dir())
            .env("NO_COLOR", "1")
            .env_remove("LIVEJUDGE_PYTHON")
            .env_remove("CLICOLOR_FORCE")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        Livejudge {
            command,
            expected: None,
        }
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Livejudge {
        self.command.arg(arg);
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Livejudge
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.command.args(args);
        self
    }

    /// `--tasks DIR`: the folder the task ids are looked up in.
    pub fn tasks(self, dir: impl AsRef<OsStr>) -> Livejudge {
        self.arg("--tasks").arg(dir)
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Livejudge {
        self.command.env(key, value);
        self
    }

    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Livejudge {
        self.command.env_remove(key);
        self
    }

    /// Changes the command in a way the builder has no method for (pre_exec, say).
    pub fn configure(mut self, change: impl FnOnce(&mut Command)) -> Livejudge {
        change(&mut self.command);
        self
    }

    /// `run` fails the test, showing both outputs, unless livejudge exits with `code`
    /// (one of `livejudge::error::exit`).
    pub fn expect_exit(mut self, code: u8) -> Livejudge {
        self.expected = Some(code);
        self
    }

    /// Runs livejudge to the end (failing the test if it takes more than 10 minutes or
    /// panics) and checks the exit code given to `expect_exit`.
    pub fn run(self) -> Run {
        let shown = format!("{:?}", self.command);
        let run = run_command(self.command);
        if let Some(expected) = self.expected {
            assert_eq!(
                run.code,
                i32::from(expected),
                "exit code of {shown}\nstdout:\n{}\nstderr:\n{}",
                run.stdout,
                run.stderr
            );
        }
        run
    }

    /// The command itself, for a runner of the test's own (one that keeps the raw bytes).
    pub fn command(self) -> Command {
        assert!(
            self.expected.is_none(),
            "expect_exit is checked by run, not by a runner of the test's own"
        );
        self.command
    }

    /// Starts livejudge and leaves it running: for tests that signal or kill it.
    pub fn spawn(mut self) -> Spawned {
        assert!(
            self.expected.is_none(),
            "expect_exit is checked by run, not spawn"
        );
        let machine = machine::shared();
        let child = self.command.spawn().expect("start livejudge");
        Spawned {
            child,
            _machine: machine,
        }
    }
}

/// `livejudge [global options] grade TASK SUBMISSION... [options]`.
#[must_use]
pub struct Grade {
    globals: Vec<OsString>,
    task: OsString,
    submissions: Vec<OsString>,
    args: Vec<OsString>,
    envs: Vec<(OsString, OsString)>,
    expected: Option<u8>,
}

impl Grade {
    /// A task under tasks/ (or a task folder's path).
    pub fn task(task: impl AsRef<OsStr>) -> Grade {
        Grade {
            globals: Vec::new(),
            task: task.as_ref().to_owned(),
            submissions: Vec::new(),
            args: Vec::new(),
            envs: Vec::new(),
            expected: None,
        }
    }

    /// A test task under tests/tasks.
    pub fn test_task(task: impl AsRef<OsStr>) -> Grade {
        Grade::task(task).tasks("tests/tasks")
    }

    /// `--tasks DIR`, before the subcommand.
    pub fn tasks(mut self, dir: impl AsRef<OsStr>) -> Grade {
        self.globals.push("--tasks".into());
        self.globals.push(dir.as_ref().to_owned());
        self
    }

    /// `--isolation LEVEL`, before the subcommand.
    pub fn isolation(mut self, level: &str) -> Grade {
        self.globals.push("--isolation".into());
        self.globals.push(level.into());
        self
    }

    /// `--python PATH`, before the subcommand.
    pub fn python(mut self, path: impl AsRef<OsStr>) -> Grade {
        self.globals.push("--python".into());
        self.globals.push(path.as_ref().to_owned());
        self
    }

    pub fn submission(mut self, path: impl AsRef<OsStr>) -> Grade {
        self.submissions.push(path.as_ref().to_owned());
        self
    }

    pub fn submissions<I, S>(mut self, paths: I) -> Grade
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.submissions
            .extend(paths.into_iter().map(|p| p.as_ref().to_owned()));
        self
    }

    /// An option of `grade` itself, after the submissions.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Grade {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Grade
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Grade {
        self.envs
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// The TMPDIR livejudge puts its workspaces in.
    pub fn tmpdir(self, dir: impl AsRef<OsStr>) -> Grade {
        self.env("TMPDIR", dir)
    }

    /// A cache of the test's own instead of the one the tests share.
    pub fn cache(self, dir: impl AsRef<OsStr>) -> Grade {
        self.env("LIVEJUDGE_CACHE_DIR", dir)
    }

    pub fn expect_exit(mut self, code: u8) -> Grade {
        self.expected = Some(code);
        self
    }

    /// The whole command line, to run, spawn or change further.
    pub fn livejudge(self) -> Livejudge {
        let mut livejudge = Livejudge::new()
            .args(self.globals)
            .arg("grade")
            .arg(self.task)
            .args(self.submissions)
            .args(self.args);
        for (key, value) in self.envs {
            livejudge = livejudge.env(key, value);
        }
        livejudge.expected = self.expected;
        livejudge
    }

    pub fn run(self) -> Run {
        self.livejudge().run()
    }

    /// Runs with `--format json`; the run and its report, checked against the schema.
    pub fn report(self) -> (Run, serde_json::Value) {
        let run = self.arg("--format").arg("json").run();
        let report = run.report();
        (run, report)
    }
}

/// A livejudge started by [`Livejudge::spawn`]. While it lives, the machine-wide checks of
/// the hostile corpus wait (see [`machine`]).
pub struct Spawned {
    pub child: Child,
    _machine: machine::Shared,
}

impl Deref for Spawned {
    type Target = Child;

    fn deref(&self) -> &Child {
        &self.child
    }
}

impl DerefMut for Spawned {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.child
    }
}

/// Runs `command` to the end with a timeout, reading both outputs, and fails the test if
/// livejudge panicked. For command lines the builders cannot make (livejudge under another
/// program, say).
pub fn run_command(mut command: Command) -> Run {
    let _machine = machine::shared();
    let mut child = command.spawn().expect("start livejudge");
    let (out, err) = read_outputs(&mut child);
    let status = match child.wait_timeout(TIMEOUT).unwrap() {
        Some(status) => status,
        None => {
            let _ = child.kill();
            panic!("livejudge did not finish within {TIMEOUT:?}: {command:?}");
        }
    };
    finished(status, out, err)
}

/// Like [`run_command`], with the peak resident memory (KiB) of that one process and of the
/// descendants it waited for, as wait4(2) reports it: getrusage(RUSAGE_CHILDREN) would also
/// count every other test's children, now that they share one test binary.
pub fn run_measured(mut command: Command) -> (Run, i64) {
    let _machine = machine::shared();
    let mut child = command.spawn().expect("start livejudge");
    let (out, err) = read_outputs(&mut child);
    let pid = child.id() as libc::pid_t;
    let started = Instant::now();
    let mut pause = Duration::from_millis(1);
    let (status, max_rss) = loop {
        let mut status = 0;
        // SAFETY: rusage is plain data; wait4 fills it in.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: wait4 on our own, not yet reaped child, with pointers to locals.
        let reaped = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if reaped == pid {
            break (ExitStatus::from_raw(status), usage.ru_maxrss);
        }
        assert_eq!(reaped, 0, "wait4: {}", std::io::Error::last_os_error());
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            panic!("livejudge did not finish within {TIMEOUT:?}: {command:?}");
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    };
    (finished(status, out, err), max_rss)
}

type Reader = std::thread::JoinHandle<String>;

fn read_outputs(child: &mut Child) -> (Reader, Reader) {
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    (
        std::thread::spawn(move || read_all(stdout)),
        std::thread::spawn(move || read_all(stderr)),
    )
}

fn finished(status: ExitStatus, out: Reader, err: Reader) -> Run {
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    run.assert_no_panic();
    run
}

fn read_all(mut stream: impl Read) -> String {
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}

/// `path` relative to the repository root when it is under it (as a task's solutions are).
pub fn relative(path: &Path) -> String {
    path.strip_prefix(repo())
        .unwrap_or(path)
        .display()
        .to_string()
}
