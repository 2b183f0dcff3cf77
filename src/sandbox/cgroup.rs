//! One cgroup per boxed process: the memory limit (the kernel's OOM killer, not RLIMIT_AS,
//! which starves CPython's threads of address space), the process/thread limit, CPU
//! accounting for every process of the box, and a way to kill them all. Both cgroup v2 and
//! the v1 hierarchies (as on hybrid hosts) are supported.

use std::fs;
use std::io::Write;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Processes of the box that are not the submission's: bubblewrap's monitor and init.
const BOX_OVERHEAD_PROCESSES: u32 = 4;
const PREFIX: &str = "livejudge-";

/// Where this process may create cgroups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Support {
    V2 {
        base: PathBuf,
    },
    V1 {
        memory: PathBuf,
        pids: PathBuf,
        cpuacct: Option<PathBuf>,
    },
}

impl Support {
    pub fn describe(&self) -> String {
        match self {
            Support::V2 { base } => format!("cgroup v2 (memory, pids) under {}", base.display()),
            Support::V1 {
                memory, cpuacct, ..
            } => format!(
                "cgroup v1 (memory, pids{}) under {}",
                if cpuacct.is_some() { ", cpuacct" } else { "" },
                memory.parent().unwrap_or(memory).display()
            ),
        }
    }

    fn bases(&self) -> Vec<&Path> {
        match self {
            Support::V2 { base } => vec![base],
            Support::V1 {
                memory,
                pids,
                cpuacct,
            } => {
                let mut bases = vec![memory.as_path(), pids.as_path()];
                bases.extend(cpuacct.as_deref());
                bases
            }
        }
    }
}

/// Finds the cgroups this process can create children under, preferring v2.
pub fn detect() -> Result<Support, String> {
    let mounts = fs::read_to_string("/proc/self/mountinfo")
        .map_err(|e| format!("cannot read /proc/self/mountinfo: {e}"))?;
    let membership = fs::read_to_string("/proc/self/cgroup")
        .map_err(|e| format!("cannot read /proc/self/cgroup: {e}"))?;
    let mut problems = Vec::new();
    match detect_v2(&mounts, &membership) {
        Ok(support) => return Ok(support),
        Err(problem) => problems.push(format!("v2: {problem}")),
    }
    match detect_v1(&mounts, &membership) {
        Ok(support) => return Ok(support),
        Err(problem) => problems.push(format!("v1: {problem}")),
    }
    Err(problems.join("; "))
}

/// (mount point, root of the mount, filesystem type, super options) of each cgroup mount.
fn cgroup_mounts(mountinfo: &str) -> Vec<(PathBuf, String, String, String)> {
    mountinfo
        .lines()
        .filter_map(|line| {
            let (left, right) = line.split_once(" - ")?;
            let fields: Vec<&str> = left.split(' ').collect();
            let right: Vec<&str> = right.split(' ').collect();
            let fstype = *right.first()?;
            if fstype != "cgroup" && fstype != "cgroup2" {
                return None;
            }
            Some((
                PathBuf::from(unescape(fields.get(4)?)),
                unescape(fields.get(3)?),
                fstype.to_owned(),
                right.get(2).copied().unwrap_or_default().to_owned(),
            ))
        })
        .collect()
}

/// mountinfo escapes spaces and the like as `\040`.
fn unescape(field: &str) -> String {
    let mut out = String::new();
    let mut rest = field;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let code = rest
            .get(i + 1..i + 4)
            .and_then(|c| u8::from_str_radix(c, 8).ok());
        match code {
            Some(byte) => {
                out.push(byte as char);
                rest = &rest[i + 4..];
            }
            None => {
                out.push('\\');
                rest = &rest[i + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The directory of this process's cgroup in a hierarchy mounted at `mount` (whose root is
/// `mount_root` within the hierarchy).
fn own_dir(mount: &Path, mount_root: &str, own_path: &str) -> PathBuf {
    let relative = own_path
        .strip_prefix(mount_root)
        .unwrap_or(own_path)
        .trim_start_matches('/');
    mount.join(relative)
}

fn detect_v2(mountinfo: &str, membership: &str) -> Result<Support, String> {
    let (mount, root, _, _) = cgroup_mounts(mountinfo)
        .into_iter()
        .find(|(_, _, fstype, _)| fstype == "cgroup2")
        .ok_or("not mounted")?;
    let own = membership
        .lines()
        .find_map(|l| l.strip_prefix("0::"))
        .ok_or("this process is in no v2 cgroup")?;
    let base = own_dir(&mount, &root, own);
    let available = fs::read_to_string(base.join("cgroup.controllers")).unwrap_or_default();
    let missing: Vec<&str> = ["memory", "pids"]
        .into_iter()
        .filter(|c| !available.split_whitespace().any(|a| a == *c))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "the {} controller{} not available in {}",
            missing.join(" and "),
            if missing.len() == 1 { " is" } else { "s are" },
            base.display()
        ));
    }
    // A cgroup with processes of its own cannot pass controllers down (the "no internal
    // processes" rule), except the root: so either the controllers are already delegated to
    // children, or this is the root and they can be turned on.
    let enabled = |base: &Path| {
        let control = fs::read_to_string(base.join("cgroup.subtree_control")).unwrap_or_default();
        ["memory", "pids"]
            .iter()
            .all(|c| control.split_whitespace().any(|a| a == *c))
    };
    if !enabled(&base) {
        let enable = || fs::write(base.join("cgroup.subtree_control"), "+memory +pids");
        if enable().is_err() {
            // Outside the root, a cgroup with processes of its own cannot pass controllers
            // down: move this process into a leaf of its own (removed by the sweep once it is
            // gone), then try again. Other processes in `base` still make it fail.
            let leaf = base.join(format!("{PREFIX}{}-judge", owner_id()));
            if let Err(e) = fs::create_dir(&leaf)
                && e.kind() != std::io::ErrorKind::AlreadyExists
            {
                return Err(format!("cannot create a cgroup in {}: {e}", base.display()));
            }
            fs::write(leaf.join("cgroup.procs"), std::process::id().to_string())
                .map_err(|e| format!("cannot move livejudge into {}: {e}", leaf.display()))?;
            enable().map_err(|e| {
                format!(
                    "cannot enable memory and pids for children of {} ({e}): is it delegated to you, and are other processes in it?",
                    base.display()
                )
            })?;
        }
    }
    check_writable(&base)?;
    Ok(Support::V2 { base })
}

fn detect_v1(mountinfo: &str, membership: &str) -> Result<Support, String> {
    let mounts = cgroup_mounts(mountinfo);
    let find = |controller: &str| -> Option<PathBuf> {
        let (mount, root, _, _) = mounts.iter().find(|(_, _, fstype, options)| {
            fstype == "cgroup" && options.split(',').any(|o| o == controller)
        })?;
        let own = membership.lines().find_map(|line| {
            let mut parts = line.splitn(3, ':');
            let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
            controllers
                .split(',')
                .any(|c| c == controller)
                .then_some(path)
        })?;
        Some(own_dir(mount, root, own))
    };
    let memory = find("memory").ok_or("no memory hierarchy")?;
    let pids = find("pids").ok_or("no pids hierarchy")?;
    check_writable(&memory)?;
    check_writable(&pids)?;
    let cpuacct = find("cpuacct").filter(|dir| check_writable(dir).is_ok());
    Ok(Support::V1 {
        memory,
        pids,
        cpuacct,
    })
}

fn check_writable(base: &Path) -> Result<(), String> {
    let probe = base.join(format!("{PREFIX}{}-probe", owner_id()));
    fs::create_dir(&probe)
        .map_err(|e| format!("cannot create a cgroup in {}: {e}", base.display()))?;
    let _ = fs::remove_dir(&probe);
    Ok(())
}

/// A cgroup (one directory per hierarchy) that lives as long as this value.
pub struct Cgroup {
    support: Support,
    dirs: Vec<PathBuf>,
}

static NEXT: AtomicU64 = AtomicU64::new(0);

impl Cgroup {
    pub fn create(support: &Support, memory: u64, processes: u32) -> std::io::Result<Cgroup> {
        let mut cgroup = Cgroup {
            support: support.clone(),
            dirs: Vec::new(),
        };
        // A name in use (left by an earlier process with this pid and start time, which
        // cannot be, or by anything else) is skipped, never shared.
        'names: for _ in 0..100 {
            let name = format!(
                "{PREFIX}{}-{}",
                owner_id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            );
            for base in support.bases() {
                let dir = base.join(&name);
                match fs::create_dir(&dir) {
                    Ok(()) => cgroup.dirs.push(dir),
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        for made in cgroup.dirs.drain(..) {
                            let _ = fs::remove_dir(made);
                        }
                        continue 'names;
                    }
                    Err(e) => return Err(e),
                }
            }
            break;
        }
        if cgroup.dirs.len() != support.bases().len() {
            return Err(std::io::Error::other("no free cgroup name"));
        }
        let pids = (processes + BOX_OVERHEAD_PROCESSES).to_string();
        match support {
            Support::V2 { .. } => {
                let dir = &cgroup.dirs[0];
                fs::write(dir.join("memory.max"), memory.to_string())?;
                // Swap would turn the memory limit into a slowdown instead of a verdict.
                let _ = fs::write(dir.join("memory.swap.max"), "0");
                fs::write(dir.join("pids.max"), pids)?;
            }
            Support::V1 { .. } => {
                let (memory_dir, pids_dir) = (&cgroup.dirs[0], &cgroup.dirs[1]);
                fs::write(memory_dir.join("memory.limit_in_bytes"), memory.to_string())?;
                let _ = fs::write(
                    memory_dir.join("memory.memsw.limit_in_bytes"),
                    memory.to_string(),
                );
                let _ = fs::write(memory_dir.join("memory.swappiness"), "0");
                fs::write(pids_dir.join("pids.max"), pids)?;
            }
        }
        Ok(cgroup)
    }

    /// Descriptors that move the process writing `0` to them into this cgroup (opened here
    /// because the child may no longer have the right to open them after dropping its uid).
    pub fn join_handles(&self) -> std::io::Result<Vec<OwnedFd>> {
        self.dirs
            .iter()
            .map(|dir| {
                fs::OpenOptions::new()
                    .write(true)
                    .open(dir.join("cgroup.procs"))
                    .map(OwnedFd::from)
            })
            .collect()
    }

    pub fn cpu_used(&self) -> Option<Duration> {
        match &self.support {
            Support::V2 { .. } => {
                let stat = fs::read_to_string(self.dirs.first()?.join("cpu.stat")).ok()?;
                let usec = stat
                    .lines()
                    .find_map(|l| l.strip_prefix("usage_usec "))?
                    .trim()
                    .parse()
                    .ok()?;
                Some(Duration::from_micros(usec))
            }
            Support::V1 { cpuacct, .. } => {
                cpuacct.as_ref()?;
                let nanos = fs::read_to_string(self.dirs.get(2)?.join("cpuacct.usage"))
                    .ok()?
                    .trim()
                    .parse()
                    .ok()?;
                Some(Duration::from_nanos(nanos))
            }
        }
    }

    pub fn oom_kills(&self) -> u64 {
        let (file, key) = match self.support {
            Support::V2 { .. } => ("memory.events", "oom_kill "),
            Support::V1 { .. } => ("memory.oom_control", "oom_kill "),
        };
        self.dirs
            .first()
            .and_then(|dir| fs::read_to_string(dir.join(file)).ok())
            .and_then(|text| {
                text.lines()
                    .find_map(|l| l.strip_prefix(key))
                    .and_then(|n| n.trim().parse().ok())
            })
            .unwrap_or(0)
    }

    pub fn kill_all(&self) {
        if let Some(dir) = self.dirs.first() {
            kill_all_in(dir);
        }
    }
}

impl Drop for Cgroup {
    fn drop(&mut self) {
        self.kill_all();
        for dir in &self.dirs {
            remove_when_empty(dir);
        }
    }
}

fn members(dir: &Path) -> Vec<i32> {
    fs::read_to_string(dir.join("cgroup.procs"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

fn kill_all_in(dir: &Path) {
    if fs::OpenOptions::new()
        .write(true)
        .open(dir.join("cgroup.kill"))
        .and_then(|mut f| f.write_all(b"1"))
        .is_ok()
    {
        return;
    }
    // v1 has no cgroup.kill: kill what is there until nothing is (a fork in between shows up
    // in the next pass; the pids limit bounds how many there can be).
    for _ in 0..100 {
        let pids = members(dir);
        if pids.is_empty() {
            return;
        }
        for pid in pids {
            // SAFETY: kill has no memory-safety preconditions.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// A cgroup whose processes were killed stays busy until the kernel has reaped them.
fn remove_when_empty(dir: &Path) {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        match fs::remove_dir(dir) {
            Ok(()) => return,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
            Err(_) if Instant::now() < deadline => {
                kill_all_in(dir);
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(_) => return,
        }
    }
}

/// Removes cgroups left by a livejudge that was killed before it could (SIGKILL, a crash).
pub fn sweep_stale(support: &Support) {
    for base in support.bases() {
        let Ok(entries) = fs::read_dir(base) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(owner) = name
                .to_str()
                .and_then(|n| n.strip_prefix(PREFIX))
                .and_then(|rest| rest.rsplit_once('-'))
                .map(|(owner, _)| owner.to_owned())
            else {
                continue;
            };
            // Names of another format are not ours to judge.
            if owner_alive(&owner) != Some(false) {
                continue;
            }
            let dir = entry.path();
            kill_all_in(&dir);
            remove_when_empty(&dir);
        }
    }
}

/// `<pid>.<start time>`: names this process's cgroups so that a later process with the same
/// pid (a container's pid 1, say) is never taken for it.
fn owner_id() -> String {
    let pid = std::process::id();
    // Without a start time (no /proc), a name no sweep can take for a dead owner's.
    match start_time(pid) {
        Some(start) => format!("{pid}.{start}"),
        None => format!("{pid}"),
    }
}

/// Whether the process that named cgroups `owner` is still running; None when `owner` is
/// not a `<pid>.<start time>` name.
fn owner_alive(owner: &str) -> Option<bool> {
    let (pid, start) = owner.split_once('.')?;
    let (pid, start) = (pid.parse::<u32>().ok()?, start.parse::<u64>().ok()?);
    Some(start_time(pid) == Some(start))
}

/// A process's start time (field 22 of /proc/PID/stat, in clock ticks since boot).
fn start_time(pid: u32) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat[stat.rfind(')')? + 2..]
        .split(' ')
        .nth(19)?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HYBRID: &str = "\
33 25 0:29 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
34 25 0:30 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
35 25 0:31 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
36 25 0:32 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw
";

    #[test]
    fn mountinfo_names_each_hierarchy_with_its_controllers() {
        let mounts = cgroup_mounts(HYBRID);
        assert_eq!(mounts.len(), 4);
        assert_eq!(mounts[2].0, PathBuf::from("/sys/fs/cgroup/cpu,cpuacct"));
        assert_eq!(mounts[2].3, "rw,cpu,cpuacct");
        assert_eq!(mounts[3].2, "cgroup2");
    }

    #[test]
    fn cgroups_belong_to_a_process_by_pid_and_start_time() {
        assert_eq!(owner_alive(&owner_id()), Some(true));
        let pid = std::process::id();
        let start = start_time(pid).unwrap();
        assert_eq!(
            owner_alive(&format!("{pid}.{}", start + 1)),
            Some(false),
            "same pid, another process"
        );
        assert_eq!(
            owner_alive("1234"),
            None,
            "another format: not ours to judge"
        );
    }

    #[test]
    fn own_cgroup_is_found_relative_to_the_mount_root() {
        assert_eq!(
            own_dir(Path::new("/sys/fs/cgroup/memory"), "/", "/jobs/a"),
            PathBuf::from("/sys/fs/cgroup/memory/jobs/a")
        );
        assert_eq!(
            own_dir(Path::new("/sys/fs/cgroup"), "/jobs", "/jobs/a"),
            PathBuf::from("/sys/fs/cgroup/a")
        );
        assert_eq!(unescape(r"/a\040b"), "/a b");
    }
}
