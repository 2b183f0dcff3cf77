//! `livejudge watch`: the public cases graded again each time the solution is saved, the first
//! failure shown in full, and Ctrl-C ends it with nothing left running.

use std::io::BufRead;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use livejudge::error::exit::INTERRUPTED;

use crate::support::*;

/// Kills the watcher if the test fails before stopping it: a watch never ends by itself.
struct KillOnDrop(Spawned);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_for(lines: &mpsc::Receiver<String>, seen: &mut Vec<String>, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !seen.iter().any(|l| l.contains(text)) {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => seen.push(line),
            Err(_) => panic!(
                "{text:?} never appeared; output so far:\n{}",
                seen.join("\n")
            ),
        }
    }
}

#[test]
fn a_save_regrades_and_the_first_failure_is_shown_in_full() {
    let dir = tempfile::tempdir().unwrap();
    let solution = dir.path().join("solution.py");
    std::fs::write(&solution, "def answer():\n    return 41\n").unwrap();
    let mut child = KillOnDrop(
        Livejudge::new()
            .tasks("tests/tasks")
            .args(["watch", "slow-batch"])
            .arg(&solution)
            .spawn(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let (send, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = send.send(line);
        }
    });
    let mut seen = Vec::new();
    wait_for(&lines, &mut seen, "0/2 public cases pass");
    wait_for(&lines, &mut seen, "first failure: first");
    wait_for(&lines, &mut seen, "expected 42, got 41");
    wait_for(&lines, &mut seen, "watching");
    let first_run = seen.len();

    // The way editors save: a new file renamed over the old one.
    let temp = dir.path().join(".solution.py.swp");
    std::fs::write(&temp, "def answer():\n    return 42\n").unwrap();
    std::fs::rename(&temp, &solution).unwrap();
    wait_for(&lines, &mut seen, "2/2 public cases pass");
    assert!(
        seen[first_run..].iter().any(|l| l.contains("run 2")),
        "{}",
        seen.join("\n")
    );
    assert!(
        !seen[first_run..]
            .iter()
            .any(|l| l.contains("first failure")),
        "nothing fails any more"
    );

    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.0.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "watch did not stop on Ctrl-C");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(i32::from(INTERRUPTED)));
}
