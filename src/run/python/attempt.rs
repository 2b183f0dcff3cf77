//! One attempt: a process of the runtime in its box, running pending cases in order until
//! they are all settled or one of them ends the process (hang, crash, flood); the run starts
//! a fresh attempt for the rest.

use std::io::{Seek, Write};
use std::os::fd::OwnedFd;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::load::{load_problem, raised_exception};
use super::protocol::{
    CASES_FD, ChannelError, EVENTS_FD, GO_FD, LineReader, MAX_EVENT_LINE, PROTOCOL,
};
use super::{HARNESS_FILE, RUNTIME_FILE, SitesLink, resolved};
use crate::outcome::{
    CaseObservation, CaseOutput, LoadProblem, LoadProblemKind, Observation, TimeScope,
};
use crate::run::sites::Web;
use crate::run::supervise::{self, Running, describe_status};
use crate::run::{Interrupted, RunContext};
use crate::sandbox::{Launch, ProcessLimits, relay};
use crate::util::text::{neutralize, tail_lines};
use tokio::net::unix::pipe;

/// Grace between SIGTERM and SIGKILL when a run is stopped.
const STOP_GRACE: Duration = Duration::from_millis(100);

/// How long a process whose harness channel closed may take to exit by itself.
const EXIT_AFTER_CLOSE: Duration = Duration::from_millis(500);

/// How long to keep reading events after the process exited.
const DRAIN_AFTER_EXIT: Duration = Duration::from_millis(300);

/// The import gets at least this long, however short the per-case limit.
const MIN_LOAD_TIME: Duration = Duration::from_secs(10);

/// After the last case, the runtime reports `done` at once; this is only a backstop.
const DONE_TIMEOUT: Duration = Duration::from_secs(5);

/// How often the CPU time of the case in progress is checked against its budget.
const CPU_CHECK_INTERVAL: Duration = Duration::from_millis(100);

const STDERR_TAIL_LINES: usize = 30;

const STDERR_TAIL_BYTES: usize = 4096;

/// How long a case's end waits for the websites to see its last requests close.
const SITES_SETTLE: Duration = Duration::from_millis(500);

/// How an attempt's process ended.
struct Ending {
    status: std::process::ExitStatus,
    /// The box's memory limit killed one of its processes.
    memory_exceeded: bool,
    stderr_tail: String,
    exceeded_region: Option<u64>,
}

pub(super) struct AttemptEnd {
    /// How many of the pending cases (from the front) are settled.
    pub(super) resolved: usize,
    /// Nothing more can run (load problem, harness error, run time used up).
    pub(super) stop: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    /// Started, waiting for the runtime's hello.
    Starting,
    /// The runtime imports the task's harness: problems now are the task's, not the
    /// candidate's.
    Preparing,
    /// The runtime imports the submission.
    Loading,
    Between,
    InCase {
        started: Instant,
    },
}

enum End {
    Done,
    LoadFailed(LoadProblem),
    HarnessError(String),
    /// The events channel closed before `done`.
    Closed,
    Corrupt(String),
    OutputLimit,
    /// The case in progress used more CPU time than its budget.
    CpuLimit,
    /// An event line too large to be an observation.
    Oversized,
    /// The attempt settled the case it stopped on itself (it printed past the limit).
    Stopped,
    /// A deadline passed at `at`; `run` when it was the whole run's.
    Timeout {
        run: bool,
        at: Instant,
    },
}

pub(super) struct Attempt<'s, 'a> {
    setup: &'s RunContext<'a>,
    pending: &'s [usize],
    run_deadline: Instant,
    /// Position in `pending` of the next case to start or the case running.
    next: usize,
    started: Instant,
    /// The output region (between two boundaries the runtime marks in stdout and stderr) of
    /// the case in progress or last started, and the region output goes to now.
    case_region: u64,
    region: u64,
    /// The region after `loaded` (output there is outside any case, before the first).
    loaded_region: Option<u64>,
    /// CPU time the process had used when the case in progress started.
    case_cpu_start: Option<Duration>,
    /// Set once a case's deadline passed: its end, if still read, comes too late.
    timed_out: bool,
    /// The per-run nonce that makes the runtime's boundary markers unforgeable by accident.
    marker: String,
    /// Without a box: the host ports the sites stand on, for URLs going in and out.
    ports: Option<std::sync::Arc<crate::run::sites::PortMap>>,
    /// The task's fixture websites, linked into the box through `network`.
    web: Option<Web>,
    network: relay::Plan,
    /// The write end of the go channel, while a process runs.
    go: Option<std::fs::File>,
}

impl<'s, 'a> Attempt<'s, 'a> {
    pub(super) fn new(
        setup: &'s RunContext<'a>,
        pending: &'s [usize],
        run_deadline: Instant,
        sites: Option<&SitesLink>,
    ) -> Self {
        Attempt {
            setup,
            pending,
            run_deadline,
            next: 0,
            started: Instant::now(),
            case_region: supervise::IMPORT_REGION,
            region: supervise::IMPORT_REGION,
            loaded_region: None,
            case_cpu_start: None,
            timed_out: false,
            marker: random_hex(8),
            web: sites.map(|s| s.serving.web.clone()),
            ports: sites.and_then(|s| s.ports.clone()),
            network: sites.map(|s| s.plan.clone()).unwrap_or_default(),
            go: None,
        }
    }

    fn judge_error_for_all(
        &self,
        message: String,
        sink: &mut dyn FnMut(CaseObservation),
    ) -> AttemptEnd {
        for &index in &self.pending[self.next..] {
            sink(resolved(
                index,
                Observation::JudgeError(message.clone()),
                Duration::ZERO,
            ));
        }
        AttemptEnd {
            resolved: self.pending.len(),
            stop: true,
        }
    }

    fn request(&self) -> Vec<u8> {
        let task = self.setup.task;
        let cases: Vec<Value> = self
            .pending
            .iter()
            .map(|&i| {
                let input = &task.cases[i].input;
                let input = match &self.ports {
                    Some(ports) => ports.to_host(input),
                    None => input.clone(),
                };
                json!({"id": task.cases[i].id, "input": input})
            })
            .collect();
        json!({
            "protocol": PROTOCOL,
            "entry": task.entry,
            "module": task.entry_module(),
            "names": task.required_names,
            "harness": self.setup.launcher.view(&self.setup.dirs).judge.join(HARNESS_FILE),
            "marker": self.marker,
            "cases": cases,
        })
        .to_string()
        .into_bytes()
    }

    fn start(&mut self) -> std::io::Result<(supervise::Running, pipe::Receiver)> {
        let setup = self.setup;
        // Inputs go through an unlinked file: no path in the run directory, no pipe to keep
        // fed while the process starts.
        let mut cases_file = tempfile::tempfile()?;
        cases_file.write_all(&self.request())?;
        cases_file.rewind()?;
        let (events_read, events_write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
        let inside = setup.launcher.view(&setup.dirs);
        let mut channels = vec![
            ("LIVEJUDGE_CASES_FD", CASES_FD.to_string()),
            ("LIVEJUDGE_EVENTS_FD", EVENTS_FD.to_string()),
        ];
        let mut pass_fds = vec![
            (OwnedFd::from(cases_file), CASES_FD),
            (events_write, EVENTS_FD),
        ];
        if self.web.is_some() {
            let (go_read, go_write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
            // The submission can reopen its end for writing and fill the pipe: the judge's
            // write must never block (a go that does not fit is a case that times out).
            nix::fcntl::fcntl(
                &go_write,
                nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
            )?;
            channels.push(("LIVEJUDGE_GO_FD", GO_FD.to_string()));
            pass_fds.push((go_read, GO_FD));
            self.go = Some(std::fs::File::from(go_write));
        }
        let env = crate::sandbox::base_env(&setup.python, &inside, &channels);
        let limits = &setup.task.limits;
        let launch = Launch {
            program: setup.python.clone(),
            args: vec![
                "-I".into(),
                "-B".into(),
                "-X".into(),
                "utf8".into(),
                inside.judge.join(RUNTIME_FILE).into(),
            ],
            env,
            dirs: setup.dirs.clone(),
            read_only: setup.read_only.clone(),
            conceal: vec![setup.task.dir.clone(), setup.task.fixtures_dir.clone()],
            pass_fds,
            limits: ProcessLimits {
                cpu_time: limits.cpu_time,
                // Every case may use its whole budget, on up to all cores at once.
                cpu_backstop: limits.run_wall_time * 2 + Duration::from_secs(1),
                memory: limits.memory,
                processes: limits.processes,
                disk: limits.disk,
            },
            network: self.network.clone(),
        };
        let marker = format!("\0LJ{}:", self.marker).into_bytes();
        // Boundaries: one at `loaded`, then one at each case's start and end.
        let last_seq = 1 + 2 * self.pending.len() as u64;
        let running = supervise::spawn(
            setup.launcher.prepare(launch)?,
            setup.task.limits.output,
            Some((marker, last_seq)),
        )?;
        // `spawn` consumed the command, closing our copy of the write end: EOF on the
        // events channel now means every process holding it is gone.
        let events = pipe::Receiver::from_owned_fd(events_read)?;
        Ok((running, events))
    }

    fn deadline(&self, phase: Phase, load_deadline: Instant, last_event: Instant) -> Instant {
        let cases = &self.setup.task.cases;
        let case_limit = |k: usize| {
            self.pending
                .get(k)
                .map_or(Duration::ZERO, |&i| cases[i].wall_time)
        };
        let deadline = match phase {
            Phase::Starting | Phase::Preparing | Phase::Loading => load_deadline,
            Phase::InCase { started } => started + case_limit(self.next),
            Phase::Between if self.next == self.pending.len() => last_event + DONE_TIMEOUT,
            Phase::Between => last_event + case_limit(self.next),
        };
        deadline.min(self.run_deadline)
    }

    pub(super) async fn run(
        mut self,
        cancel: &CancellationToken,
        sink: &mut dyn FnMut(CaseObservation),
    ) -> Result<AttemptEnd, Interrupted> {
        let (mut running, events) = match self.start() {
            Ok(started) => started,
            Err(e) => {
                return Ok(
                    self.judge_error_for_all(format!("cannot start the Python harness: {e}"), sink)
                );
            }
        };
        let capture = running.capture.clone();
        let mut reader = LineReader::new(events);
        let started = Instant::now();
        let load_deadline = started + self.setup.task.limits.case_wall_time.max(MIN_LOAD_TIME);
        let mut phase = Phase::Starting;
        let mut last_event = started;
        let mut drain_until: Option<Instant> = None;
        let mut cpu_check = tokio::time::interval(CPU_CHECK_INTERVAL);
        cpu_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

        let end = loop {
            let deadline = self.deadline(phase, load_deadline, last_event);
            let timer = drain_until.map_or(deadline, |d| d.min(deadline));
            tokio::select! {
                biased;
                _ = cancel.cancelled() => return Err(Interrupted),
                _ = capture.limit_exceeded() => break End::OutputLimit,
                line = reader.next_line() => {
                    let line = match line {
                        Ok(Some(line)) => line,
                        Ok(None) => break End::Closed,
                        Err(ChannelError::TooLong) => break End::Oversized,
                        Err(ChannelError::Broken(e)) => break End::Corrupt(e),
                    };
                    last_event = Instant::now();
                    match self.on_event(&line, &mut phase, &running, sink).await {
                        Ok(None) => {}
                        Ok(Some(end)) => break end,
                        Err(e) => break End::Corrupt(e),
                    }
                }
                _ = cpu_check.tick(), if matches!(phase, Phase::InCase { .. }) => {
                    if self.over_cpu_budget(&running) {
                        break End::CpuLimit;
                    }
                }
                _ = running.wait(), if drain_until.is_none() => {
                    // Whatever the process left behind goes now; the events it wrote are
                    // still in the pipe and read below.
                    running.signal_group(nix::sys::signal::Signal::SIGKILL);
                    drain_until = Some(Instant::now() + DRAIN_AFTER_EXIT);
                }
                _ = tokio::time::sleep_until(timer.into()) => {
                    if drain_until.is_some_and(|d| Instant::now() >= d) && Instant::now() < deadline {
                        break End::Closed;
                    }
                    let at = Instant::now();
                    self.timed_out = true;
                    break End::Timeout { run: at >= self.run_deadline, at };
                }
            }
        };

        let mut end = end;
        match end {
            // The runtime exits on its own right after `done` / a load failure.
            End::Done | End::LoadFailed(_) | End::HarnessError(_) => {
                running.terminate(Duration::from_secs(1)).await;
            }
            End::OutputLimit | End::Timeout { .. } => {
                running.terminate(STOP_GRACE).await;
                // Events written before the stop may still be in the pipe: read them, so
                // the blame falls on the case that was really running.
                if let Some(later) = self.drain(&mut reader, &mut phase, &running, sink).await {
                    end = later;
                }
            }
            End::Closed => {
                // The channel closes when the process dies, a moment before a box around it
                // exits with its status: wait for that, so the crash is told truly.
                let _ = tokio::time::timeout(EXIT_AFTER_CLOSE, running.wait()).await;
                running.terminate(STOP_GRACE).await;
            }
            End::Corrupt(_) | End::Oversized | End::Stopped | End::CpuLimit => {
                running.terminate(STOP_GRACE).await;
            }
        }
        let running_memory_exceeded = running.memory_exceeded();
        let (status, capture) = running.finish().await;
        // Only what the failing case itself wrote: never another (hidden) case's output.
        let region = match phase {
            Phase::InCase { .. } => self.case_region,
            Phase::Between => self.region,
            Phase::Starting | Phase::Preparing | Phase::Loading => supervise::IMPORT_REGION,
        };
        let stderr_tail = tail_lines(
            &capture.stderr_from(region),
            STDERR_TAIL_LINES,
            STDERR_TAIL_BYTES,
        );
        let exceeded = capture.exceeded_region();
        let ended = Ending {
            status,
            memory_exceeded: running_memory_exceeded,
            stderr_tail,
            exceeded_region: exceeded,
        };
        Ok(self.settle(end, phase, ended, sink))
    }

    fn over_cpu_budget(&self, process: &Running) -> bool {
        match (self.case_cpu_start, process.cpu_used()) {
            (Some(start), Some(now)) => now.saturating_sub(start) > self.setup.task.limits.cpu_time,
            _ => false,
        }
    }

    /// Reads what is left in the events channel after the process was stopped.
    async fn drain(
        &mut self,
        reader: &mut LineReader,
        phase: &mut Phase,
        process: &Running,
        sink: &mut dyn FnMut(CaseObservation),
    ) -> Option<End> {
        let until = Instant::now() + DRAIN_AFTER_EXIT;
        loop {
            match tokio::time::timeout_at(until.into(), reader.next_line()).await {
                Ok(Ok(Some(line))) => match self.on_event(&line, phase, process, sink).await {
                    Ok(None) => {}
                    Ok(Some(end)) => return Some(end),
                    Err(_) => return None,
                },
                _ => return None,
            }
        }
    }

    /// Handles one event line; returns how the attempt ends, if it does.
    async fn on_event(
        &mut self,
        line: &[u8],
        phase: &mut Phase,
        process: &Running,
        sink: &mut dyn FnMut(CaseObservation),
    ) -> Result<Option<End>, String> {
        let capture = &process.capture;
        let event: Value =
            serde_json::from_slice(line).map_err(|e| format!("unreadable event ({e})"))?;
        let kind = event
            .get("event")
            .and_then(Value::as_str)
            .ok_or("an event without a type")?;
        let expected_id = self
            .pending
            .get(self.next)
            .map(|&i| self.setup.task.cases[i].id.as_str());
        // Events that cross a boundary carry its number; once both streams have passed it,
        // every byte printed before the event is counted in the right region.
        let seq = event.get("seq").and_then(Value::as_u64);
        if let Some(seq) = seq {
            capture.reach(seq).await;
        }
        let limit = self.setup.task.limits.output;
        match (kind, *phase) {
            ("hello", Phase::Starting) => {
                if event.get("protocol").and_then(Value::as_u64) != Some(PROTOCOL) {
                    return Ok(Some(End::HarnessError(format!(
                        "the harness runtime speaks another protocol: {}",
                        event.get("protocol").unwrap_or(&Value::Null)
                    ))));
                }
                *phase = Phase::Preparing;
            }
            ("harness-ready", Phase::Preparing) => *phase = Phase::Loading,
            // Only before the submission was imported: afterwards this is the submission
            // writing to the channel, not the harness failing.
            ("harness-error", Phase::Starting | Phase::Preparing) => {
                let message = event.get("message").and_then(Value::as_str).unwrap_or("");
                // Name the harness as the task author knows it, not by its copy in the run.
                let copy = self
                    .setup
                    .launcher
                    .view(&self.setup.dirs)
                    .judge
                    .join(HARNESS_FILE);
                let message = message.replace(
                    &copy.display().to_string(),
                    &self.setup.task.harness_file.display().to_string(),
                );
                return Ok(Some(End::HarnessError(format!(
                    "the task's harness failed:\n{}",
                    neutralize(&message)
                ))));
            }
            ("load-failed", Phase::Loading) => {
                let problem = event.get("problem").cloned().unwrap_or(Value::Null);
                return Ok(Some(End::LoadFailed(load_problem(
                    &problem,
                    self.setup.task,
                    &self.setup.entry_display,
                ))));
            }
            ("loaded", Phase::Loading) => {
                if capture.region_bytes(supervise::IMPORT_REGION) > limit {
                    return Ok(Some(End::OutputLimit));
                }
                self.region = seq.unwrap_or(self.region);
                self.loaded_region = seq;
                *phase = Phase::Between;
            }
            ("case-start", Phase::Between) => {
                let id = event.get("id").and_then(Value::as_str);
                if id != expected_id || id.is_none() {
                    return Err(format!("case {id:?} started, expected {expected_id:?}"));
                }
                // What was printed since the last boundary (between cases) has its limit too.
                if capture.region_bytes(self.region) > limit {
                    return Ok(Some(End::OutputLimit));
                }
                self.case_cpu_start = process.cpu_used();
                if let Some(web) = &self.web {
                    web.begin_case();
                    // Non-blocking: a pipe the submission filled refuses the byte, and the
                    // case waits for its go until its deadline. A process that is gone is
                    // noticed on the events channel.
                    if let Some(go) = self.go.as_mut() {
                        let _ = go.write_all(b"g");
                    }
                }
                self.region = seq.unwrap_or(self.region);
                self.case_region = self.region;
                // The CPU limit is per case: each case gets the full budget from its start.
                process.grant_cpu(self.setup.task.limits.cpu_time);
                *phase = Phase::InCase {
                    started: Instant::now(),
                };
            }
            ("case-end", Phase::InCase { started }) => {
                let id = event.get("id").and_then(Value::as_str);
                if id != expected_id {
                    return Err(format!("case {id:?} ended, expected {expected_id:?}"));
                }
                let observation = if let Some(value) = event.get("observation") {
                    Observation::Value(match &self.ports {
                        Some(ports) => ports.to_declared(value),
                        None => value.clone(),
                    })
                } else if let Some(raised) = event.get("exception") {
                    Observation::Raised(raised_exception(
                        raised,
                        &self.setup.task.entry,
                        &self.setup.entry_display,
                    ))
                } else {
                    return Err("a case ended with neither an observation nor an exception".into());
                };
                // Fast cases' start and end arrive in one read, so the judge's clock
                // cannot time them; the runtime's own measure is used for display when it
                // is plausible.
                let measured = started.elapsed();
                let reported = event
                    .get("elapsed_ms")
                    .and_then(Value::as_f64)
                    .and_then(|ms| Duration::try_from_secs_f64(ms / 1000.0).ok())
                    .filter(|d| *d <= self.started.elapsed());
                let printed = |name: &str| {
                    event
                        .get(name)
                        .and_then(Value::as_str)
                        .filter(|text| !text.is_empty())
                        .map(neutralize)
                };
                let over_limit = capture.region_bytes(self.case_region) > limit;
                let case = &self.setup.task.cases[self.pending[self.next]];
                // Only for cases that assert on it, and only when the harness returned.
                let sites = match (&self.web, &observation) {
                    (Some(web), Observation::Value(_)) if !case.site_checks.is_empty() => {
                        Some(web.observe_case(SITES_SETTLE).await)
                    }
                    _ => None,
                };
                // Ended, but after its deadline (read from the pipe while stopping it): late.
                let late = self.timed_out && reported.is_none_or(|d| d >= case.wall_time);
                let observation = if late {
                    Observation::TimedOut {
                        limit: case.wall_time,
                        scope: TimeScope::Case,
                        stderr_tail: String::new(),
                    }
                } else if self.over_cpu_budget(process) {
                    Observation::TimedOut {
                        limit: self.setup.task.limits.cpu_time,
                        scope: TimeScope::Cpu,
                        stderr_tail: String::new(),
                    }
                } else {
                    observation
                };
                sink(CaseObservation {
                    case_index: self.pending[self.next],
                    observation: if over_limit {
                        Observation::OutputLimit {
                            limit: self.setup.task.limits.output,
                        }
                    } else {
                        observation
                    },
                    duration: reported.unwrap_or(measured),
                    output: CaseOutput {
                        stdout: printed("stdout"),
                        stderr: printed("stderr"),
                    },
                    sites,
                });
                self.next += 1;
                self.region = seq.unwrap_or(self.region);
                *phase = Phase::Between;
                if over_limit {
                    return Ok(Some(End::Stopped));
                }
            }
            ("done", Phase::Between) if self.next == self.pending.len() => {
                return Ok(Some(End::Done));
            }
            (other, phase) => {
                return Err(format!("unexpected event \"{other}\" while {phase:?}"));
            }
        }
        Ok(None)
    }

    /// Settles the case the attempt ended on (and, for problems that stop everything, the
    /// cases after it).
    fn settle(
        &self,
        end: End,
        phase: Phase,
        ended: Ending,
        sink: &mut dyn FnMut(CaseObservation),
    ) -> AttemptEnd {
        use std::os::unix::process::ExitStatusExt;
        let Ending {
            status,
            memory_exceeded,
            stderr_tail,
            exceeded_region,
        } = ended;
        let task = self.setup.task;
        let remaining = &self.pending[self.next..];
        if remaining.is_empty() {
            // Every case has its observation; how the process ended after that is moot.
            return AttemptEnd {
                resolved: self.pending.len(),
                stop: false,
            };
        }
        let all_remaining = |observation: Observation, sink: &mut dyn FnMut(CaseObservation)| {
            for &index in remaining {
                sink(resolved(index, observation.clone(), Duration::ZERO));
            }
            AttemptEnd {
                resolved: self.pending.len(),
                stop: true,
            }
        };
        let cpu_exhausted = status.signal() == Some(libc::SIGXCPU);
        let loading = matches!(phase, Phase::Loading);
        let load_failure = |kind: LoadProblemKind, message: String| {
            Observation::NotLoaded(LoadProblem {
                kind,
                message,
                details: (!stderr_tail.is_empty()).then(|| stderr_tail.clone()),
            })
        };
        let current = match phase {
            Phase::InCase { started } => Some(started.elapsed()),
            _ => None,
        };

        let observation = match end {
            End::Done => {
                return AttemptEnd {
                    resolved: self.pending.len(),
                    stop: false,
                };
            }
            End::Stopped => {
                return AttemptEnd {
                    resolved: self.next,
                    stop: false,
                };
            }
            End::LoadFailed(problem) => {
                return all_remaining(Observation::NotLoaded(problem), sink);
            }
            End::HarnessError(message) => {
                return all_remaining(Observation::JudgeError(message), sink);
            }
            // The submission has not run yet: whatever went wrong is on the judge's side (the
            // runtime or the task's harness).
            End::Closed | End::Corrupt(_) | End::Oversized | End::OutputLimit
                if matches!(phase, Phase::Starting | Phase::Preparing) =>
            {
                let detail = match &end {
                    End::Corrupt(e) => format!("the harness channel was corrupted ({e})"),
                    End::OutputLimit => "it printed past the output limit".to_owned(),
                    _ => describe_status(status),
                };
                return all_remaining(
                    Observation::JudgeError(format!(
                        "the Python harness did not start ({detail}){}",
                        if stderr_tail.is_empty() {
                            String::new()
                        } else {
                            format!(":\n{stderr_tail}")
                        }
                    )),
                    sink,
                );
            }
            End::Timeout { run: true, .. } => {
                let limit = task.limits.run_wall_time;
                if let Some(elapsed) = current {
                    sink(resolved(
                        remaining[0],
                        Observation::TimedOut {
                            limit,
                            scope: TimeScope::Run,
                            stderr_tail: stderr_tail.clone(),
                        },
                        elapsed,
                    ));
                }
                let skip = usize::from(current.is_some());
                let reason = format!(
                    "not run: the run's time limit ({}) was used up",
                    crate::util::units::format_duration(limit)
                );
                for &index in &remaining[skip..] {
                    sink(resolved(
                        index,
                        Observation::NotRun {
                            reason: reason.clone(),
                        },
                        Duration::ZERO,
                    ));
                }
                return AttemptEnd {
                    resolved: self.pending.len(),
                    stop: true,
                };
            }
            End::Timeout { .. } if matches!(phase, Phase::Starting | Phase::Preparing) => {
                return all_remaining(
                    Observation::JudgeError("the Python harness did not start in time".into()),
                    sink,
                );
            }
            End::Timeout { .. } if loading => {
                return all_remaining(
                    load_failure(
                        LoadProblemKind::TimeoutAtImport,
                        format!(
                            "importing {} did not finish within {}",
                            self.setup.entry_display,
                            crate::util::units::format_duration(
                                task.limits.case_wall_time.max(MIN_LOAD_TIME)
                            )
                        ),
                    ),
                    sink,
                );
            }
            End::OutputLimit => {
                // The region that went over says who printed it.
                let region = exceeded_region.unwrap_or(self.region);
                let in_current_case =
                    matches!(phase, Phase::InCase { .. }) && region == self.case_region;
                let before_any_case = region == supervise::IMPORT_REGION
                    || (Some(region) == self.loaded_region && self.next == 0);
                if before_any_case || loading {
                    let when = if region == supervise::IMPORT_REGION || loading {
                        "while being imported"
                    } else {
                        "after being imported, before the first case"
                    };
                    return all_remaining(
                        load_failure(
                            LoadProblemKind::OutputLimitAtImport,
                            format!(
                                "{} printed more than {} {when}",
                                self.setup.entry_display,
                                crate::util::units::format_size(task.limits.output)
                            ),
                        ),
                        sink,
                    );
                }
                if !in_current_case && self.next > 0 {
                    // Printed between cases (a thread left running): no case is to blame
                    // for it, so a fresh process runs the next one.
                    return AttemptEnd {
                        resolved: self.next,
                        stop: false,
                    };
                }
                Observation::OutputLimit {
                    limit: task.limits.output,
                }
            }
            End::CpuLimit => Observation::TimedOut {
                limit: task.limits.cpu_time,
                scope: TimeScope::Cpu,
                stderr_tail: stderr_tail.clone(),
            },
            End::Closed if loading && memory_exceeded => {
                return all_remaining(
                    load_failure(
                        LoadProblemKind::MemoryAtImport,
                        format!(
                            "importing {} used more than the memory limit ({}); the process was killed",
                            self.setup.entry_display,
                            crate::util::units::format_size(task.limits.memory)
                        ),
                    ),
                    sink,
                );
            }
            End::Closed | End::Corrupt(_) | End::Oversized if loading => {
                if cpu_exhausted {
                    return all_remaining(
                        load_failure(
                            LoadProblemKind::TimeoutAtImport,
                            format!(
                                "importing {} used up the CPU time limit ({})",
                                self.setup.entry_display,
                                crate::util::units::format_duration(task.limits.cpu_time)
                            ),
                        ),
                        sink,
                    );
                }
                let how = match &end {
                    End::Corrupt(e) => format!("corrupted the harness channel ({e})"),
                    _ => describe_status(status),
                };
                return all_remaining(
                    load_failure(
                        LoadProblemKind::CrashedAtImport,
                        format!(
                            "the process {how} while importing {}",
                            self.setup.entry_display
                        ),
                    ),
                    sink,
                );
            }
            // The process ended (or was stopped) between cases after settling some: nothing
            // of the next case ran, so a fresh process runs it instead of it being blamed.
            _ if phase == Phase::Between && self.next > 0 => {
                return AttemptEnd {
                    resolved: self.next,
                    stop: false,
                };
            }
            End::Timeout { at, .. } => {
                let limit = task.cases[remaining[0]].wall_time;
                let overran = match phase {
                    Phase::InCase { started } => at >= started + limit,
                    // Stopped between cases: nothing ran late.
                    _ => false,
                };
                if !overran && self.next > 0 {
                    // The case that was late finished just in time (its end was still in the
                    // pipe); the one stopped after it is not to blame: run it again.
                    return AttemptEnd {
                        resolved: self.next,
                        stop: false,
                    };
                }
                Observation::TimedOut {
                    limit,
                    scope: TimeScope::Case,
                    stderr_tail,
                }
            }
            End::Oversized => Observation::ResultTooLarge {
                limit: MAX_EVENT_LINE as u64,
            },
            End::Closed if memory_exceeded => Observation::MemoryLimit {
                limit: task.limits.memory,
            },
            End::Closed if cpu_exhausted => Observation::TimedOut {
                limit: task.limits.cpu_time,
                scope: TimeScope::Cpu,
                stderr_tail,
            },
            End::Closed => Observation::Crashed {
                reason: match phase {
                    Phase::InCase { .. } => {
                        format!("the process {} during the case", describe_status(status))
                    }
                    _ => format!(
                        "the process {} before the case started",
                        describe_status(status)
                    ),
                },
                stderr_tail,
            },
            End::Corrupt(e) => Observation::Crashed {
                reason: format!(
                    "the harness channel was corrupted ({e}); did the submission write to or close descriptor {EVENTS_FD}?"
                ),
                stderr_tail,
            },
        };
        sink(resolved(
            remaining[0],
            observation,
            current.unwrap_or(Duration::ZERO),
        ));
        AttemptEnd {
            resolved: self.next + 1,
            stop: false,
        }
    }
}

/// `bytes` random bytes as hex, from the kernel.
fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    // SAFETY: getrandom fills the buffer we own; on failure we fall back to time and pid,
    // which still makes an accidental collision with output improbable.
    let filled = unsafe { libc::getrandom(buffer.as_mut_ptr().cast(), bytes, 0) };
    if filled != bytes as isize {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
            ^ u128::from(std::process::id());
        buffer = seed.to_le_bytes()[..bytes.min(16)].to_vec();
    }
    buffer.iter().map(|b| format!("{b:02x}")).collect()
}
