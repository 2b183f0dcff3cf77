//! What this machine offers for isolation, each missing piece with its fix (`livejudge
//! doctor` prints it; `--isolation` decides from it).

use std::fmt;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::cgroup;

/// The uid and gid a root livejudge runs submissions as: `nobody` unless
/// `LIVEJUDGE_SANDBOX_UID` (`uid` or `uid:gid`) says otherwise.
pub fn sandbox_ids() -> (u32, u32) {
    const NOBODY: u32 = 65534;
    let Some(value) = std::env::var_os("LIVEJUDGE_SANDBOX_UID") else {
        return (NOBODY, NOBODY);
    };
    let value = value.to_string_lossy();
    let mut parts = value.splitn(2, ':');
    let uid = parts.next().and_then(|u| u.parse().ok()).unwrap_or(NOBODY);
    let gid = parts.next().and_then(|g| g.parse().ok()).unwrap_or(uid);
    // Root inside the box is what dropping privileges is for: never accept it.
    if uid == 0 || gid == 0 {
        (NOBODY, NOBODY)
    } else {
        (uid, gid)
    }
}

#[derive(Debug, Clone)]
pub struct BwrapInfo {
    pub path: PathBuf,
    pub version: String,
}

#[derive(Debug, Clone)]
pub struct Capabilities {
    pub running_as_root: bool,
    pub sandbox_ids: (u32, u32),
    pub bubblewrap: Result<BwrapInfo, String>,
    /// Whether a box actually starts (user, pid, net, mount namespaces), as the uid it will
    /// run as.
    pub namespaces: Result<(), String>,
    pub cgroups: Result<cgroup::Support, String>,
    pub seccomp: Result<Vec<Vec<u8>>, String>,
    /// The Landlock ABI version, reported only: the mount namespace already confines the
    /// filesystem.
    pub landlock: Result<i64, String>,
}

/// A piece of full isolation this machine lacks, and how to get it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    Bubblewrap(String),
    Namespaces(String),
    Cgroups(String),
    Seccomp(String),
}

impl Requirement {
    fn name(&self) -> &'static str {
        match self {
            Requirement::Bubblewrap(_) => "bubblewrap",
            Requirement::Namespaces(_) => "namespaces",
            Requirement::Cgroups(_) => "cgroups",
            Requirement::Seccomp(_) => "seccomp",
        }
    }

    fn why(&self) -> &str {
        match self {
            Requirement::Bubblewrap(why)
            | Requirement::Namespaces(why)
            | Requirement::Cgroups(why)
            | Requirement::Seccomp(why) => why,
        }
    }

    /// The one command (Debian, Ubuntu) that gets it, for this machine as it is.
    pub fn fix(&self) -> String {
        match self {
            Requirement::Bubblewrap(_) => {
                "`sudo apt-get install bubblewrap` (or set LIVEJUDGE_BWRAP to its path)".into()
            }
            Requirement::Namespaces(_) => namespaces_fix(),
            Requirement::Cgroups(_) => "run livejudge as root, or in a cgroup v2 subtree delegated to you: `systemd-run --user --scope -p Delegate=yes livejudge ...`".into(),
            Requirement::Seccomp(_) => {
                "a kernel built with CONFIG_SECCOMP_FILTER (every Debian and Ubuntu kernel is)"
                    .into()
            }
        }
    }

    /// What grading loses without it.
    pub fn without(&self) -> &'static str {
        match self {
            Requirement::Bubblewrap(_) | Requirement::Namespaces(_) => {
                "no box: submissions run with your rights (they can read and write your files and reach the network), with resource limits only; every task still grades"
            }
            Requirement::Cgroups(_) => {
                "no limit on a box's number of processes (a fork bomb slows the machine); memory is limited by sampling what a run uses every 25 ms, not by the kernel"
            }
            Requirement::Seccomp(_) => {
                "boxed code may call ptrace, mount, keyctl, bpf, perf_event_open and io_uring (the namespaces still confine them)"
            }
        }
    }
}

/// What stops unprivileged user namespaces here, and the command that allows them.
fn namespaces_fix() -> String {
    let sysctl = |name: &str| {
        std::fs::read_to_string(format!("/proc/sys/{}", name.replace('.', "/")))
            .map(|v| v.trim().to_owned())
            .ok()
    };
    if sysctl("kernel.apparmor_restrict_unprivileged_userns").as_deref() == Some("1") {
        return "`sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0` (Ubuntu 23.10 and later restrict unprivileged user namespaces through AppArmor; to keep it after a reboot, put the setting in /etc/sysctl.d/99-livejudge.conf)".into();
    }
    if sysctl("kernel.unprivileged_userns_clone").as_deref() == Some("0") {
        return "`sudo sysctl -w kernel.unprivileged_userns_clone=1`".into();
    }
    if sysctl("user.max_user_namespaces").as_deref() == Some("0") {
        return "`sudo sysctl -w user.max_user_namespaces=15000`".into();
    }
    if std::path::Path::new("/.dockerenv").exists()
        || std::path::Path::new("/run/.containerenv").exists()
    {
        return "in a container: run it with `--security-opt seccomp=unconfined --security-opt apparmor=unconfined` (or `--privileged`)".into();
    }
    "allow unprivileged user namespaces (`sudo sysctl -w kernel.unprivileged_userns_clone=1`; on Ubuntu `sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`)".into()
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} (fix: {})", self.name(), self.why(), self.fix())
    }
}

impl Capabilities {
    pub fn detect() -> Capabilities {
        // SAFETY: geteuid has no preconditions.
        let running_as_root = unsafe { libc::geteuid() } == 0;
        let sandbox_ids = sandbox_ids();
        let bubblewrap = find_bubblewrap();
        let namespaces = match &bubblewrap {
            Ok(info) => try_box(info, running_as_root.then_some(sandbox_ids)),
            Err(_) => Err("not checked without bubblewrap".into()),
        };
        Capabilities {
            running_as_root,
            sandbox_ids,
            bubblewrap,
            namespaces,
            cgroups: cgroup::detect(),
            seccomp: seccomp_support(),
            landlock: landlock_abi(),
        }
    }

    /// What full isolation needs and this machine lacks.
    pub fn missing(&self) -> Vec<Requirement> {
        let mut missing = Vec::new();
        if let Err(why) = &self.bubblewrap {
            missing.push(Requirement::Bubblewrap(why.clone()));
        }
        if let (Ok(_), Err(why)) = (&self.bubblewrap, &self.namespaces) {
            missing.push(Requirement::Namespaces(why.clone()));
        }
        if let Err(why) = &self.cgroups {
            missing.push(Requirement::Cgroups(why.clone()));
        }
        if let Err(why) = &self.seccomp {
            missing.push(Requirement::Seccomp(why.clone()));
        }
        missing
    }

    /// The isolation `--isolation auto` gets here.
    pub fn level(&self) -> crate::outcome::Isolation {
        use crate::outcome::Isolation;
        if self.bubblewrap.is_err() || self.namespaces.is_err() {
            Isolation::None
        } else if self.missing().is_empty() {
            Isolation::Strict
        } else {
            Isolation::Partial
        }
    }

    /// The report of `livejudge doctor`.
    pub fn render(&self) -> String {
        let mut out = format!(
            "Isolation on this machine: {}\n\nWhat it offers for isolating submissions:\n\n",
            self.level().name()
        );
        let mut line = |ok: bool, text: String| {
            out.push_str(if ok { "  ok    " } else { "  MISS  " });
            out.push_str(&text);
            out.push('\n');
        };
        line(
            true,
            if self.running_as_root {
                format!(
                    "identity: livejudge runs as root; boxes run as uid {} gid {} (LIVEJUDGE_SANDBOX_UID)",
                    self.sandbox_ids.0, self.sandbox_ids.1
                )
            } else {
                "identity: livejudge runs unprivileged; boxes run as your uid, mapped in a user namespace".into()
            },
        );
        match &self.bubblewrap {
            Ok(info) => line(true, format!("{} ({})", info.version, info.path.display())),
            Err(_) => line(
                false,
                explain(&Requirement::Bubblewrap(self.bubblewrap_error())),
            ),
        }
        match &self.namespaces {
            Ok(()) => line(
                true,
                "namespaces: user, pid, net (loopback only), ipc, uts, mount; no capabilities, no_new_privs".into(),
            ),
            Err(why) => line(false, explain(&Requirement::Namespaces(why.clone()))),
        }
        match &self.cgroups {
            Ok(support) => line(
                true,
                format!("{}: memory, processes and CPU per box", support.describe()),
            ),
            Err(why) => line(false, explain(&Requirement::Cgroups(why.clone()))),
        }
        match &self.seccomp {
            Ok(_) => line(
                true,
                "seccomp: ptrace, mount, namespaces, keyrings, bpf, perf and io_uring denied"
                    .into(),
            ),
            Err(why) => line(false, explain(&Requirement::Seccomp(why.clone()))),
        }
        out.push_str(&match &self.landlock {
            Ok(abi) => format!(
                "  info  Landlock ABI {abi} is available (not needed: the mount namespace already confines the filesystem)\n"
            ),
            Err(why) => format!("  info  Landlock: {why} (not needed: the mount namespace already confines the filesystem)\n"),
        });
        let missing = self.missing();
        out.push('\n');
        if missing.is_empty() {
            out.push_str("Full isolation is available: `--isolation strict` runs, and `auto` (the default) uses it.\n");
        } else if self.bubblewrap.is_ok() && self.namespaces.is_ok() {
            out.push_str("Partial isolation: `--isolation auto` runs boxes without the missing pieces; `--isolation strict` refuses to run.\n");
        } else {
            out.push_str("No isolation: `--isolation auto` runs submissions with resource limits only; `--isolation strict` refuses to run.\n");
        }
        out
    }

    fn bubblewrap_error(&self) -> String {
        self.bubblewrap.as_ref().err().cloned().unwrap_or_default()
    }
}

/// A missing piece as doctor shows it: what is wrong, the fix, and what is lost without it.
fn explain(requirement: &Requirement) -> String {
    format!(
        "{}: {}\n        fix: {}\n        without it: {}",
        requirement.name(),
        requirement.why(),
        requirement.fix(),
        requirement.without()
    )
}

fn find_bubblewrap() -> Result<BwrapInfo, String> {
    let path = match std::env::var_os("LIVEJUDGE_BWRAP") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => std::env::var_os("PATH")
            .iter()
            .flat_map(std::env::split_paths)
            .chain(["/usr/bin".into(), "/usr/local/bin".into()])
            .map(|dir| dir.join("bwrap"))
            .find(|candidate| candidate.is_file())
            .ok_or("bwrap is not installed")?,
    };
    let output = Command::new(&path)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", path.display()))?;
    let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if !output.status.success() || !version.starts_with("bubblewrap") {
        return Err(format!("{} --version did not answer", path.display()));
    }
    // --disable-userns and --size arrived in 0.8.
    let number: Vec<u32> = version
        .trim_start_matches("bubblewrap ")
        .split('.')
        .filter_map(|p| p.parse().ok())
        .collect();
    if number.as_slice() < [0, 8].as_slice() {
        return Err(format!(
            "{version} is too old: livejudge needs bubblewrap 0.8 or newer"
        ));
    }
    Ok(BwrapInfo { path, version })
}

/// Starts the smallest box that uses every namespace, as the uid boxes will run as.
fn try_box(info: &BwrapInfo, drop_to: Option<(u32, u32)>) -> Result<(), String> {
    let mut command = Command::new(&info.path);
    command
        .args(super::bubblewrap::BOX_FLAGS)
        .args([
            "--ro-bind",
            "/",
            "/",
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--tmpfs",
            "/tmp",
            "--",
            "/bin/sh",
            "-c",
            ":",
        ])
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some((uid, gid)) = drop_to {
        use std::os::unix::process::CommandExt;
        // SAFETY: only async-signal-safe system calls between fork and exec.
        unsafe {
            command.pre_exec(move || {
                // What a real box does first as root (see bubblewrap::Exposure): a private
                // mount namespace, a tmpfs over a folder, a path bound back.
                let check = |result: libc::c_int| {
                    if result != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                };
                check(libc::unshare(libc::CLONE_NEWNS))?;
                check(libc::mount(
                    c"none".as_ptr(),
                    c"/".as_ptr(),
                    std::ptr::null(),
                    libc::MS_REC | libc::MS_PRIVATE,
                    std::ptr::null(),
                ))?;
                check(libc::mount(
                    c"tmpfs".as_ptr(),
                    c"/tmp".as_ptr(),
                    c"tmpfs".as_ptr(),
                    libc::MS_NOSUID | libc::MS_NODEV,
                    c"mode=0755,size=64k".as_ptr().cast(),
                ))?;
                check(libc::mount(
                    c"/usr".as_ptr(),
                    c"/tmp".as_ptr(),
                    std::ptr::null(),
                    libc::MS_BIND | libc::MS_REC,
                    std::ptr::null(),
                ))?;
                super::bubblewrap::drop_privileges(uid, gid)
            });
        }
    }
    let output = command.output().map_err(|e| {
        if drop_to.is_some() && e.raw_os_error() == Some(libc::EPERM) {
            format!(
                "livejudge runs as root without CAP_SYS_ADMIN (or a security profile forbids mounts), which it needs to give the box paths below folders uid {} cannot enter (a private mount namespace: {e}); run it unprivileged or with CAP_SYS_ADMIN",
                drop_to.map_or(0, |(uid, _)| uid)
            )
        } else {
            format!("cannot start bubblewrap: {e}")
        }
    })?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "a test box did not start: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

fn seccomp_support() -> Result<Vec<Vec<u8>>, String> {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if !status.lines().any(|l| l.starts_with("Seccomp:")) {
        return Err("this kernel has no seccomp filtering".into());
    }
    super::seccomp::compile()
}

fn landlock_abi() -> Result<i64, String> {
    const LANDLOCK_CREATE_RULESET_VERSION: libc::c_uint = 1;
    // SAFETY: the version query takes no ruleset and writes nothing.
    let abi = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<libc::c_void>(),
            0usize,
            LANDLOCK_CREATE_RULESET_VERSION,
        )
    };
    if abi > 0 {
        Ok(abi)
    } else {
        Err(format!(
            "not offered by this kernel ({})",
            std::io::Error::last_os_error()
        ))
    }
}
