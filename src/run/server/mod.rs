//! A submission run as a server in its box, reached through the relay: start, readiness,
//! connections, stop. The stage the `http` and `tcp` task kinds run their scenarios against.

pub mod http;
mod reach;
pub mod scenario;
pub mod tcp;

pub use reach::Reach;

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use tokio_util::sync::CancellationToken;

use crate::outcome::{
    CaseObservation, CaseOutput, LoadProblem, LoadProblemKind, Observation, TimeScope,
};
use crate::run::supervise::{self, Running, describe_status};
use crate::run::{Interrupted, RunContext, RunStats};
use crate::sandbox::{Dirs, Isolation, Launch, Launcher, ProcessLimits};
use crate::task::ServerStart;
use crate::util::text::tail_lines;
use scenario::Stream;

/// How often readiness is probed: fast, since every start waits on it.
const PROBE_INTERVAL: Duration = Duration::from_millis(3);
const OUTPUT_TAIL_LINES: usize = 30;
const OUTPUT_TAIL_BYTES: usize = 4096;

/// How readiness is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// A connection the server accepts.
    Tcp,
    /// An HTTP GET on this path answered with anything but a 5xx.
    Http { path: String },
}

/// What a server is started with.
pub struct ServerLaunch {
    pub program: PathBuf,
    pub args: Vec<OsString>,
    /// The environment besides PORT (which is added).
    pub env: Vec<(OsString, OsString)>,
    pub dirs: Dirs,
    pub read_only: Vec<PathBuf>,
    pub conceal: Vec<PathBuf>,
    pub limits: ProcessLimits,
    pub output_limit: u64,
    /// The port the server listens on, on 127.0.0.1 inside its box.
    pub port: u16,
    /// Judge-owned host folder for the relay's sockets (created here).
    pub sockets_dir: PathBuf,
}

/// Why a server did not become ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartFailure {
    /// The process ended before it answered: how, and the tail of what it printed.
    Exited { how: String, output: String },
    /// Still not answering when the start timeout ran out.
    NotReady { waited: Duration, output: String },
    /// The judge could not start it at all.
    Launch(String),
}

impl std::fmt::Display for StartFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartFailure::Exited { how, .. } => {
                write!(f, "the server {how} before it was ready")
            }
            StartFailure::NotReady { waited, .. } => write!(
                f,
                "the server was not ready within {}",
                crate::util::units::format_duration(*waited)
            ),
            StartFailure::Launch(e) => write!(f, "cannot start the server: {e}"),
        }
    }
}

/// How a stop went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stopped {
    /// It exited by itself within the grace period after SIGTERM.
    pub exited_within_grace: bool,
    pub how: String,
    pub output: String,
}

pub struct Server {
    /// Locked only to wait for or stop the process: connections do not need it.
    running: tokio::sync::Mutex<Running>,
    capture: std::sync::Arc<supervise::Capture>,
    reach: Reach,
}

impl Server {
    pub fn start(launcher: &dyn Launcher, launch: ServerLaunch) -> Result<Server, StartFailure> {
        let failed = |e: std::io::Error| StartFailure::Launch(e.to_string());
        let boxed = launcher.isolation() != Isolation::None;
        let reach = Reach::new(boxed, launch.port, &launch.sockets_dir).map_err(failed)?;
        let mut env = launch.env;
        env.push(("PORT".into(), reach.port().to_string().into()));
        let prepared = launcher
            .prepare(Launch {
                program: launch.program,
                args: launch.args,
                env,
                dirs: launch.dirs,
                read_only: launch.read_only,
                conceal: launch.conceal,
                pass_fds: Vec::new(),
                limits: launch.limits,
                network: reach.plan(),
            })
            .map_err(failed)?;
        let running = supervise::spawn(prepared, launch.output_limit, None).map_err(failed)?;
        Ok(Server {
            capture: running.capture.clone(),
            running: tokio::sync::Mutex::new(running),
            reach,
        })
    }

    /// Probes until the server answers, it exits, or `timeout` runs out; returns how long
    /// that took.
    pub async fn wait_ready(
        &mut self,
        probe: &Probe,
        timeout: Duration,
    ) -> Result<Duration, StartFailure> {
        let started = Instant::now();
        loop {
            // A probe may not outlast the start timeout (the relay waits for the box's server).
            let left = timeout
                .saturating_sub(started.elapsed())
                .max(PROBE_INTERVAL);
            if tokio::time::timeout(left, self.answers(probe))
                .await
                .unwrap_or(false)
            {
                return Ok(started.elapsed());
            }
            let mut running = self.running.lock().await;
            if let Ok(status) = tokio::time::timeout(PROBE_INTERVAL, running.wait()).await {
                return Err(StartFailure::Exited {
                    how: describe_status(status),
                    output: output_tail(&running.capture),
                });
            }
            if started.elapsed() >= timeout {
                return Err(StartFailure::NotReady {
                    waited: timeout,
                    output: output_tail(&running.capture),
                });
            }
        }
    }

    async fn answers(&self, probe: &Probe) -> bool {
        let Ok(Some((stream, _))) = self.connect().await else {
            return false;
        };
        match probe {
            Probe::Tcp => true,
            Probe::Http { path } => http_get_status(stream, path, self.reach.port())
                .await
                .is_some_and(|status| status < 500),
        }
    }

    /// A connection to the server and the link that resets it (None while nothing listens
    /// on its port).
    pub async fn connect(&self) -> std::io::Result<Option<(Box<dyn Stream>, [u8; 8])>> {
        self.reach.connect().await
    }

    /// How the judge reaches the server.
    pub fn reach(&self) -> &Reach {
        &self.reach
    }

    /// Whether the server process has ended (it may have been told to, by a case).
    pub async fn has_exited(&self) -> bool {
        let mut running = self.running.lock().await;
        tokio::time::timeout(Duration::ZERO, running.wait())
            .await
            .is_ok()
    }

    /// What the server printed since `mark` ([`supervise::Capture::mark`]).
    pub fn output_since(&self, mark: (u64, u64)) -> (String, String) {
        self.capture.sync();
        self.capture.since(mark)
    }

    pub fn output_mark(&self) -> (u64, u64) {
        self.capture.sync();
        self.capture.mark()
    }

    /// SIGTERM to the server; whether it exited within `grace` (it is not killed here).
    pub async fn terminate(&self, grace: Duration) -> bool {
        let mut running = self.running.lock().await;
        running.signal_payload(Signal::SIGTERM)
            && tokio::time::timeout(grace, running.wait()).await.is_ok()
    }

    /// SIGTERM to the server, `grace` to exit, then the whole box is killed.
    pub async fn stop(self, grace: Duration) -> Stopped {
        let exited = self.terminate(grace).await;
        let (status, capture) = self.running.into_inner().finish().await;
        let output = output_tail(&capture);
        Stopped {
            exited_within_grace: exited,
            how: describe_status(status),
            output,
        }
    }
}

/// The end of what the server wrote to stderr (a traceback, "Address already in use"), or
/// to stdout when stderr is empty.
fn output_tail(capture: &supervise::Capture) -> String {
    capture.sync();
    let stderr = capture.stderr_from(0);
    let text = if stderr.trim().is_empty() {
        capture.stdout_text()
    } else {
        stderr
    };
    tail_lines(&text, OUTPUT_TAIL_LINES, OUTPUT_TAIL_BYTES)
}

/// The status of `GET path` over `stream` (HTTP/1.1, closed after one request).
async fn http_get_status(stream: Box<dyn Stream>, path: &str, port: u16) -> Option<u16> {
    use http_body_util::Empty;
    use hyper::body::Bytes;
    let io = hyper_util::rt::TokioIo::new(stream);
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io).await.ok()?;
    let driver = tokio::spawn(connection);
    let request = hyper::Request::get(path)
        .header(hyper::header::HOST, format!("127.0.0.1:{port}"))
        .header(hyper::header::CONNECTION, "close")
        .body(Empty::<Bytes>::new())
        .ok()?;
    let status = tokio::time::timeout(Duration::from_secs(5), sender.send_request(request))
        .await
        .ok()?
        .ok()
        .map(|response| response.status().as_u16());
    driver.abort();
    status
}

/// The server a case runs against, which a restart step replaces.
struct Live<'r, 'a> {
    run: &'r RunContext<'a>,
    spec: &'r crate::task::ServerSpec,
    cancel: &'r CancellationToken,
    /// `None` after a restart that failed: connections are then refused.
    server: tokio::sync::RwLock<Option<Server>>,
    /// Where the case's output starts in the current server's capture.
    mark: std::sync::Mutex<(u64, u64)>,
    /// What servers replaced during the case printed (their captures go with them).
    earlier_output: std::sync::Mutex<(String, String)>,
    /// Spawn-to-ready of the restarts.
    ready: std::sync::Mutex<Vec<Duration>>,
}

impl<'r, 'a> Live<'r, 'a> {
    fn new(
        run: &'r RunContext<'a>,
        spec: &'r crate::task::ServerSpec,
        cancel: &'r CancellationToken,
        server: Server,
    ) -> Self {
        Live {
            run,
            spec,
            cancel,
            mark: std::sync::Mutex::new(server.output_mark()),
            server: tokio::sync::RwLock::new(Some(server)),
            earlier_output: Default::default(),
            ready: Default::default(),
        }
    }

    /// The server (if one is running), what the case made it print, and the restarts' ready
    /// times.
    fn finish(self) -> (Option<Server>, (String, String), Vec<Duration>) {
        let server = self.server.into_inner();
        let (mut stdout, mut stderr) = self.earlier_output.into_inner().unwrap_or_default();
        if let Some(server) = &server {
            let mark = *self.mark.lock().unwrap_or_else(|e| e.into_inner());
            let (out, err) = server.output_since(mark);
            stdout.push_str(&out);
            stderr.push_str(&err);
        }
        (
            server,
            (stdout, stderr),
            self.ready.into_inner().unwrap_or_default(),
        )
    }
}

impl crate::run::server::scenario::Connector for Live<'_, '_> {
    async fn connect(&self) -> std::io::Result<Option<crate::run::server::scenario::Opened>> {
        let server = self.server.read().await;
        let Some(server) = server.as_ref() else {
            return Ok(None);
        };
        Ok(server
            .connect()
            .await?
            .map(|(stream, link)| crate::run::server::scenario::Opened {
                stream,
                link: Some(link),
            }))
    }

    async fn reset(&self, link: [u8; 8]) -> bool {
        let server = self.server.read().await;
        match server.as_ref() {
            Some(server) => server.reach.reset(link).await,
            None => false,
        }
    }

    fn host(&self) -> String {
        // The port changes with each start when there is no box.
        let port = self
            .server
            .try_read()
            .ok()
            .and_then(|server| server.as_ref().map(|s| s.reach.port()))
            .unwrap_or(self.spec.port);
        format!("127.0.0.1:{port}")
    }

    async fn terminate(&self, within: Duration) -> bool {
        match self.server.read().await.as_ref() {
            Some(server) => server.terminate(within).await,
            // No server (a restart failed): nothing exited within the grace period.
            None => false,
        }
    }

    async fn restart(&self) -> Result<(), String> {
        let mut slot = self.server.write().await;
        if let Some(old) = slot.take() {
            let mark = *self.mark.lock().unwrap_or_else(|e| e.into_inner());
            let (out, err) = old.output_since(mark);
            {
                let mut earlier = self
                    .earlier_output
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                earlier.0.push_str(&out);
                earlier.1.push_str(&err);
                earlier
                    .1
                    .push_str("[livejudge: the server was restarted here]\n");
            }
            old.stop(self.spec.stop_grace).await;
        }
        match start_ready(self.run, self.spec, self.cancel).await {
            Ok(Ok((server, after))) => {
                *self.mark.lock().unwrap_or_else(|e| e.into_inner()) = server.output_mark();
                self.ready
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(after);
                *slot = Some(server);
                Ok(())
            }
            Ok(Err(Observation::NotLoaded(problem))) => Err(match problem.details {
                Some(details) => format!("{}:\n{details}", problem.message),
                None => problem.message,
            }),
            Ok(Err(other)) => Err(format!("the server could not be started again: {other:?}")),
            Err(Interrupted) => Err("interrupted".into()),
        }
    }

    fn data_files(&self) -> Result<usize, String> {
        if !self.spec.data_dir {
            return Err("the task gives the server no DATA_DIR ([server] data_dir = true)".into());
        }
        count_files(&self.run.data_dir, 10_000).map_err(|e| format!("cannot list DATA_DIR: {e}"))
    }
}

/// Regular files under `dir`, not following links, counting at most `cap` (and visiting at
/// most `cap` folders: the box owns this tree and may make it as deep as it likes).
fn count_files(dir: &std::path::Path, cap: usize) -> std::io::Result<usize> {
    let mut count = 0;
    let mut visited = 0;
    let mut pending = vec![dir.to_owned()];
    while let Some(folder) = pending.pop() {
        visited += 1;
        if visited > cap {
            break;
        }
        for entry in std::fs::read_dir(&folder)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                pending.push(entry.path());
            } else if kind.is_file() {
                count += 1;
                if count >= cap {
                    return Ok(count);
                }
            }
        }
    }
    Ok(count)
}

/// Runs every case of a server task in order against one server, started when the first case
/// needs it and again when a case left it stopped; `sink` gets each observation at once.
pub async fn run_cases(
    run: &RunContext<'_>,
    cancel: &CancellationToken,
    sink: &mut dyn FnMut(CaseObservation),
) -> Result<RunStats, Interrupted> {
    let task = run.task;
    let Some(spec) = &task.server else {
        return Ok(RunStats::default());
    };
    let run_deadline = Instant::now() + task.limits.run_wall_time;
    let mut stats = RunStats::default();
    let mut server: Option<Server> = None;
    for (index, case) in task.cases.iter().enumerate() {
        if cancel.is_cancelled() {
            return Err(Interrupted);
        }
        if Instant::now() >= run_deadline {
            for later in index..task.cases.len() {
                sink(observed(
                    later,
                    Observation::NotRun {
                        reason: format!(
                            "not run: the run's time limit ({}) was used up",
                            crate::util::units::format_duration(task.limits.run_wall_time)
                        ),
                    },
                ));
            }
            break;
        }
        let fresh = spec.fresh_per_case || case.server_start == ServerStart::Fresh;
        let alive = match &server {
            Some(server) => {
                !fresh && case.server_start != ServerStart::Restart && !server.has_exited().await
            }
            None => false,
        };
        if !alive {
            if let Some(old) = server.take() {
                old.stop(spec.stop_grace).await;
            }
            // A restart (asked for, or after a crash) keeps DATA_DIR; a fresh server, and the
            // first, get it empty.
            if spec.data_dir && (fresh || stats.attempts == 0) {
                let emptied =
                    remove_tree(&run.data_dir).and_then(|()| std::fs::create_dir(&run.data_dir));
                if let Err(e) = emptied {
                    let observation = Observation::JudgeError(format!(
                        "cannot prepare DATA_DIR at {}: {e}",
                        run.data_dir.display()
                    ));
                    for later in index..task.cases.len() {
                        sink(observed(later, observation.clone()));
                    }
                    return Ok(stats);
                }
            }
            stats.attempts += 1;
            match start_ready(run, spec, cancel).await? {
                Ok((started, ready_after)) => {
                    stats.server_ready.push(ready_after);
                    server = Some(started);
                }
                Err(observation) => {
                    for later in index..task.cases.len() {
                        sink(observed(later, observation.clone()));
                    }
                    return Ok(stats);
                }
            }
        }
        let Some(current) = server.take() else {
            continue;
        };
        let live = Live::new(run, spec, cancel, current);
        let started = Instant::now();
        let outcome = tokio::select! {
            _ = cancel.cancelled() => return Err(Interrupted),
            outcome = tokio::time::timeout(
                case.wall_time,
                crate::run::server::scenario::run(&live, &case.steps),
            ) => outcome,
        };
        let (current, (stdout, stderr), restarts) = live.finish();
        stats.attempts += restarts.len() as u32;
        stats.server_ready.extend(restarts);
        server = current;
        let observation = match outcome {
            Ok(observed) => Observation::Scenario(observed),
            Err(_) => Observation::TimedOut {
                limit: case.wall_time,
                scope: TimeScope::Case,
                stderr_tail: String::new(),
            },
        };
        sink(CaseObservation {
            case_index: index,
            observation,
            duration: started.elapsed(),
            output: CaseOutput {
                stdout: (!stdout.is_empty()).then_some(stdout),
                stderr: (!stderr.is_empty()).then_some(stderr),
            },
            sites: None,
        });
    }
    if let Some(server) = server {
        server.stop(spec.stop_grace).await;
    }
    Ok(stats)
}

fn observed(case_index: usize, observation: Observation) -> CaseObservation {
    CaseObservation {
        case_index,
        observation,
        duration: Duration::ZERO,
        output: CaseOutput::default(),
        sites: None,
    }
}

/// Removes `path` and everything in it, without following links; a missing path is fine.
fn remove_tree(path: &std::path::Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Starts the server and waits until it is ready (returning how long that took); the
/// observation every remaining case gets when it does not.
async fn start_ready(
    run: &RunContext<'_>,
    spec: &crate::task::ServerSpec,
    cancel: &CancellationToken,
) -> Result<Result<(Server, Duration), Observation>, Interrupted> {
    let task = run.task;
    let mut dirs = run.dirs.clone();
    dirs.data = spec.data_dir.then(|| run.data_dir.clone());
    let inside = run.launcher.view(&dirs);
    let mut extra = vec![
        // Its prints reach the report as they happen, not when a buffer fills.
        ("PYTHONUNBUFFERED", "1".to_owned()),
        ("PYTHONDONTWRITEBYTECODE", "1".to_owned()),
    ];
    if let Some(data) = &inside.data {
        extra.push(("DATA_DIR", data.display().to_string()));
    }
    let env = crate::sandbox::base_env(&run.python, &inside, &extra);
    let program = match spec.command[0].as_str() {
        "python" | "python3" => run.python.clone(),
        other => PathBuf::from(other),
    };
    let launch = ServerLaunch {
        program,
        args: spec.command[1..].iter().map(OsString::from).collect(),
        env,
        dirs,
        read_only: run.read_only.clone(),
        conceal: vec![task.dir.clone(), task.fixtures_dir.clone()],
        limits: ProcessLimits {
            // A server's CPU is not split by case: the run's wall time bounds it.
            cpu_time: task.limits.run_wall_time,
            cpu_backstop: task.limits.run_wall_time * 2 + Duration::from_secs(1),
            memory: task.limits.memory,
            processes: task.limits.processes,
            disk: task.limits.disk,
        },
        output_limit: task.limits.output,
        port: spec.port,
        sockets_dir: run.sockets_dir.clone(),
    };
    let mut server = match Server::start(run.launcher, launch) {
        Ok(server) => server,
        Err(failure) => return Ok(Err(Observation::JudgeError(failure.to_string()))),
    };
    let probe = match &spec.ready_path {
        Some(path) => Probe::Http { path: path.clone() },
        None => Probe::Tcp,
    };
    let ready = tokio::select! {
        _ = cancel.cancelled() => return Err(Interrupted),
        ready = server.wait_ready(&probe, spec.start_timeout) => ready,
    };
    match ready {
        Ok(after) => Ok(Ok((server, after))),
        Err(failure) => {
            let (kind, output) = match &failure {
                StartFailure::Exited { output, .. } => {
                    (LoadProblemKind::ServerExited, output.clone())
                }
                StartFailure::NotReady { output, .. } => {
                    (LoadProblemKind::ServerNotReady, output.clone())
                }
                StartFailure::Launch(e) => return Ok(Err(Observation::JudgeError(e.clone()))),
            };
            let message = match (kind, &probe) {
                (LoadProblemKind::ServerNotReady, Probe::Tcp) => format!(
                    "{failure} (nothing accepted connections on {})",
                    server.reach().where_()
                ),
                (LoadProblemKind::ServerNotReady, Probe::Http { path }) => format!(
                    "{failure} (GET {path} on {} never got an answer below 500)",
                    server.reach().where_()
                ),
                _ => failure.to_string(),
            };
            server.stop(Duration::ZERO).await;
            Ok(Err(Observation::NotLoaded(LoadProblem {
                kind,
                message,
                details: (!output.trim().is_empty()).then_some(output),
            })))
        }
    }
}
