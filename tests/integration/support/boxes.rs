//! Starting boxes through the library (the relay and server tests), with what a box needs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The real interpreter behind `python3` and its installation prefix (a box binds the
/// prefix).
pub fn real_python() -> (PathBuf, PathBuf) {
    let output = Command::new("python3")
        .args([
            "-c",
            "import sys; print(sys.executable); print(sys.base_prefix)",
        ])
        .output()
        .expect("python3 runs");
    let text = String::from_utf8(output.stdout).unwrap();
    let mut lines = text.lines();
    let executable = std::fs::canonicalize(lines.next().unwrap()).unwrap();
    (executable, PathBuf::from(lines.next().unwrap()))
}

/// A strict box launcher, with what it takes to get one when this machine cannot.
pub fn box_launcher() -> livejudge::sandbox::Bubblewrap {
    let capabilities = livejudge::sandbox::Capabilities::detect();
    livejudge::sandbox::Bubblewrap::new(&capabilities).unwrap_or_else(|| {
        panic!(
            "bubblewrap boxes are not available here (scripts/test.sh installs bubblewrap):\n{}",
            capabilities.render()
        )
    })
}

/// Run, judge and tmp folders under `root`, created.
pub fn box_dirs(root: &Path) -> livejudge::sandbox::Dirs {
    let dirs = livejudge::sandbox::Dirs {
        run: root.join("run"),
        judge: root.join("judge"),
        tmp: root.join("tmp"),
        data: None,
    };
    for dir in [&dirs.run, &dirs.judge, &dirs.tmp] {
        std::fs::create_dir_all(dir).unwrap();
    }
    dirs
}

/// Modest limits for a test box.
pub fn box_limits() -> livejudge::sandbox::ProcessLimits {
    livejudge::sandbox::ProcessLimits {
        cpu_time: Duration::from_secs(10),
        cpu_backstop: Duration::from_secs(30),
        memory: 256 << 20,
        processes: 32,
        disk: 16 << 20,
    }
}
