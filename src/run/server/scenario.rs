//! Scenarios for server kinds: the judge drives the submission's server from outside the
//! box, step by step, and what each step observed becomes one entry of the case's observation,
//! `{"steps": [...]}`, compared with the expectations written in the steps.

use super::{http, tcp};
use crate::outcome::ScenarioObservation;
use crate::task::steps::Step;
use std::collections::HashMap;
use std::time::Duration;

use serde_json::{Map, Value, json};
use tokio::io::{AsyncRead, AsyncWrite};

/// How many of a burst's clients the server served at once, judged from outside: the most
/// replies that arrived within half a service time of each other. Clients served together
/// finish together (within scheduling noise, far below half a service time); clients served
/// one after another finish a whole service time apart. `finished` is each client's last
/// reply, after the barrier.
pub fn overlapped(finished: &[Duration], service: Duration) -> usize {
    let mut times = finished.to_vec();
    times.sort();
    let window = service / 2;
    let mut best = 0;
    let mut first = 0;
    for last in 0..times.len() {
        while times[last] - times[first] > window {
            first += 1;
        }
        best = best.max(last - first + 1);
    }
    best
}

/// How a burst's clients fared, from the barrier on.
pub struct BurstOutcome {
    pub clients: usize,
    pub within: Duration,
    pub service: Option<Duration>,
    /// From the barrier to the last reply.
    pub waited: Duration,
    /// Each client's last reply, after the barrier (clients that got all their replies).
    pub finish_times: Vec<Duration>,
    pub first_error: Option<String>,
}

impl BurstOutcome {
    pub fn in_time(&self) -> bool {
        self.waited <= self.within && self.first_error.is_none()
    }

    /// Adds `overlapped` (when a service time is known) and the `error` that says what went
    /// wrong first, or how late the last `noun` ("reply", "response") came.
    pub fn record(self, observed: &mut Map<String, Value>, noun: &str) {
        if let Some(service) = self.service {
            observed.insert(
                "overlapped".into(),
                Value::from(overlapped(&self.finish_times, service)),
            );
        }
        let late = !self.in_time();
        if let Some(error) = self.first_error {
            observed.insert("error".into(), Value::String(error));
        } else if late {
            observed.insert(
                "error".into(),
                Value::String(format!(
                    "the last {noun} came {} ms after the clients sent, more than {} ms{}",
                    self.waited.as_millis(),
                    self.within.as_millis(),
                    serial_comparison(self.waited, self.clients, self.service)
                )),
            );
        }
    }
}

/// The words that put a burst's wall time next to the time one at a time would take.
pub fn serial_comparison(wall: Duration, clients: usize, service: Option<Duration>) -> String {
    match service {
        Some(service) => {
            let serial = service * clients as u32;
            format!(
                " (one at a time would take {} ms: {clients} x {} ms; this was {:.2} of that)",
                serial.as_millis(),
                service.as_millis(),
                wall.as_secs_f64() / serial.as_secs_f64().max(1e-9)
            )
        }
        None => String::new(),
    }
}

/// A byte stream to the server.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// How long after a burst's limit its replies are still read, to tell slow from missing.
pub const LATE_MARGIN: Duration = Duration::from_secs(2);
/// How long a write to the server may block (a server that stopped reading).
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// A connection to the server.
pub struct Opened {
    pub stream: Box<dyn Stream>,
    /// What [`Connector::reset`] needs to reset it, when it can.
    pub link: Option<[u8; 8]>,
}

/// Opens connections to the server, and stops it.
pub trait Connector: Sync {
    /// `None`: the server refused it (nothing listens).
    fn connect(&self) -> impl std::future::Future<Output = std::io::Result<Option<Opened>>> + Send;
    /// Resets a connection opened by [`Connector::connect`]; whether that could be done.
    fn reset(&self, link: [u8; 8]) -> impl std::future::Future<Output = bool> + Send;
    /// The `Host` header requests carry: `127.0.0.1:PORT`, the address inside the box.
    fn host(&self) -> String;
    /// SIGTERM to the server; whether it exited within `within`.
    fn terminate(&self, within: Duration) -> impl std::future::Future<Output = bool> + Send;
    /// Stops the server and starts it again with the same DATA_DIR; why not, if it is not
    /// ready again.
    fn restart(&self) -> impl std::future::Future<Output = Result<(), String>> + Send;
    /// The files (not folders) under DATA_DIR, or why they cannot be counted.
    fn data_files(&self) -> Result<usize, String>;
}

/// Runs `steps` and returns what they observed: a value per step (steps that expect nothing
/// observe `null`), with what they captured and the transcripts of their requests. A failure
/// to connect or a closed connection is observed as such, and later steps on that
/// connection observe it too.
pub async fn run<C: Connector>(connector: &C, steps: &[Step]) -> ScenarioObservation {
    let mut connections: HashMap<String, tcp::Connection> = HashMap::new();
    let mut captured = Map::new();
    let mut transcripts = std::collections::BTreeMap::new();
    let mut observed = Vec::with_capacity(steps.len());
    for (index, step) in steps.iter().enumerate() {
        let value = match step {
            Step::Exchange(exchange) => {
                let (value, transcript) = http::exchange(connector, exchange, &mut captured).await;
                if let Some(transcript) = transcript {
                    transcripts.insert(index, transcript);
                }
                value
            }
            Step::HttpBurst(burst) => http::burst(connector, burst, &captured).await,
            Step::Restart => {
                // Connections to the old server are gone with it.
                connections.clear();
                match connector.restart().await {
                    Ok(()) => json!({ "restarted": true }),
                    Err(why) => json!({ "restarted": false, "error": why }),
                }
            }
            Step::DataFiles => match connector.data_files() {
                Ok(count) => json!({ "files_in_data_dir": count }),
                Err(why) => json!({ "error": why }),
            },
            other => tcp::run_step(connector, &mut connections, other).await,
        };
        observed.push(value);
    }
    ScenarioObservation {
        steps: observed,
        captured,
        transcripts,
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// A server on the test's own loopback, reached directly (no box, no relay, no resets).
    pub struct Loopback(pub u16);

    impl Connector for Loopback {
        async fn connect(&self) -> std::io::Result<Option<Opened>> {
            let stream = tokio::net::TcpStream::connect(("127.0.0.1", self.0)).await?;
            Ok(Some(Opened {
                stream: Box::new(stream),
                link: None,
            }))
        }

        async fn reset(&self, _link: [u8; 8]) -> bool {
            false
        }

        fn host(&self) -> String {
            format!("127.0.0.1:{}", self.0)
        }

        async fn terminate(&self, _within: Duration) -> bool {
            false
        }

        async fn restart(&self) -> Result<(), String> {
            Err("a loopback server cannot be restarted".into())
        }

        fn data_files(&self) -> Result<usize, String> {
            Err("a loopback server has no DATA_DIR".into())
        }
    }
}
