//! Process supervision: start a command in its own process group, drain its output without
//! ever blocking it or buffering without bound, and make sure that when we are done (or
//! dropped) the group is gone, together with any daemon that left it (livejudge is a child
//! subreaper, so orphans of the submission become its children and are killed here).

use std::collections::{HashSet, VecDeque};
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;
use tokio::net::unix::pipe;
use tokio::process::Child;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::sandbox::{Prepared, RunGuard};

/// Bytes kept from the start and from the end of each stream for display.
const KEEP_HEAD: usize = 16 * 1024;
const KEEP_TAIL: usize = 16 * 1024;
/// How long to wait for output pipes to close after the group was killed; a daemon that
/// escaped the group could hold them open for a moment.
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
        self.since(0)
    }

    /// What is kept of the bytes from stream position `offset` on (lossy, neutralised).
    pub fn since(&self, offset: u64) -> String {
        let head_end = self.head.len() as u64;
        let tail_start = self.total - self.tail.len() as u64;
        let mut text = String::new();
        if offset < head_end {
            text.push_str(&crate::util::text::neutralize_bytes(
                &self.head[offset as usize..],
            ));
        }
        let gap_start = offset.max(head_end);
        if gap_start < tail_start {
            text.push_str(&format!(
                "\n[… {} bytes omitted …]\n",
                tail_start - gap_start
            ));
        }
        let skip = offset.saturating_sub(tail_start) as usize;
        let tail: Vec<u8> = self.tail.iter().skip(skip).copied().collect();
        text.push_str(&crate::util::text::neutralize_bytes(&tail));
        text
    }
}

/// Splits a stream into the submission's bytes and boundary markers. The harness runtime
/// writes `\0LJ<nonce>:<seq>\0` to stdout and stderr at every case boundary (the nonce is
/// per run, so output cannot collide with it by accident), which tells exactly which case
/// every byte of output belongs to, however late the judge reads the pipes.
#[derive(Debug, Default)]
struct MarkerScanner {
    prefix: Vec<u8>,
    carry: Vec<u8>,
}

#[derive(Debug, PartialEq, Eq)]
enum Piece {
    Data(Vec<u8>),
    /// A marker, with its bytes (output after all, should it not be the one expected).
    Marker(u64, Vec<u8>),
}

const MAX_SEQ_DIGITS: usize = 20;

impl MarkerScanner {
    fn new(prefix: Vec<u8>) -> MarkerScanner {
        MarkerScanner {
            prefix,
            carry: Vec::new(),
        }
    }

    fn feed(&mut self, chunk: &[u8], pieces: &mut Vec<Piece>) {
        if self.prefix.is_empty() {
            pieces.push(Piece::Data(chunk.to_vec()));
            return;
        }
        let mut data = std::mem::take(&mut self.carry);
        data.extend_from_slice(chunk);
        let mut start = 0;
        let mut search = 0;
        while let Some(found) = find(&data[search..], &self.prefix).map(|i| search + i) {
            let digits_start = found + self.prefix.len();
            let terminator = data[digits_start..]
                .iter()
                .take(MAX_SEQ_DIGITS + 1)
                .position(|b| *b == 0);
            match terminator {
                Some(len) => {
                    let digits = &data[digits_start..digits_start + len];
                    let seq = std::str::from_utf8(digits)
                        .ok()
                        .and_then(|d| d.parse().ok());
                    match seq {
                        Some(seq) => {
                            if found > start {
                                pieces.push(Piece::Data(data[start..found].to_vec()));
                            }
                            let end = digits_start + len + 1;
                            pieces.push(Piece::Marker(seq, data[found..end].to_vec()));
                            start = end;
                            search = start;
                        }
                        // Looks like a marker but is not one: ordinary output.
                        None => search = found + 1,
                    }
                }
                None if data.len() - digits_start <= MAX_SEQ_DIGITS => {
                    // A marker cut by the end of the chunk: wait for the rest.
                    if found > start {
                        pieces.push(Piece::Data(data[start..found].to_vec()));
                    }
                    self.carry = data[found..].to_vec();
                    return;
                }
                None => search = found + 1,
            }
        }
        // Keep back a tail that could be the start of a marker.
        let keep = (1..self.prefix.len().min(data.len() - start + 1))
            .rev()
            .find(|&n| data.ends_with(&self.prefix[..n]))
            .unwrap_or(0);
        let data_end = data.len() - keep;
        if data_end > start {
            pieces.push(Piece::Data(data[start..data_end].to_vec()));
        }
        self.carry = data[data_end..].to_vec();
    }

    /// At the end of the stream, a partial marker is just output.
    fn finish(&mut self, pieces: &mut Vec<Piece>) {
        if !self.carry.is_empty() {
            pieces.push(Piece::Data(std::mem::take(&mut self.carry)));
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The region of output before the first boundary (the import).
pub const IMPORT_REGION: u64 = 0;

#[derive(Debug, Default)]
struct StreamState {
    buffer: CappedBuffer,
    scanner: MarkerScanner,
    /// Where each boundary fell, as a position in `buffer`.
    boundaries: std::collections::HashMap<u64, u64>,
    region: u64,
    /// Boundaries come in order, 1, 2, 3, ... up to `last_seq`: a marker out of that order
    /// (one the submission forged) is plain output, so regions stay few and bounded.
    next_seq: u64,
    last_seq: u64,
    closed: bool,
    /// A boundary never arrived (the submission redirected this stream): stop waiting.
    unmarked: bool,
}

/// Most bytes read from one pipe in one go, so a flood never holds the lock (or the judge)
/// for long.
const MAX_READ_PASS: usize = 1 << 20;

struct Stream {
    pipe: pipe::Receiver,
    /// Held while reading, so chunks are recorded in the order they were read.
    state: Mutex<StreamState>,
}

/// Captured stdout and stderr, read by a task per stream and on demand by [`Capture::sync`].
pub struct Capture {
    stdout: Stream,
    stderr: Stream,
    /// Bytes per region (the output between two boundaries), stdout and stderr together.
    regions: Mutex<std::collections::HashMap<u64, u64>>,
    limit: u64,
    /// The first region that printed more than the limit.
    exceeded: Mutex<Option<u64>>,
    exceeded_notify: Notify,
}

#[derive(Clone, Copy)]
enum Which {
    Stdout,
    Stderr,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Capture {
    fn stream(&self, which: Which) -> &Stream {
        match which {
            Which::Stdout => &self.stdout,
            Which::Stderr => &self.stderr,
        }
    }

    /// Reads what the pipe holds now with plain non-blocking reads (so nothing the process
    /// wrote before this call is missed, whatever the reactor has noticed); true once closed.
    fn read_available(&self, which: Which, through_reactor: bool) -> bool {
        let stream = self.stream(which);
        let mut state = lock(&stream.state);
        if state.closed {
            return true;
        }
        let mut chunk = vec![0u8; 64 * 1024];
        let mut pieces = Vec::new();
        let fd = std::os::fd::AsRawFd::as_raw_fd(&stream.pipe);
        let mut read_so_far = 0;
        loop {
            if read_so_far >= MAX_READ_PASS {
                return false;
            }
            let mut read = || {
                // SAFETY: reading into a buffer we own from a descriptor we own.
                let n = unsafe { libc::read(fd, chunk.as_mut_ptr().cast(), chunk.len()) };
                if n < 0 {
                    Err(std::io::Error::last_os_error())
                } else {
                    Ok(n as usize)
                }
            };
            // Through the reactor, a would-block also clears tokio's readiness flag.
            let result = if through_reactor {
                stream.pipe.try_io(read)
            } else {
                read()
            };
            match result {
                Ok(0) => break,
                Ok(n) => {
                    read_so_far += n;
                    state.scanner.feed(&chunk[..n], &mut pieces);
                    self.record(&mut state, &mut pieces);
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return false,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        state.scanner.finish(&mut pieces);
        self.record(&mut state, &mut pieces);
        state.closed = true;
        true
    }

    fn record(&self, state: &mut StreamState, pieces: &mut Vec<Piece>) {
        for piece in pieces.drain(..) {
            let piece = match piece {
                Piece::Marker(seq, raw) if seq != state.next_seq || seq > state.last_seq => {
                    Piece::Data(raw)
                }
                other => other,
            };
            match piece {
                Piece::Data(bytes) => {
                    state.buffer.push(&bytes);
                    let mut regions = lock(&self.regions);
                    let count = regions.entry(state.region).or_default();
                    *count += bytes.len() as u64;
                    if *count > self.limit {
                        let mut exceeded = lock(&self.exceeded);
                        if exceeded.is_none() {
                            *exceeded = Some(state.region);
                            self.exceeded_notify.notify_one();
                        }
                    }
                }
                Piece::Marker(seq, _) => {
                    let position = state.buffer.total();
                    state.boundaries.insert(seq, position);
                    state.region = seq;
                    state.next_seq = seq + 1;
                }
            }
        }
    }

    /// Reads everything already written to both pipes.
    pub fn sync(&self) {
        self.read_available(Which::Stdout, false);
        self.read_available(Which::Stderr, false);
    }

    /// Waits (briefly) until both streams have passed boundary `seq`, which the runtime
    /// writes before the event that carries it; after that, every byte printed before the
    /// event is counted. A stream the submission closed never shows it: then we go on.
    pub async fn reach(&self, seq: u64) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
        loop {
            if self.exceeded_region().is_some() {
                // The limit path takes over; nothing to wait for.
                return;
            }
            self.sync();
            let passed = |stream: &Stream| {
                let state = lock(&stream.state);
                state.closed || state.unmarked || state.boundaries.contains_key(&seq)
            };
            if passed(&self.stdout) && passed(&self.stderr) {
                return;
            }
            if tokio::time::Instant::now() >= deadline {
                for stream in [&self.stdout, &self.stderr] {
                    let mut state = lock(&stream.state);
                    if !state.boundaries.contains_key(&seq) {
                        state.unmarked = true;
                    }
                }
                return;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    /// Resolves once some region printed more than the limit.
    pub async fn limit_exceeded(&self) {
        if lock(&self.exceeded).is_none() {
            self.exceeded_notify.notified().await;
        }
    }

    /// The region that first printed more than the limit.
    pub fn exceeded_region(&self) -> Option<u64> {
        *lock(&self.exceeded)
    }

    pub fn region_bytes(&self, region: u64) -> u64 {
        lock(&self.regions).get(&region).copied().unwrap_or(0)
    }

    pub fn total(&self) -> u64 {
        lock(&self.regions).values().sum()
    }

    /// stderr from boundary `seq` on (all of it for [`IMPORT_REGION`]); nothing when the
    /// boundary never showed (rather than output that may belong to another case).
    pub fn stderr_from(&self, seq: u64) -> String {
        let state = lock(&self.stderr.state);
        let position = match seq {
            IMPORT_REGION => Some(0),
            seq => state.boundaries.get(&seq).copied(),
        };
        position.map(|p| state.buffer.since(p)).unwrap_or_default()
    }

    pub fn stdout_text(&self) -> String {
        lock(&self.stdout.state).buffer.text()
    }

    /// Where stdout and stderr are now, to take what comes after with [`Capture::since`].
    pub fn mark(&self) -> (u64, u64) {
        (
            lock(&self.stdout.state).buffer.total(),
            lock(&self.stderr.state).buffer.total(),
        )
    }

    /// What is kept of stdout and stderr since `mark`.
    pub fn since(&self, mark: (u64, u64)) -> (String, String) {
        (
            lock(&self.stdout.state).buffer.since(mark.0),
            lock(&self.stderr.state).buffer.since(mark.1),
        )
    }
}

async fn drain(capture: Arc<Capture>, which: Which) {
    loop {
        if capture.stream(which).pipe.readable().await.is_err() {
            break;
        }
        if capture.read_available(which, true) {
            break;
        }
        // A read pass is bounded; let the judge's other work in before the next one.
        tokio::task::yield_now().await;
    }
}

/// Leaders of running groups, so orphan reaping never touches them.
static LEADERS: Mutex<Option<HashSet<i32>>> = Mutex::new(None);

fn leaders() -> std::sync::MutexGuard<'static, Option<HashSet<i32>>> {
    LEADERS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Makes this process the reaper of its descendants' orphans, so a daemon a submission
/// double-forks out of its process group becomes our child and can be found and killed.
pub fn become_subreaper() {
    // SAFETY: prctl with integer arguments only.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1);
    }
}

/// Kills and reaps every child of ours that is not the leader of a running group: those are
/// orphans a submission left behind (they were reparented to us as the subreaper). Repeats
/// until none is left, so a process that keeps forking and exiting cannot slip through, and
/// takes down each orphan's own process group too (a setsid daemon's helpers).
pub fn reap_orphans() {
    let me = std::process::id().to_string();
    let my_group = nix::unistd::getpgrp().as_raw();
    let leaders = leaders();
    let known = leaders.clone().unwrap_or_default();
    for _ in 0..200 {
        let orphans: Vec<(i32, i32)> = children_of(&me)
            .into_iter()
            .filter(|(pid, _)| !known.contains(pid))
            .collect();
        if orphans.is_empty() {
            return;
        }
        for &(pid, group) in &orphans {
            // A group that a running submission still owns is that run's to end.
            if group > 1 && group != my_group && !known.contains(&group) {
                let _ = killpg(Pid::from_raw(group), Signal::SIGKILL);
            }
            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
        for &(pid, _) in &orphans {
            let _ = nix::sys::wait::waitpid(Pid::from_raw(pid), None);
        }
    }
}

/// (pid, process group) of every process whose parent is `parent`.
fn children_of(parent: &str) -> Vec<(i32, i32)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let pid = entry.file_name().to_str()?.parse::<i32>().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            let rest = &stat[stat.rfind(')')? + 2..];
            let mut fields = rest.split(' ');
            let (_state, ppid, group) = (fields.next(), fields.next()?, fields.next()?);
            (ppid == parent).then(|| Some((pid, group.parse().ok()?)))?
        })
        .collect()
}

/// A started process group.
pub struct Running {
    child: Child,
    pgid: Option<Pid>,
    /// The box's cgroup, if any: dropped (killing what is left in it) after the group.
    guard: RunGuard,
    status: Option<ExitStatus>,
    readers: Vec<JoinHandle<()>>,
    pub capture: Arc<Capture>,
    /// Where no memory cgroup holds the limit: the sampler of what the run's processes use,
    /// and whether it stopped them for going over.
    memory_watch: Option<(JoinHandle<()>, Arc<AtomicBool>)>,
}

/// Starts `command` in a new process group with stdin from /dev/null and captured output.
/// `output_limit` is the number of bytes (stdout + stderr) after which
/// [`Capture::limit_exceeded`] fires.
/// `markers` is the boundary marker prefix the process writes and the last boundary number
/// it may write (see [`MarkerScanner`]).
pub fn spawn(
    prepared: Prepared,
    output_limit: u64,
    markers: Option<(Vec<u8>, u64)>,
) -> std::io::Result<Running> {
    use std::os::unix::process::CommandExt;
    let Prepared { mut command, guard } = prepared;
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    // Registering the leader under the same lock that orphan reaping takes means a child
    // is never seen, between fork and registration, as somebody's orphan.
    let mut leaders = leaders();
    let mut child = tokio::process::Command::from(command)
        .kill_on_drop(true)
        .spawn()?;
    let pgid = child.id().map(|id| Pid::from_raw(id as i32));
    if let Some(pgid) = pgid {
        leaders
            .get_or_insert_with(HashSet::new)
            .insert(pgid.as_raw());
    }
    drop(leaders);
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err(std::io::Error::other("the child's output is not captured"));
    };
    let (prefix, last_seq) = markers.unwrap_or_default();
    let stream = |fd: std::os::fd::OwnedFd| -> std::io::Result<Stream> {
        Ok(Stream {
            pipe: pipe::Receiver::from_owned_fd(fd)?,
            state: Mutex::new(StreamState {
                scanner: MarkerScanner::new(prefix.clone()),
                next_seq: 1,
                last_seq,
                ..StreamState::default()
            }),
        })
    };
    let capture = Arc::new(Capture {
        stdout: stream(stdout.into_owned_fd()?)?,
        stderr: stream(stderr.into_owned_fd()?)?,
        regions: Mutex::new(Default::default()),
        limit: output_limit,
        exceeded: Mutex::new(None),
        exceeded_notify: Notify::new(),
    });
    let readers = vec![
        tokio::spawn(drain(capture.clone(), Which::Stdout)),
        tokio::spawn(drain(capture.clone(), Which::Stderr)),
    ];
    let memory_watch = match (guard.memory_watch(), pgid) {
        (Some(limit), Some(leader)) => {
            let exceeded = Arc::new(AtomicBool::new(false));
            let watcher = tokio::spawn(super::memory::watch(leader, limit, exceeded.clone()));
            Some((watcher, exceeded))
        }
        _ => None,
    };
    Ok(Running {
        child,
        pgid,
        guard,
        status: None,
        readers,
        capture,
        memory_watch,
    })
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
        let status = self.guard.payload_status(status);
        self.status = Some(status);
        status
    }

    pub fn signal_group(&self, signal: Signal) {
        if let Some(pgid) = self.pgid {
            let _ = killpg(pgid, signal);
        }
    }

    /// CPU time (user + system, all threads) of every process of the run so far: from the
    /// box's cgroup when it has one, else summed over the leader and its descendants.
    pub fn cpu_used(&self) -> Option<Duration> {
        if let Some(used) = self.guard.cpu_used() {
            return Some(used);
        }
        let leader = self.pgid?.as_raw();
        let total: Duration = process_tree(leader)
            .into_iter()
            .filter_map(process_cpu)
            .sum();
        Some(total)
    }

    /// Sends `signal` to the launched program itself (inside its box, if any), not to the
    /// whole group: a server asked to stop gets the chance to. False when it is gone.
    pub fn signal_payload(&self, signal: Signal) -> bool {
        let Some(mut pid) = self.pgid.map(|p| p.as_raw()) else {
            return false;
        };
        for _ in 0..self.guard.payload_depth() {
            let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
                .unwrap_or_default();
            match children
                .split_whitespace()
                .next()
                .and_then(|c| c.parse().ok())
            {
                Some(child) => pid = child,
                None => return false,
            }
        }
        kill(Pid::from_raw(pid), signal).is_ok()
    }

    /// Whether the box's memory limit killed one of its processes (the memory cgroup, or
    /// the supervisor's sampling where there is none).
    pub fn memory_exceeded(&self) -> bool {
        self.guard.memory_exceeded()
            || self
                .memory_watch
                .as_ref()
                .is_some_and(|(_, exceeded)| exceeded.load(Ordering::SeqCst))
    }

    /// Gives every process of the run `budget` more CPU time from now by moving its soft
    /// RLIMIT_CPU (in whole seconds, so this rounds up). Only the soft limit moves: raising a
    /// hard limit needs a privilege the judge may not have, so the launcher sets the hard
    /// limit as the whole run's backstop.
    pub fn grant_cpu(&self, budget: Duration) {
        let Some(leader) = self.pgid else {
            return;
        };
        for pid in process_tree(leader.as_raw()) {
            if let Some(used) = process_cpu(pid) {
                grant_process_cpu(pid, used + budget);
            }
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
        let status = self.wait().await;
        // Writers that left the group would otherwise keep the pipes busy.
        self.signal_group(Signal::SIGKILL);
        self.guard.kill_all();
        reap_orphans();
        status
    }

    /// Kills whatever is left of the group and its orphans, waits for the leader, and
    /// drains the output.
    pub async fn finish(mut self) -> (ExitStatus, Arc<Capture>) {
        if self.status.is_none() {
            self.signal_group(Signal::SIGKILL);
        }
        let status = self.wait().await;
        // Children that outlived the leader still belong to the group (or the box).
        self.signal_group(Signal::SIGKILL);
        self.guard.kill_all();
        self.forget_leader();
        reap_orphans();
        for reader in std::mem::take(&mut self.readers) {
            let abort = reader.abort_handle();
            if tokio::time::timeout(DRAIN_TIMEOUT, reader).await.is_err() {
                abort.abort();
            }
        }
        self.capture.sync();
        (status, self.capture.clone())
    }

    fn forget_leader(&mut self) {
        if let Some(pgid) = self.pgid.take()
            && let Some(set) = leaders().as_mut()
        {
            set.remove(&pgid.as_raw());
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // Dropped mid-run (Ctrl-C, an error, a cancelled task): take the whole group down,
        // and whatever left it (`finish` already did this for a run that ended normally).
        let still_running = self.pgid.is_some();
        self.signal_group(Signal::SIGKILL);
        self.guard.kill_all();
        self.forget_leader();
        if still_running {
            reap_orphans();
        }
        for reader in &self.readers {
            reader.abort();
        }
        if let Some((watcher, _)) = &self.memory_watch {
            watcher.abort();
        }
    }
}

/// `pid` and its descendants, found through /proc's `children` lists.
pub(super) fn process_tree(pid: i32) -> Vec<i32> {
    let mut tree = vec![pid];
    let mut next = 0;
    while next < tree.len() && tree.len() < 10_000 {
        let parent = tree[next];
        next += 1;
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{parent}/task")) else {
            continue;
        };
        for task in tasks.flatten() {
            let children =
                std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
            tree.extend(
                children
                    .split_whitespace()
                    .filter_map(|c| c.parse::<i32>().ok()),
            );
        }
    }
    tree
}

/// CPU time (user + system, all threads) a live process has used.
fn process_cpu(pid: i32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command name.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Some(Duration::from_millis(ticks * 1000 / per_second))
}

/// Moves `pid`'s soft RLIMIT_CPU to `total` (rounded up to whole seconds), under its hard one.
fn grant_process_cpu(pid: i32, total: Duration) {
    let mut current = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: prlimit on a process of ours, reading into a struct we own.
    let read = unsafe { libc::prlimit(pid, libc::RLIMIT_CPU, std::ptr::null(), &mut current) };
    if read != 0 {
        return;
    }
    let wanted = total.as_millis().div_ceil(1000).max(1) as u64;
    let limit = libc::rlimit {
        rlim_cur: wanted.min(current.rlim_max),
        rlim_max: current.rlim_max,
    };
    // SAFETY: as above, with a valid new value and no old value requested.
    unsafe {
        libc::prlimit(pid, libc::RLIMIT_CPU, &limit, std::ptr::null_mut());
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
    fn small_output_is_kept_whole_and_can_be_sliced() {
        let mut b = CappedBuffer::default();
        b.push(b"hello ");
        b.push(b"world");
        assert_eq!(b.text(), "hello world");
        assert_eq!(b.since(6), "world");
        assert_eq!(b.since(11), "");
        assert_eq!(b.omitted(), 0);
    }

    #[test]
    fn slices_of_a_long_stream_come_from_head_and_tail() {
        let mut b = CappedBuffer::default();
        b.push(&vec![b'a'; KEEP_HEAD]);
        b.push(&vec![b'b'; 50_000]);
        b.push(b"case two");
        let end = b.total();
        assert_eq!(b.since(end - 8), "case two");
        // From inside the dropped middle: a marker, then the tail.
        let from_middle = b.since(KEEP_HEAD as u64 + 10);
        assert!(from_middle.starts_with("\n[… "), "{from_middle:.40}");
        assert!(from_middle.ends_with("case two"));
        // From inside the head: the rest of the head, the marker, the tail.
        assert!(b.since(KEEP_HEAD as u64 - 2).starts_with("aa\n[… "));
    }

    #[tokio::test]
    async fn output_limit_fires_and_the_group_is_killed() {
        let mut command = std::process::Command::new("sh");
        command.args(["-c", "sleep 30 & yes"]);
        let running = spawn(Prepared::unboxed(command), 100_000, None).unwrap();
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

    #[tokio::test]
    async fn output_is_attributed_to_the_region_between_its_markers() {
        let mut command = std::process::Command::new("sh");
        // 200 KB (more than a pipe holds) before boundary 1, a forged boundary 5 (out of
        // order, so plain output), then 5 + 4 bytes after boundary 1.
        command.args([
            "-c",
            "head -c 200000 /dev/zero; printf '\\0LJab:1\\0'; printf '\\0LJab:1\\0' >&2; \\
             printf '\\0LJab:5\\0hello'; printf oops >&2; sleep 5",
        ]);
        let running = spawn(
            Prepared::unboxed(command),
            100_000,
            Some((b"\0LJab:".to_vec(), 3)),
        )
        .unwrap();
        // The import region went over the limit, so reaching returns at once; wait for the
        // rest by hand.
        let capture = running.capture.clone();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !capture.stderr_from(1).contains("oops") || !capture.stdout_text().ends_with("hello")
        {
            assert!(std::time::Instant::now() < deadline, "output never arrived");
            capture.sync();
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(capture.region_bytes(IMPORT_REGION), 200_000);
        assert_eq!(
            capture.region_bytes(1),
            8 + 5 + 4,
            "the forged marker counts as output"
        );
        assert_eq!(capture.exceeded_region(), Some(IMPORT_REGION));
        assert_eq!(capture.stderr_from(1), "oops");
        assert_eq!(
            capture.stderr_from(2),
            "",
            "a boundary that never came shows nothing"
        );
        assert!(capture.stdout_text().ends_with("\\u{0}LJab:5\\u{0}hello"));
        running.finish().await;
    }

    fn scan(prefix: &[u8], chunks: &[&[u8]]) -> Vec<Piece> {
        let mut scanner = MarkerScanner::new(prefix.to_vec());
        let mut pieces = Vec::new();
        for chunk in chunks {
            scanner.feed(chunk, &mut pieces);
        }
        scanner.finish(&mut pieces);
        // Merge adjacent data for comparison.
        let mut merged: Vec<Piece> = Vec::new();
        for piece in pieces {
            match (merged.last_mut(), piece) {
                (Some(Piece::Data(a)), Piece::Data(b)) => a.extend(b),
                (_, Piece::Marker(seq, _)) => merged.push(Piece::Marker(seq, vec![])),
                (_, piece) => merged.push(piece),
            }
        }
        merged
    }

    #[test]
    fn markers_are_found_across_chunk_boundaries() {
        let data = |s: &str| Piece::Data(s.as_bytes().to_vec());
        assert_eq!(
            scan(b"\0M", &[b"ab\0M12\0cd"]),
            [data("ab"), Piece::Marker(12, vec![]), data("cd")]
        );
        assert_eq!(
            scan(b"\0M", &[b"ab\0", b"M1", b"2\0cd\0"]),
            [data("ab"), Piece::Marker(12, vec![]), data("cd\0")]
        );
        // Not a marker: no digits, too many digits, or cut off at the end.
        assert_eq!(scan(b"\0M", &[b"x\0Mq\0y"]), [data("x\0Mq\0y")]);
        assert_eq!(scan(b"\0M", &[b"\0M123"]), [data("\0M123")]);
        assert_eq!(
            scan(b"\0M", &[b"\0M", b"1\0\0M2\0"]),
            [Piece::Marker(1, vec![]), Piece::Marker(2, vec![])]
        );
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
