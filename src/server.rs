//! A submission run as a server in its box, reached through the relay: start, readiness,
//! connections, stop. The stage the `http` and `tcp` task kinds run their scenarios against.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use crate::sandbox::{Dirs, Launch, Launcher, ProcessLimits, relay};
use crate::supervise::{self, Running, describe_status};
use crate::text::tail_lines;

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
                crate::spec::units::format_duration(*waited)
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
    plan: relay::Plan,
    port: u16,
}

impl Server {
    pub fn start(launcher: &dyn Launcher, launch: ServerLaunch) -> Result<Server, StartFailure> {
        let failed = |e: std::io::Error| StartFailure::Launch(e.to_string());
        if !launch.sockets_dir.exists() {
            relay::prepare_sockets_dir(&launch.sockets_dir).map_err(failed)?;
        }
        let plan = relay::Plan {
            sockets_dir: Some(launch.sockets_dir.clone()),
            inbound: vec![launch.port],
            outbound: Vec::new(),
        };
        let mut env = launch.env;
        env.push(("PORT".into(), launch.port.to_string().into()));
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
                network: plan.clone(),
            })
            .map_err(failed)?;
        let running = supervise::spawn(prepared, launch.output_limit, None).map_err(failed)?;
        Ok(Server {
            running: tokio::sync::Mutex::new(running),
            plan,
            port: launch.port,
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
            if self.answers(probe).await {
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
        let Ok(Some(stream)) = self.connect().await else {
            return false;
        };
        match probe {
            Probe::Tcp => true,
            Probe::Http { path } => http_get_status(stream, path)
                .await
                .is_some_and(|status| status < 500),
        }
    }

    /// A connection to the server (None while nothing listens on its port).
    pub async fn connect(&self) -> std::io::Result<Option<tokio::net::UnixStream>> {
        relay::connect_inbound(&self.plan, self.port).await
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
async fn http_get_status(stream: tokio::net::UnixStream, path: &str) -> Option<u16> {
    use http_body_util::Empty;
    use hyper::body::Bytes;
    let io = hyper_util::rt::TokioIo::new(stream);
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io).await.ok()?;
    let driver = tokio::spawn(connection);
    let request = hyper::Request::get(path)
        .header(hyper::header::HOST, "127.0.0.1")
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

impl crate::scenario::tcp::Connector for Server {
    async fn connect(&self) -> std::io::Result<Option<Box<dyn crate::scenario::tcp::Stream>>> {
        Ok(Server::connect(self)
            .await?
            .map(|stream| Box::new(stream) as Box<dyn crate::scenario::tcp::Stream>))
    }

    async fn terminate(&self, within: Duration) -> bool {
        Server::terminate(self, within).await
    }
}
