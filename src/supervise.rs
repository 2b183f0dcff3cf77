//! Process supervision: start a command in its own process group, drain its output without
//! ever blocking it or buffering without bound, and make sure that when we are done (or
//! dropped) the whole group is gone.

use std::collections::VecDeque;
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::AsyncReadExt;
use tokio::process::{Child, ChildStderr, ChildStdout};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// Bytes kept from the start and from the end of each stream for display.
const KEEP_HEAD: usize = 16 * 1024;
const KEEP_TAIL: usize = 16 * 1024;
/// How long to wait for output pipes to close after the group was killed; a daemon that
/// escaped the group could hold them open forever.
const DRAIN_TIMEOUT: Duration = Duration::from_millis(300);

/// The first and last part of a stream, and how much was dropped in between.
#[derive(Debug, Clone, Default)]
pub struct CappedBuffer {
    head: Vec<u8>,
    tail: VecDeque<u8>,
    total: u64,
}

impl CappedBuffer {
    pub fn push(&mut self, mut chunk: &[u8]) {
        self.total += chunk.len() as u64;
        if self.head.len() < KEEP_HEAD {
            let take = chunk.len().min(KEEP_HEAD - self.head.len());
            self.head.extend_from_slice(&chunk[..take]);
            chunk = &chunk[take..];
        }
        if chunk.len() >= KEEP_TAIL {
            self.tail.clear();
            self.tail.extend(&chunk[chunk.len() - KEEP_TAIL..]);
        } else {
            let overflow = (self.tail.len() + chunk.len()).saturating_sub(KEEP_TAIL);
            self.tail.drain(..overflow);
            self.tail.extend(chunk);
        }
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    /// Bytes neither in the head nor in the tail.
    pub fn omitted(&self) -> u64 {
        self.total - self.head.len() as u64 - self.tail.len() as u64
    }

    /// Lossy, neutralised text with a marker where bytes were dropped.
    pub fn text(&self) -> String {
        let tail: Vec<u8> = self.tail.iter().copied().collect();
        let mut text = crate::text::neutralize_bytes(&self.head);
        if self.omitted() > 0 {
            text.push_str(&format!("\n[… {} bytes omitted …]\n", self.omitted()));
        }
        text.push_str(&crate::text::neutralize_bytes(&tail));
        text
    }
}

/// Captured stdout and stderr, shared with the reader tasks.
#[derive(Debug, Default)]
pub struct Capture {
    pub stdout: Mutex<CappedBuffer>,
    pub stderr: Mutex<CappedBuffer>,
    total: AtomicU64,
    limit: u64,
    exceeded: AtomicBool,
    exceeded_notify: Notify,
}

impl Capture {
    fn new(limit: u64) -> Capture {
        Capture {
            limit,
            ..Capture::default()
        }
    }

    fn record(&self, is_stderr: bool, chunk: &[u8]) {
        let stream = if is_stderr {
            &self.stderr
        } else {
            &self.stdout
        };
        if let Ok(mut buffer) = stream.lock() {
            buffer.push(chunk);
        }
        let total =
            self.total.fetch_add(chunk.len() as u64, Ordering::Relaxed) + chunk.len() as u64;
        if total > self.limit && !self.exceeded.swap(true, Ordering::SeqCst) {
            self.exceeded_notify.notify_one();
        }
    }

    /// Resolves once stdout + stderr together exceeded the output limit.
    pub async fn limit_exceeded(&self) {
        if !self.exceeded.load(Ordering::SeqCst) {
            self.exceeded_notify.notified().await;
        }
    }

    pub fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    pub fn stderr_text(&self) -> String {
        self.stderr.lock().map(|b| b.text()).unwrap_or_default()
    }
}

/// A started process group.
pub struct Running {
    child: Child,
    pgid: Option<Pid>,
    status: Option<ExitStatus>,
    readers: Vec<JoinHandle<()>>,
    pub capture: Arc<Capture>,
}

/// Starts `command` in a new process group with stdin from /dev/null and captured output.
/// `output_limit` is the number of bytes (stdout + stderr) after which
/// [`Capture::limit_exceeded`] fires.
pub fn spawn(mut command: std::process::Command, output_limit: u64) -> std::io::Result<Running> {
    use std::os::unix::process::CommandExt;
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = tokio::process::Command::from(command)
        .kill_on_drop(true)
        .spawn()?;
    let pgid = child.id().map(|id| Pid::from_raw(id as i32));
    let capture = Arc::new(Capture::new(output_limit));
    let mut readers = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        readers.push(tokio::spawn(drain(Stream::Out(stdout), capture.clone())));
    }
    if let Some(stderr) = child.stderr.take() {
        readers.push(tokio::spawn(drain(Stream::Err(stderr), capture.clone())));
    }
    Ok(Running {
        child,
        pgid,
        status: None,
        readers,
        capture,
    })
}

enum Stream {
    Out(ChildStdout),
    Err(ChildStderr),
}

async fn drain(stream: Stream, capture: Arc<Capture>) {
    let mut buffer = vec![0u8; 64 * 1024];
    let (is_stderr, mut reader): (bool, Box<dyn tokio::io::AsyncRead + Unpin + Send>) = match stream
    {
        Stream::Out(s) => (false, Box::new(s)),
        Stream::Err(s) => (true, Box::new(s)),
    };
    loop {
        match reader.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => capture.record(is_stderr, &buffer[..n]),
        }
    }
}

impl Running {
    /// Waits for the group leader to exit. Cancel-safe.
    pub async fn wait(&mut self) -> ExitStatus {
        if let Some(status) = self.status {
            return status;
        }
        let status = match self.child.wait().await {
            Ok(status) => status,
            // Waiting only fails if the child was already reaped; report it as killed.
            Err(_) => std::os::unix::process::ExitStatusExt::from_raw(libc::SIGKILL),
        };
        self.status = Some(status);
        status
    }

    pub fn exited(&self) -> Option<ExitStatus> {
        self.status
    }

    pub fn signal_group(&self, signal: Signal) {
        if let Some(pgid) = self.pgid {
            let _ = killpg(pgid, signal);
        }
    }

    /// SIGTERM to the group, then SIGKILL after `grace` if the leader is still running.
    pub async fn terminate(&mut self, grace: Duration) -> ExitStatus {
        if self.status.is_none() {
            self.signal_group(Signal::SIGTERM);
            if tokio::time::timeout(grace, self.wait()).await.is_err() {
                self.signal_group(Signal::SIGKILL);
            }
        }
        self.wait().await
    }

    /// Kills whatever is left of the group, waits for the leader, and drains the output.
    pub async fn finish(mut self) -> (ExitStatus, Arc<Capture>) {
        if self.status.is_none() {
            self.signal_group(Signal::SIGKILL);
        }
        let status = self.wait().await;
        // Children that outlived the leader still belong to the group.
        self.signal_group(Signal::SIGKILL);
        self.pgid = None;
        for reader in std::mem::take(&mut self.readers) {
            let abort = reader.abort_handle();
            if tokio::time::timeout(DRAIN_TIMEOUT, reader).await.is_err() {
                abort.abort();
            }
        }
        (status, self.capture.clone())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // Dropped mid-run (Ctrl-C, an error, a cancelled task): take the whole group down.
        self.signal_group(Signal::SIGKILL);
        for reader in &self.readers {
            reader.abort();
        }
    }
}

/// "exited with status 3", "was killed by SIGSEGV (segmentation fault)".
pub fn describe_status(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    if let Some(code) = status.code() {
        return format!("exited with status {code}");
    }
    match status.signal() {
        Some(n) => {
            let name = Signal::try_from(n)
                .map(|s| s.as_str().to_owned())
                .unwrap_or_else(|_| format!("signal {n}"));
            let meaning = match n {
                libc::SIGSEGV => " (segmentation fault)",
                libc::SIGABRT => " (aborted)",
                libc::SIGKILL => " (killed)",
                libc::SIGXCPU => " (CPU time limit)",
                libc::SIGBUS => " (bus error)",
                libc::SIGFPE => " (arithmetic error)",
                _ => "",
            };
            format!("was killed by {name}{meaning}")
        }
        None => "ended in an unknown way".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capped_buffer_keeps_head_and_tail() {
        let mut b = CappedBuffer::default();
        b.push(&vec![b'a'; KEEP_HEAD]);
        b.push(&vec![b'b'; 100_000]);
        b.push(b"END");
        assert_eq!(b.total(), KEEP_HEAD as u64 + 100_003);
        assert_eq!(b.omitted(), 100_003 - KEEP_TAIL as u64);
        let text = b.text();
        assert!(text.starts_with("aaa"));
        assert!(text.ends_with("bbbEND"));
        assert!(text.contains(&format!("[… {} bytes omitted …]", b.omitted())));
    }

    #[test]
    fn small_output_is_kept_whole() {
        let mut b = CappedBuffer::default();
        b.push(b"hello ");
        b.push(b"world");
        assert_eq!(b.text(), "hello world");
        assert_eq!(b.omitted(), 0);
    }

    #[tokio::test]
    async fn output_limit_fires_and_the_group_is_killed() {
        let mut command = std::process::Command::new("sh");
        command.args(["-c", "sleep 30 & yes"]);
        let running = spawn(command, 100_000).unwrap();
        tokio::time::timeout(Duration::from_secs(10), running.capture.limit_exceeded())
            .await
            .expect("limit should fire");
        let pgid = running.pgid.unwrap();
        let (status, capture) = running.finish().await;
        assert!(describe_status(status).contains("SIGKILL"), "{status:?}");
        assert!(capture.total() > 100_000);
        // The background `sleep` was in the group and is gone too (zombies aside, which
        // the system reaps once they are orphaned).
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while live_members(pgid.as_raw()) > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "group {pgid} still alive"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn live_members(pgid: i32) -> usize {
        std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
            .filter(|stat| {
                // Fields after the command name: state, ppid, pgrp, ...
                let rest = &stat[stat.rfind(')').unwrap() + 2..];
                let fields: Vec<&str> = rest.split(' ').collect();
                fields[0] != "Z" && fields[2] == pgid.to_string()
            })
            .count()
    }
}
