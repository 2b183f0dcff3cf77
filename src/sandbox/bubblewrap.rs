//! The box: bubblewrap with every namespace, started by an unprivileged uid (a root livejudge
//! drops to one first, because bubblewrap run as root maps root into the box), in a cgroup of
//! its own, under a seccomp filter.
//!
//! Inside, the process sees a read-only system (`/usr`, `/etc`), the interpreter and venv
//! read-only at their host paths, its submission read-only in a size-capped writable run
//! directory, the judge's runtime read-only, and private size-capped `/tmp` and `/dev/shm`.
//! Nothing else of the host: no home directories, no fixtures, no judge workspace.

use std::ffi::{CString, OsString};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::cgroup::{Cgroup, Support};
use super::probe::Capabilities;
use super::rlimits::{apply_rlimits, place_fds};
use super::{Dirs, Isolation, Launch, Launcher, Prepared, RunGuard, relay, seccomp};

/// Every namespace (a nested user namespace refused), dying with the judge, in a session of
/// its own (no terminal to inject input into), with no capabilities.
pub const BOX_FLAGS: [&str; 7] = [
    "--unshare-all",
    "--unshare-user",
    "--disable-userns",
    "--die-with-parent",
    "--new-session",
    "--cap-drop",
    "ALL",
];

/// Where things are inside the box.
pub const BOX_RUN: &str = "/sandbox/run";
pub const BOX_JUDGE: &str = "/sandbox/judge";
pub const BOX_NET: &str = "/sandbox/net";
pub const BOX_DATA: &str = "/sandbox/data";
const BOX_TMP: &str = "/tmp";
/// The uid and gid the process has inside its user namespace.
const BOX_ID: &str = "1000";
/// Where bubblewrap reads the seccomp programs from.
const SECCOMP_FDS: [RawFd; 3] = [9, 10, 11];

pub struct Bubblewrap {
    program: PathBuf,
    version: String,
    drop_to: Option<(u32, u32)>,
    cgroups: Option<Support>,
    seccomp: Option<Vec<Vec<u8>>>,
    /// Top-level system entries: (name, Some(link target)) for symlinks, None for folders.
    system: Vec<(String, Option<PathBuf>)>,
}

impl Bubblewrap {
    /// A launcher when bubblewrap works here (cgroups and seccomp are used when available).
    pub fn new(capabilities: &Capabilities) -> Option<Bubblewrap> {
        let info = capabilities.bubblewrap.as_ref().ok()?;
        capabilities.namespaces.as_ref().ok()?;
        if let Ok(support) = &capabilities.cgroups {
            super::cgroup::sweep_stale(support);
        }
        Some(Bubblewrap {
            program: info.path.clone(),
            version: info.version.clone(),
            drop_to: capabilities
                .running_as_root
                .then_some(capabilities.sandbox_ids),
            cgroups: capabilities.cgroups.as_ref().ok().cloned(),
            seccomp: capabilities.seccomp.as_ref().ok().cloned(),
            system: system_layout(),
        })
    }

    pub fn mechanisms(&self) -> Vec<String> {
        let mut mechanisms = vec![
            self.version.clone(),
            "user, pid, net, ipc, uts and mount namespaces".into(),
        ];
        mechanisms.push(match self.drop_to {
            Some((uid, gid)) => format!("uid {uid} gid {gid} (dropped from root)"),
            None => "the invoking uid, unprivileged".into(),
        });
        match &self.cgroups {
            Some(support) => mechanisms.push(support.describe()),
            None => mechanisms.push("rlimits for memory (no cgroups)".into()),
        }
        if self.seccomp.is_some() {
            mechanisms.push("seccomp filter".into());
        }
        mechanisms
    }
}

/// `/usr`, `/etc` and the top-level links or folders into `/usr` (merged or not).
fn system_layout() -> Vec<(String, Option<PathBuf>)> {
    [
        "usr", "etc", "bin", "sbin", "lib", "lib32", "lib64", "libx32",
    ]
    .into_iter()
    .filter_map(|name| {
        let path = Path::new("/").join(name);
        let meta = std::fs::symlink_metadata(&path).ok()?;
        if meta.file_type().is_symlink() {
            Some((name.to_owned(), Some(std::fs::read_link(&path).ok()?)))
        } else if meta.is_dir() {
            Some((name.to_owned(), None))
        } else {
            None
        }
    })
    .collect()
}

impl Launcher for Bubblewrap {
    fn isolation(&self) -> Isolation {
        if self.cgroups.is_some() && self.seccomp.is_some() {
            Isolation::Strict
        } else {
            Isolation::Partial
        }
    }

    fn view(&self, dirs: &Dirs) -> Dirs {
        Dirs {
            run: BOX_RUN.into(),
            judge: BOX_JUDGE.into(),
            tmp: BOX_TMP.into(),
            data: dirs.data.as_ref().map(|_| BOX_DATA.into()),
        }
    }

    fn prepare(&self, launch: Launch) -> std::io::Result<Prepared> {
        let limits = launch.limits;
        let disk = limits.disk.to_string();
        let mut args: Vec<OsString> = BOX_FLAGS.iter().map(OsString::from).collect();
        args.extend(
            [
                "--clearenv",
                "--uid",
                BOX_ID,
                "--gid",
                BOX_ID,
                "--hostname",
                "sandbox",
            ]
            .map(OsString::from),
        );
        let mut push = |items: &[&std::ffi::OsStr]| args.extend(items.iter().map(|s| s.into()));
        for (name, link) in &self.system {
            let target = Path::new("/").join(name);
            match link {
                Some(link) => push(&["--symlink".as_ref(), link.as_os_str(), target.as_os_str()]),
                None => push(&["--ro-bind".as_ref(), target.as_os_str(), target.as_os_str()]),
            }
        }
        push(&[
            "--proc".as_ref(),
            "/proc".as_ref(),
            "--dev".as_ref(),
            "/dev".as_ref(),
        ]);
        for writable in [BOX_TMP, "/dev/shm", BOX_RUN] {
            push(&[
                "--size".as_ref(),
                disk.as_ref(),
                "--tmpfs".as_ref(),
                writable.as_ref(),
            ]);
        }
        // The submission, read-only, inside the writable (size-capped) run directory: what
        // it writes stays in the box and vanishes with it.
        let mut entries: Vec<std::fs::DirEntry> =
            std::fs::read_dir(&launch.dirs.run)?.collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let inside = Path::new(BOX_RUN).join(entry.file_name());
            push(&[
                "--ro-bind".as_ref(),
                entry.path().as_os_str(),
                inside.as_os_str(),
            ]);
        }
        push(&[
            "--ro-bind".as_ref(),
            launch.dirs.judge.as_os_str(),
            BOX_JUDGE.as_ref(),
        ]);
        for path in &launch.read_only {
            push(&["--ro-bind".as_ref(), path.as_os_str(), path.as_os_str()]);
        }
        let mut exposed = vec![launch.dirs.run.clone(), launch.dirs.judge.clone()];
        exposed.extend(launch.read_only.iter().cloned());
        if let Some(data) = &launch.dirs.data {
            // The one host folder the box writes to; it is the judge's, in the workspace,
            // and handed to the box's uid.
            if let Some((uid, gid)) = self.drop_to {
                std::os::unix::fs::chown(data, Some(uid), Some(gid))?;
            }
            push(&["--bind".as_ref(), data.as_os_str(), BOX_DATA.as_ref()]);
            exposed.push(data.clone());
        }
        // Covered last, over whatever bind would show them.
        let bound: Vec<PathBuf> = self
            .system
            .iter()
            .filter(|(_, link)| link.is_none())
            .map(|(name, _)| Path::new("/").join(name))
            .chain(launch.read_only.iter().cloned())
            .filter_map(|path| std::fs::canonicalize(path).ok())
            .collect();
        for hidden in &launch.conceal {
            let Ok(hidden) = std::fs::canonicalize(hidden) else {
                continue;
            };
            // Covering a folder that holds what the box must see (a fixtures folder set to
            // the venv, say) would break every run: say so instead.
            let needed = bound
                .iter()
                .chain([&launch.dirs.run, &launch.dirs.judge])
                .find(|b| b.starts_with(&hidden));
            if let Some(needed) = needed {
                return Err(std::io::Error::other(format!(
                    "{} holds {}, which the box needs; move the task or its fixtures out of it",
                    hidden.display(),
                    needed.display()
                )));
            }
            if bound.iter().any(|b| hidden.starts_with(b)) && hidden.is_dir() {
                push(&[
                    "--tmpfs".as_ref(),
                    hidden.as_os_str(),
                    "--remount-ro".as_ref(),
                    hidden.as_os_str(),
                ]);
            }
        }
        let mut pass_fds = launch.pass_fds;
        let (program, program_args) = relay::wrap(
            &launch.network,
            &launch.program,
            &launch.args,
            &mut push,
            &mut pass_fds,
        )?;
        if let Some(dir) = &launch.network.sockets_dir {
            exposed.push(dir.clone());
        }
        // Last, once every mount point exists in it: bubblewrap's root tmpfs is writable (and
        // uncapped) until made read-only.
        push(&["--remount-ro".as_ref(), "/".as_ref()]);
        for (program, fd) in self.seccomp.iter().flatten().zip(SECCOMP_FDS) {
            pass_fds.push((seccomp::program_fd(program)?, fd));
            push(&["--add-seccomp-fd".as_ref(), fd.to_string().as_ref()]);
        }
        push(&["--chdir".as_ref(), BOX_RUN.as_ref()]);
        for (key, value) in &launch.env {
            push(&["--setenv".as_ref(), key.as_os_str(), value.as_os_str()]);
        }
        push(&["--".as_ref(), program.as_os_str()]);
        args.extend(program_args);

        let cgroup = match &self.cgroups {
            Some(support) => Some(Cgroup::create(support, limits.memory, limits.processes)?),
            None => None,
        };
        let join = match &cgroup {
            Some(cgroup) => cgroup.join_handles()?,
            None => Vec::new(),
        };
        let exposure = match self.drop_to {
            Some(_) => Exposure::plan(&exposed)?,
            None => Exposure::default(),
        };
        let drop_to = self.drop_to;
        let address_space = cgroup.is_none();
        // SAFETY: getpid has no preconditions.
        let judge = unsafe { libc::getpid() };

        let mut command = Command::new(&self.program);
        command.args(&args).env_clear().current_dir("/");
        // SAFETY: the closure runs between fork and exec; it makes only async-signal-safe
        // system calls on data prepared before the fork, and allocates nothing.
        unsafe {
            command.pre_exec(move || {
                // Folders made on the way (exposure, bubblewrap's mount points) must be
                // enterable by the box's uid whatever the judge's umask.
                libc::umask(0o022);
                for handle in &join {
                    if libc::write(handle.as_raw_fd(), b"0".as_ptr().cast(), 1) != 1 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                exposure.apply()?;
                if let Some((uid, gid)) = drop_to {
                    drop_privileges(uid, gid)?;
                }
                if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                apply_rlimits(&limits, address_space, false)?;
                // After the uid change, which clears it; and if the judge died before it was
                // set, nobody would ever kill this box.
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                if libc::getppid() != judge {
                    libc::_exit(1);
                }
                place_fds(&pass_fds)
            });
        }
        Ok(Prepared {
            command,
            guard: RunGuard {
                memory_watch: address_space.then_some(limits.memory),
                cgroup,
                nested: true,
            },
        })
    }
}

/// Gives up root for good: no supplementary groups, then gid, then uid (which also clears
/// every capability).
pub(super) fn drop_privileges(uid: u32, gid: u32) -> std::io::Result<()> {
    // SAFETY: plain system calls with no pointers but the null group list.
    unsafe {
        if libc::setgroups(0, std::ptr::null()) != 0
            || libc::setresgid(gid, gid, gid) != 0
            || libc::setresuid(uid, uid, uid) != 0
        {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Host paths the box needs (interpreter, venv, workspace) may sit below folders the
/// sandbox uid cannot enter (`/root` is 0700). Rather than loosen those, the launching child
/// takes a private mount namespace while still root, covers each such folder with an empty
/// tmpfs it *can* enter, and binds just the needed paths back at their own place. The host's
/// permissions never change, and the namespace dies with the box.
#[derive(Default)]
struct Exposure {
    /// Folders to cover with a tmpfs.
    covers: Vec<CString>,
    /// Paths to bind back, each with the folders to create first.
    binds: Vec<(CString, Vec<CString>)>,
}

const MAX_EXPOSED: usize = 8;

impl Exposure {
    fn plan(paths: &[PathBuf]) -> std::io::Result<Exposure> {
        let mut covers: Vec<PathBuf> = Vec::new();
        let mut binds = Vec::new();
        for path in paths {
            let Some(blocked) = first_closed_ancestor(path) else {
                continue;
            };
            let mut chain = Vec::new();
            let mut dir = path.as_path();
            while dir != blocked {
                chain.push(cstring(dir)?);
                dir = dir.parent().unwrap_or(&blocked);
            }
            chain.reverse();
            binds.push((cstring(path)?, chain));
            covers.push(blocked);
        }
        covers.sort();
        covers.dedup();
        // A cover inside another is already covered.
        let outer: Vec<PathBuf> = covers
            .iter()
            .filter(|c| !covers.iter().any(|o| o != *c && c.starts_with(o)))
            .cloned()
            .collect();
        if binds.len() > MAX_EXPOSED {
            return Err(std::io::Error::other("too many paths to expose to the box"));
        }
        Ok(Exposure {
            covers: outer.iter().map(|c| cstring(c)).collect::<Result<_, _>>()?,
            binds,
        })
    }

    /// Runs in the child before it drops root.
    fn apply(&self) -> std::io::Result<()> {
        if self.binds.is_empty() {
            return Ok(());
        }
        fn check(result: libc::c_int) -> std::io::Result<()> {
            if result != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        }
        // SAFETY: system calls on C strings prepared before the fork and a stack buffer.
        unsafe {
            check(libc::unshare(libc::CLONE_NEWNS))?;
            check(libc::mount(
                c"none".as_ptr(),
                c"/".as_ptr(),
                std::ptr::null(),
                libc::MS_REC | libc::MS_PRIVATE,
                std::ptr::null(),
            ))?;
            // Opened in the new namespace (a descriptor from the old one cannot be bound),
            // before the covers hide the paths.
            let mut fds = [-1 as RawFd; MAX_EXPOSED];
            for (i, (path, _)) in self.binds.iter().enumerate() {
                let fd = libc::open(path.as_ptr(), libc::O_PATH | libc::O_CLOEXEC);
                if fd < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                fds[i] = fd;
            }
            for cover in &self.covers {
                check(libc::mount(
                    c"tmpfs".as_ptr(),
                    cover.as_ptr(),
                    c"tmpfs".as_ptr(),
                    libc::MS_NOSUID | libc::MS_NODEV,
                    c"mode=0755,size=64k".as_ptr().cast(),
                ))?;
            }
            for (i, (path, chain)) in self.binds.iter().enumerate() {
                for dir in chain {
                    let made = libc::mkdir(dir.as_ptr(), 0o755);
                    if made != 0 && *libc::__errno_location() != libc::EEXIST {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                let mut source = [0u8; 32];
                proc_fd_path(fds[i], &mut source);
                check(libc::mount(
                    source.as_ptr().cast(),
                    path.as_ptr(),
                    std::ptr::null(),
                    libc::MS_BIND | libc::MS_REC,
                    std::ptr::null(),
                ))?;
                libc::close(fds[i]);
            }
        }
        Ok(())
    }
}

/// `/proc/self/fd/N\0` into `buffer`, without allocating.
fn proc_fd_path(fd: RawFd, buffer: &mut [u8; 32]) {
    let prefix = b"/proc/self/fd/";
    buffer[..prefix.len()].copy_from_slice(prefix);
    let mut digits = [0u8; 10];
    let mut n = fd.max(0) as u32;
    let mut count = 0;
    loop {
        digits[count] = b'0' + (n % 10) as u8;
        count += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for i in 0..count {
        buffer[prefix.len() + i] = digits[count - 1 - i];
    }
    buffer[prefix.len() + count] = 0;
}

/// The outermost folder on the way to `path` (inclusive of none of `path` itself) that
/// others may not enter, if any.
fn first_closed_ancestor(path: &Path) -> Option<PathBuf> {
    let mut current = PathBuf::from("/");
    for component in path.parent()?.components().skip(1) {
        current.push(component);
        let mode = std::fs::metadata(&current).ok()?.permissions().mode();
        if mode & 0o001 == 0 {
            return Some(current);
        }
    }
    None
}

fn cstring(path: &Path) -> std::io::Result<CString> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| std::io::Error::other(format!("{} contains a NUL byte", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptor_paths_are_written_without_allocating() {
        let mut buffer = [0u8; 32];
        proc_fd_path(207, &mut buffer);
        assert_eq!(&buffer[..18], b"/proc/self/fd/207\0");
        proc_fd_path(3, &mut buffer);
        assert_eq!(&buffer[..16], b"/proc/self/fd/3\0");
    }

    #[test]
    fn only_the_outermost_closed_folder_is_covered() {
        let root = tempfile::tempdir().unwrap();
        let closed = root.path().join("closed");
        std::fs::create_dir_all(closed.join("a/b")).unwrap();
        std::fs::create_dir_all(closed.join("c")).unwrap();
        std::fs::set_permissions(&closed, std::fs::Permissions::from_mode(0o700)).unwrap();
        let open_root = std::fs::metadata(root.path()).unwrap().permissions().mode() & 1 != 0;
        let plan = Exposure::plan(&[closed.join("a/b"), closed.join("c")]).unwrap();
        if open_root {
            assert_eq!(plan.covers, [cstring(&closed).unwrap()]);
        }
        assert_eq!(plan.binds.len(), 2);
        assert_eq!(
            plan.binds[0].1,
            [
                cstring(&closed.join("a")).unwrap(),
                cstring(&closed.join("a/b")).unwrap()
            ]
        );
    }
}
