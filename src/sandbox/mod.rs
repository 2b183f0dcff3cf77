//! The one boundary through which a submission's process is launched. Everything that decides
//! *how* untrusted code starts (namespaces, uid, cgroups, seccomp, rlimits, environment,
//! inherited descriptors) lives behind [`Launcher`]; the stages around it only see [`Dirs`]
//! (where things are, as the process sees them) and a [`RunGuard`] (what the box measured).

mod bubblewrap;
mod cgroup;
pub mod probe;
pub mod relay;
mod rlimits;
mod seccomp;

use std::ffi::OsString;
use std::os::fd::{OwnedFd, RawFd};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

pub use crate::outcome::{Isolation, IsolationReport};
pub use bubblewrap::Bubblewrap;
pub use probe::{Capabilities, Requirement};
pub use rlimits::Unisolated;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessLimits {
    /// CPU time for the first stretch of work (the supervisor extends it case by case).
    pub cpu_time: Duration,
    /// Extra CPU time beyond that before the kernel kills the process outright.
    pub cpu_backstop: Duration,
    pub memory: u64,
    /// Processes and threads at once.
    pub processes: u32,
    /// The largest file, and the size of each writable filesystem.
    pub disk: u64,
}

/// The directories of a run: on the host when the judge prepares them, and as the process
/// sees them once [`Launcher::view`] maps them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dirs {
    /// The submission, and the process's working directory.
    pub run: PathBuf,
    /// The runtime and the task's harness (read-only for the process).
    pub judge: PathBuf,
    /// TMPDIR.
    pub tmp: PathBuf,
    /// A server's DATA_DIR: writable, and kept across restarts of the server within a run.
    pub data: Option<PathBuf>,
}

/// The environment every boxed Python process starts from (nothing of the judge's):
/// `python`'s folder first on PATH, HOME the run directory, TMPDIR, a UTF-8 locale; `extra`
/// is added after.
pub fn base_env(
    python: &std::path::Path,
    inside: &Dirs,
    extra: &[(&str, String)],
) -> Vec<(OsString, OsString)> {
    let venv_bin = python
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    [
        ("PATH", format!("{venv_bin}:/usr/local/bin:/usr/bin:/bin")),
        ("HOME", inside.run.display().to_string()),
        ("TMPDIR", inside.tmp.display().to_string()),
        ("LANG", "C.UTF-8".to_owned()),
        ("LC_ALL", "C.UTF-8".to_owned()),
        // RLIMIT_AS, where it is the memory limit, counts reserved address space; glibc
        // reserves a 64 MiB arena per thread, so without this a few threads exhaust it.
        ("MALLOC_ARENA_MAX", "2".to_owned()),
    ]
    .into_iter()
    .chain(extra.iter().map(|(k, v)| (*k, v.clone())))
    .map(|(k, v)| (k.into(), v.into()))
    .collect()
}

/// What to start. `env` is the complete environment: nothing is inherited from the judge.
/// Paths in `program`, `args` and `env` are as the process sees them ([`Launcher::view`]).
pub struct Launch {
    pub program: PathBuf,
    pub args: Vec<OsString>,
    pub env: Vec<(OsString, OsString)>,
    /// Host paths.
    pub dirs: Dirs,
    /// Host paths the process must be able to read at the same path (interpreter, venv).
    pub read_only: Vec<PathBuf>,
    /// Host paths the process must not see even where they lie inside something it may read
    /// (a task folder installed under /usr/share, say): the task and its fixtures.
    pub conceal: Vec<PathBuf>,
    /// Descriptors to hand over, each at a fixed number in the child.
    pub pass_fds: Vec<(OwnedFd, RawFd)>,
    pub limits: ProcessLimits,
    /// Loopback ports to connect to the judge (see [`relay`]).
    pub network: relay::Plan,
}

/// What the user asked for with `--isolation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Policy {
    /// Full isolation or refuse to run.
    Strict,
    /// The best this machine offers, named in the report.
    Auto,
    /// Resource limits only: for code you trust.
    None,
}

pub trait Launcher: Send + Sync {
    fn isolation(&self) -> Isolation;
    /// How `dirs` (host paths) appear to the process.
    fn view(&self, dirs: &Dirs) -> Dirs;
    /// The command that starts `launch`, and the guard that measures and cleans up after it.
    /// Stdio and the process group are the supervisor's.
    fn prepare(&self, launch: Launch) -> std::io::Result<Prepared>;
}

pub struct Prepared {
    pub command: Command,
    pub guard: RunGuard,
}

impl Prepared {
    /// A command run as it is, with nothing to measure or clean up after it.
    pub fn unboxed(command: Command) -> Prepared {
        Prepared {
            command,
            guard: RunGuard::default(),
        }
    }
}

/// What outlives the spawn of one boxed process: its cgroup. Dropping it kills whatever is
/// left in the cgroup and removes it.
#[derive(Default)]
pub struct RunGuard {
    cgroup: Option<cgroup::Cgroup>,
    /// The leader is bubblewrap, which reports its child's death by signal N as exit status
    /// 128 + N.
    nested: bool,
    /// The memory limit when no memory cgroup holds it: the supervisor then samples what the
    /// run's processes use and stops them over it.
    memory_watch: Option<u64>,
}

impl RunGuard {
    /// CPU time of every process in the box, when the box accounts for it.
    pub fn cpu_used(&self) -> Option<Duration> {
        self.cgroup.as_ref()?.cpu_used()
    }

    /// The memory limit the supervisor must enforce itself (there is no memory cgroup).
    pub fn memory_watch(&self) -> Option<u64> {
        self.memory_watch
    }

    /// Whether the kernel killed a process of the box for exceeding its memory limit.
    pub fn memory_exceeded(&self) -> bool {
        self.cgroup.as_ref().is_some_and(|c| c.oom_kills() > 0)
    }

    pub fn kill_all(&self) {
        if let Some(cgroup) = &self.cgroup {
            cgroup.kill_all();
        }
    }

    /// How many generations below the leader the payload (the launched program) runs:
    /// bubblewrap's monitor, then its init, then the payload.
    pub fn payload_depth(&self) -> usize {
        if self.nested { 2 } else { 0 }
    }

    /// Translates the leader's exit status into the payload's.
    pub fn payload_status(&self, status: std::process::ExitStatus) -> std::process::ExitStatus {
        use std::os::unix::process::ExitStatusExt;
        match status.code() {
            Some(code) if self.nested && (129..129 + 31).contains(&code) => {
                std::process::ExitStatus::from_raw(code - 128)
            }
            _ => status,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error(
        "full isolation (--isolation strict) is not available on this machine:\n{}",
        .missing.iter().map(|m| format!("  - {m}")).collect::<Vec<_>>().join("\n")
    )]
    StrictUnavailable { missing: Vec<String> },
}

impl SandboxError {
    /// How to fix it.
    pub fn help(&self) -> String {
        match self {
            SandboxError::StrictUnavailable { .. } => "run `livejudge doctor` for details, or pass --isolation auto to use what is available".into(),
        }
    }
}

/// Picks the launcher for `policy` on this machine.
pub fn select(policy: Policy) -> Result<(Box<dyn Launcher>, IsolationReport), SandboxError> {
    if policy == Policy::None {
        return Ok((
            Box::new(Unisolated),
            IsolationReport {
                level: Isolation::None,
                mechanisms: vec!["rlimits".into(), "process group".into()],
                missing: vec!["isolation turned off with --isolation none".into()],
            },
        ));
    }
    let capabilities = Capabilities::detect();
    let missing: Vec<String> = capabilities
        .missing()
        .into_iter()
        .map(|r| r.to_string())
        .collect();
    if policy == Policy::Strict && !missing.is_empty() {
        return Err(SandboxError::StrictUnavailable { missing });
    }
    match Bubblewrap::new(&capabilities) {
        Some(bubblewrap) => {
            let report = IsolationReport {
                level: bubblewrap.isolation(),
                mechanisms: bubblewrap.mechanisms(),
                missing,
            };
            Ok((Box::new(bubblewrap), report))
        }
        None => Ok((
            Box::new(Unisolated),
            IsolationReport {
                level: Isolation::None,
                mechanisms: vec!["rlimits".into(), "process group".into()],
                missing,
            },
        )),
    }
}
