//! The one boundary through which a submission's process is launched. Everything that decides
//! *how* untrusted code starts (limits, environment, inherited descriptors, and later
//! namespaces) lives behind [`Launcher`], so a real sandbox wraps this without touching the
//! stages around it.

use std::ffi::OsString;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessLimits {
    /// CPU time for the first stretch of work (the supervisor extends it case by case).
    pub cpu_time: Duration,
    /// Extra CPU time beyond that before the kernel kills the process outright.
    pub cpu_backstop: Duration,
    pub memory: u64,
}

/// What to start. `env` is the complete environment: nothing is inherited from the judge.
pub struct Launch {
    pub program: PathBuf,
    pub args: Vec<OsString>,
    pub env: Vec<(OsString, OsString)>,
    /// The writable directory the process starts in.
    pub work_dir: PathBuf,
    /// Judge-owned paths the process must be able to read (interpreter, venv, harness).
    pub read_only: Vec<PathBuf>,
    /// Descriptors to hand over, each at a fixed number in the child.
    pub pass_fds: Vec<(OwnedFd, RawFd)>,
    pub limits: ProcessLimits,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Isolation {
    /// Resource limits and a private process group only.
    None,
}

impl Isolation {
    pub fn name(self) -> &'static str {
        match self {
            Isolation::None => "none",
        }
    }
}

pub trait Launcher: Send + Sync {
    fn isolation(&self) -> Isolation;
    /// The command that starts `launch`; stdio and the process group are the supervisor's.
    fn command(&self, launch: Launch) -> Command;
}

/// Runs the process directly, with rlimits and a clean environment.
pub struct Unisolated;

impl Launcher for Unisolated {
    fn isolation(&self) -> Isolation {
        Isolation::None
    }

    fn command(&self, launch: Launch) -> Command {
        let mut command = Command::new(&launch.program);
        command
            .args(&launch.args)
            .env_clear()
            .envs(launch.env.iter().map(|(k, v)| (k, v)))
            // RLIMIT_AS counts reserved address space; glibc reserves a 64 MiB arena per
            // thread, so without this a few threads exhaust a modest limit.
            .env("MALLOC_ARENA_MAX", "2")
            .current_dir(&launch.work_dir);
        let limits = launch.limits;
        let fds = launch.pass_fds;
        // SAFETY: the closure runs between fork and exec and only makes async-signal-safe
        // system calls (setrlimit, prctl, fcntl, dup2), with no allocation.
        unsafe {
            command.pre_exec(move || {
                // The soft limit is the first case's budget (the supervisor moves it at each
                // case); the hard limit bounds the whole process, should it ignore SIGXCPU.
                let cpu_seconds = limits.cpu_time.as_millis().div_ceil(1000).max(1) as u64;
                set_limit(
                    libc::RLIMIT_CPU,
                    cpu_seconds,
                    limits.cpu_backstop.as_secs().max(1),
                )?;
                set_limit(libc::RLIMIT_AS, limits.memory, 0)?;
                set_limit(libc::RLIMIT_CORE, 0, 0)?;
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                place_fds(&fds)
            });
        }
        command
    }
}

/// Sets soft = `value`, hard = `value + hard_extra` (the extra CPU time lets SIGXCPU arrive
/// before the kernel's SIGKILL, so the verdict can say which limit was hit).
fn set_limit(
    resource: libc::__rlimit_resource_t,
    value: u64,
    hard_extra: u64,
) -> std::io::Result<()> {
    let limit = libc::rlimit {
        rlim_cur: value,
        rlim_max: value.saturating_add(hard_extra),
    };
    // SAFETY: plain system call on a stack value.
    if unsafe { libc::setrlimit(resource, &limit) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Moves each descriptor to its target number without clobbering another source: first every
/// source is duplicated above all targets, then each is duplicated onto its target (which
/// clears close-on-exec there).
fn place_fds(fds: &[(OwnedFd, RawFd)]) -> std::io::Result<()> {
    const SCRATCH: RawFd = 200;
    let mut scratch = [0 as RawFd; 16];
    if fds.len() > scratch.len() {
        return Err(std::io::Error::other("too many descriptors to pass"));
    }
    for (i, (fd, _)) in fds.iter().enumerate() {
        // SAFETY: fcntl on a descriptor we own.
        let dup = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, SCRATCH) };
        if dup < 0 {
            return Err(std::io::Error::last_os_error());
        }
        scratch[i] = dup;
    }
    for (i, (_, target)) in fds.iter().enumerate() {
        // SAFETY: dup2 onto a fixed number in the freshly forked child.
        if unsafe { libc::dup2(scratch[i], *target) } < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: closing the scratch copy we made above.
        unsafe { libc::close(scratch[i]) };
    }
    Ok(())
}
