//! Host processes.

use std::collections::BTreeSet;
use std::fs;

use super::checks::{clip, contains};

/// The uid sandboxed processes run as on the host.
pub(super) const SANDBOX_UID: u32 = 65534;

pub(super) struct Process {
    pub(super) pid: i32,
    pub(super) uid: Option<u32>,
    pub(super) cmdline: Vec<u8>,
}

impl Process {
    /// Started for a sandboxed run: bubblewrap, the harness runtime or its forks, or anything
    /// running as the sandbox's uid.
    pub(super) fn is_sandboxed(&self) -> bool {
        let argv0 = self.cmdline.split(|&b| b == 0).next().unwrap_or_default();
        let name = argv0.rsplit(|&b| b == b'/').next().unwrap_or_default();
        name == b"bwrap"
            || contains(&self.cmdline, b"livejudge_runtime")
            || self.uid == Some(SANDBOX_UID)
    }

    pub(super) fn shown(&self) -> String {
        clip(
            &String::from_utf8_lossy(&self.cmdline).replace('\0', " "),
            300,
        )
    }
}

pub(super) fn processes() -> Vec<Process> {
    let me = std::process::id() as i32;
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| pid != me)
        .map(|pid| {
            let cmdline = fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let uid = fs::read_to_string(format!("/proc/{pid}/status"))
                .ok()
                .and_then(|status| {
                    status
                        .lines()
                        .find(|l| l.starts_with("Uid:"))?
                        .split_whitespace()
                        .nth(1)?
                        .parse()
                        .ok()
                });
            Process { pid, uid, cmdline }
        })
        .collect()
}

/// Pids of sandbox-looking processes that already ran before livejudge started (another
/// run's, or a service running as nobody): only new ones count as left behind.
pub(super) fn sandbox_processes() -> BTreeSet<i32> {
    processes()
        .into_iter()
        .filter(Process::is_sandboxed)
        .map(|p| p.pid)
        .collect()
}
