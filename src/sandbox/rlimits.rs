//! Resource limits and descriptor placement shared by every launcher, and the unisolated
//! launcher that uses nothing else.

use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::Command;

use super::{Dirs, Isolation, Launch, Launcher, Prepared, ProcessLimits, RunGuard};

/// Runs the process directly, with rlimits and a clean environment.
pub struct Unisolated;

impl Launcher for Unisolated {
    fn isolation(&self) -> Isolation {
        Isolation::None
    }

    fn view(&self, dirs: &Dirs) -> Dirs {
        dirs.clone()
    }

    fn prepare(&self, launch: Launch) -> std::io::Result<Prepared> {
        let mut command = Command::new(&launch.program);
        command
            .args(&launch.args)
            .env_clear()
            .envs(launch.env.iter().map(|(k, v)| (k, v)))
            // RLIMIT_AS counts reserved address space; glibc reserves a 64 MiB arena per
            // thread, so without this a few threads exhaust a modest limit.
            .env("MALLOC_ARENA_MAX", "2")
            .current_dir(&launch.dirs.run);
        let limits = launch.limits;
        let fds = launch.pass_fds;
        // SAFETY: the closure runs between fork and exec and only makes async-signal-safe
        // system calls (setrlimit, prctl, fcntl, dup2), with no allocation.
        unsafe {
            command.pre_exec(move || {
                apply_rlimits(&limits, true, true)?;
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                place_fds(&fds)
            });
        }
        Ok(Prepared {
            command,
            guard: RunGuard {
                memory_watch: Some(limits.memory),
                ..RunGuard::default()
            },
        })
    }
}

/// The rlimits every launcher sets. `address_space` adds RLIMIT_AS where no memory cgroup holds
/// the limit, as a backstop only ([`ADDRESS_SPACE_FACTOR`] times the limit, and a smaller
/// stack): RLIMIT_AS counts address space reserved, which threads reserve generously (20
/// threads of a correct server ran out of it at the limit itself). The limit proper is then
/// what the processes use, sampled by the supervisor ([`RunGuard::memory_watch`]).
///
/// With `per_case_cpu`, the soft CPU limit is the first case's budget and the supervisor moves
/// it at each case; without it (the supervisor may not own the box's processes, so it cannot
/// move their limits), it is the whole run's backstop and the supervisor's polling alone
/// enforces the per-case budget.
pub(super) fn apply_rlimits(
    limits: &ProcessLimits,
    address_space: bool,
    per_case_cpu: bool,
) -> std::io::Result<()> {
    // The hard limit bounds the whole process, should it ignore SIGXCPU.
    let cpu_seconds = if per_case_cpu {
        limits.cpu_time.as_millis().div_ceil(1000).max(1) as u64
    } else {
        limits.cpu_backstop.as_secs().max(1)
    };
    set_limit(
        libc::RLIMIT_CPU,
        cpu_seconds,
        limits.cpu_backstop.as_secs().max(1),
    )?;
    if address_space {
        set_limit(
            libc::RLIMIT_AS,
            limits.memory.saturating_mul(ADDRESS_SPACE_FACTOR),
            0,
        )?;
        set_limit(libc::RLIMIT_STACK, 4 << 20, 0)?;
    }
    set_limit(libc::RLIMIT_CORE, 0, 0)?;
    // Python ignores SIGXFSZ, so a write past this fails with EFBIG instead of killing.
    set_limit(libc::RLIMIT_FSIZE, limits.disk, 0)?;
    Ok(())
}

/// RLIMIT_AS, where it is a backstop, is this many times the memory limit.
pub const ADDRESS_SPACE_FACTOR: u64 = 4;

/// Sets soft = `value`, hard = `value + hard_extra` (the extra CPU time lets SIGXCPU arrive
/// before the kernel's SIGKILL, so the verdict can say which limit was hit).
pub(super) fn set_limit(
    resource: libc::__rlimit_resource_t,
    value: u64,
    hard_extra: u64,
) -> std::io::Result<()> {
    let mut current = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit into a struct we own.
    if unsafe { libc::getrlimit(resource, &mut current) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // Never above the limit the judge itself runs under: raising it needs a privilege.
    let hard = value.saturating_add(hard_extra).min(current.rlim_max);
    let limit = libc::rlimit {
        rlim_cur: value.min(hard),
        rlim_max: hard,
    };
    // SAFETY: plain system call on a stack value.
    if unsafe { libc::setrlimit(resource, &limit) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Moves each descriptor to its target number without clobbering another source: first every
/// source is duplicated above all targets, then each is duplicated onto its target (which
/// clears close-on-exec there). Every other descriptor above stderr is closed at exec: the
/// judge's own inherited ones (a make job server, a file its caller left open) must not
/// reach the submission.
pub(super) fn place_fds(fds: &[(OwnedFd, RawFd)]) -> std::io::Result<()> {
    const SCRATCH: RawFd = 200;
    let mut scratch = [0 as RawFd; 16];
    if fds.len() > scratch.len() {
        return Err(std::io::Error::from_raw_os_error(libc::E2BIG));
    }
    close_others_on_exec()?;
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

/// Marks every descriptor from 3 up close-on-exec (those `place_fds` then puts in place lose
/// the mark again).
fn close_others_on_exec() -> std::io::Result<()> {
    // SAFETY: close_range only changes flags of this process's descriptors.
    let done = unsafe {
        libc::syscall(
            libc::SYS_close_range,
            3 as libc::c_uint,
            libc::c_uint::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        )
    };
    if done == 0 {
        return Ok(());
    }
    // Kernels before 5.11: every possible descriptor, one by one.
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit into a struct we own; fcntl on numbers that may not be open.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        for fd in 3..limit.rlim_cur.min(1 << 20) as RawFd {
            let flags = libc::fcntl(fd, libc::F_GETFD);
            if flags >= 0 {
                libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC);
            }
        }
    }
    Ok(())
}
