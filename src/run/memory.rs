//! The memory limit of a run that has no memory cgroup (partial isolation, none): what its
//! processes use, sampled, and the group stopped over the limit, as the cgroup would.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;

use super::supervise::process_tree;

/// How often the memory of a run without a memory cgroup is sampled.
const MEMORY_SAMPLE: Duration = Duration::from_millis(25);

/// Samples the memory `leader`'s processes use (their proportional set sizes, so pages
/// shared between a forking server's processes count once) and kills the group when it is
/// over `limit`: the memory cgroup's limit, for runs that have none.
pub(super) async fn watch(leader: Pid, limit: u64, exceeded: Arc<AtomicBool>) {
    loop {
        tokio::time::sleep(MEMORY_SAMPLE).await;
        let tree = process_tree(leader.as_raw());
        if tree.len() == 1 && kill(leader, None).is_err() {
            return;
        }
        let used: u64 = tree.into_iter().filter_map(process_memory).sum();
        if used > limit {
            exceeded.store(true, Ordering::SeqCst);
            let _ = killpg(leader, Signal::SIGKILL);
            return;
        }
    }
}

/// The memory a live process uses: its proportional set size, or its resident set where the
/// kernel does not tell (or lets nobody else read) the former.
fn process_memory(pid: i32) -> Option<u64> {
    if let Ok(rollup) = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        && let Some(kib) = rollup.lines().find_map(|line| {
            line.strip_prefix("Pss:")?
                .trim()
                .strip_suffix("kB")?
                .trim()
                .parse::<u64>()
                .ok()
        })
    {
        return Some(kib * 1024);
    }
    let statm = std::fs::read_to_string(format!("/proc/{pid}/statm")).ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(1) as u64;
    Some(pages * page)
}
