//! Running livejudge with its raw output.

use std::io::Read;
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use wait_timeout::ChildExt;

use crate::support::Run;

/// Any one livejudge run is killed after this (the real bound, checked, is much lower).
pub(super) const HARD_TIMEOUT: Duration = Duration::from_secs(300);

pub(super) struct Output {
    pub(super) run: Run,
    pub(super) stdout: Vec<u8>,
    pub(super) stderr: Vec<u8>,
}

/// Like support::run_command, but keeps the raw bytes, and fails rather than hangs when a
/// process of the run still holds livejudge's own stdout or stderr after it exited.
pub(super) fn run_bytes(mut command: Command) -> Output {
    let mut child = command.spawn().expect("start livejudge");
    let (sender, receiver) = mpsc::channel();
    for (index, stream) in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ]
    .into_iter()
    .enumerate()
    {
        let sender = sender.clone();
        std::thread::spawn(move || {
            let mut stream = stream;
            let mut bytes = Vec::new();
            let _ = stream.read_to_end(&mut bytes);
            let _ = sender.send((index, bytes));
        });
    }
    let status = match child.wait_timeout(HARD_TIMEOUT).unwrap() {
        Some(status) => status,
        None => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("livejudge did not finish within {HARD_TIMEOUT:?}: {command:?}");
        }
    };
    let mut streams: [Vec<u8>; 2] = Default::default();
    for _ in 0..2 {
        let (index, bytes) = receiver
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| {
                panic!(
                    "livejudge exited, but its stdout or stderr stayed open for 10 s: a \
                     process of the run holds it ({command:?})"
                )
            });
        streams[index] = bytes;
    }
    let [stdout, stderr] = streams;
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    };
    run.assert_no_panic();
    Output {
        run,
        stdout,
        stderr,
    }
}
