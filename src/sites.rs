//! Fixture websites the judge serves itself (issue 6, first stage): a route table, a server
//! that answers from it, and a log of every request with its timing, from which the judge
//! derives what a scraper did (peak requests in flight, attempts per path, overlap, span).
//! Not yet wired to task specs or to the box's outbound relay.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::Bytes;
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

/// What a route does with a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Behaviour {
    /// Answers `status` with `body` and `headers`.
    Answer {
        status: u16,
        headers: Vec<(String, String)>,
        body: Bytes,
    },
    /// A redirect to `location` with `status` (301, 302, 307).
    Redirect { status: u16, location: String },
    /// Never answers; the request ends when the client gives up.
    Hang,
    /// Closes the connection without an answer.
    Reset,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub path: String,
    /// Waited before answering (many slow requests are served at once).
    pub delay: Duration,
    /// The first `n` attempts get `status` (with an empty body) instead.
    pub fail_first: Option<(u32, u16)>,
    pub behaviour: Behaviour,
}

/// How one request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Answered(u16),
    /// The client went away before the answer (a timeout on its side, or a hang).
    Abandoned,
    Reset,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    pub path: String,
    /// Since the site started.
    pub arrived: Duration,
    pub finished: Duration,
    pub outcome: Outcome,
}

/// What the judge observed of a client, from the site's side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Observed {
    /// The most requests in flight at once.
    pub peak_in_flight: usize,
    pub attempts: BTreeMap<String, usize>,
    /// Whether any two requests were in flight at the same time.
    pub overlapped: bool,
    /// From the first arrival to the last finish.
    pub span_ms: u64,
}

/// The requests a site saw, in the order they finished.
#[derive(Debug, Clone, Default)]
pub struct Log(Arc<Mutex<Vec<Record>>>);

impl Log {
    pub fn records(&self) -> Vec<Record> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn push(&self, record: Record) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(record);
    }

    pub fn observed(&self) -> Observed {
        observe(&self.records())
    }
}

/// Derives the observation from the records.
pub fn observe(records: &[Record]) -> Observed {
    // Sweep the arrivals and finishes in time order; a finish at the same instant as an
    // arrival comes first, so back-to-back requests do not count as overlapping.
    let mut events: Vec<(Duration, i32)> = records
        .iter()
        .flat_map(|r| [(r.arrived, 1), (r.finished, -1)])
        .collect();
    events.sort();
    let (mut in_flight, mut peak) = (0i32, 0i32);
    for (_, change) in events {
        in_flight += change;
        peak = peak.max(in_flight);
    }
    let mut attempts = BTreeMap::new();
    for record in records {
        *attempts.entry(record.path.clone()).or_insert(0) += 1;
    }
    let first = records.iter().map(|r| r.arrived).min().unwrap_or_default();
    let last = records.iter().map(|r| r.finished).max().unwrap_or_default();
    Observed {
        peak_in_flight: peak.max(0) as usize,
        attempts,
        overlapped: peak > 1,
        span_ms: last.saturating_sub(first).as_millis() as u64,
    }
}

/// A site: its routes, the attempts counted so far, and its log.
#[derive(Clone)]
pub struct Site {
    routes: Arc<Vec<Route>>,
    attempts: Arc<Mutex<BTreeMap<String, u32>>>,
    started: Instant,
    pub log: Log,
}

impl Site {
    pub fn new(routes: Vec<Route>) -> Site {
        Site {
            routes: Arc::new(routes),
            attempts: Default::default(),
            started: Instant::now(),
            log: Log::default(),
        }
    }

    /// Serves one connection (HTTP/1.1, keep-alive allowed) until the client closes it.
    pub async fn serve<S>(&self, stream: S)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let site = self.clone();
        let service = hyper::service::service_fn(move |request| {
            let site = site.clone();
            async move { site.answer(request).await }
        });
        let _ = hyper::server::conn::http1::Builder::new()
            .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
            .await;
    }

    async fn answer(
        &self,
        request: hyper::Request<hyper::body::Incoming>,
    ) -> Result<hyper::Response<Full<Bytes>>, std::io::Error> {
        let path = request.uri().path().to_owned();
        let arrived = self.started.elapsed();
        // Logged when the answer is handed over, or when the client gives up (the future is
        // dropped with the connection).
        let mut pending = Pending {
            log: self.log.clone(),
            started: self.started,
            record: Some(Record {
                path: path.clone(),
                arrived,
                finished: arrived,
                outcome: Outcome::Abandoned,
            }),
        };
        let attempt = {
            let mut attempts = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
            let count = attempts.entry(path.clone()).or_insert(0);
            *count += 1;
            *count
        };
        let Some(route) = self.routes.iter().find(|r| r.path == path) else {
            pending.finish(Outcome::Answered(404));
            return Ok(response(404, &[], Bytes::from_static(b"not found")));
        };
        tokio::time::sleep(route.delay).await;
        if let Some((n, status)) = route.fail_first
            && attempt <= n
        {
            pending.finish(Outcome::Answered(status));
            return Ok(response(status, &[], Bytes::new()));
        }
        match &route.behaviour {
            Behaviour::Answer {
                status,
                headers,
                body,
            } => {
                pending.finish(Outcome::Answered(*status));
                Ok(response(*status, headers, body.clone()))
            }
            Behaviour::Redirect { status, location } => {
                pending.finish(Outcome::Answered(*status));
                Ok(response(
                    *status,
                    &[("Location".to_owned(), location.clone())],
                    Bytes::new(),
                ))
            }
            Behaviour::Hang => std::future::pending().await,
            Behaviour::Reset => {
                pending.finish(Outcome::Reset);
                Err(std::io::Error::other("reset on purpose"))
            }
        }
    }
}

/// A request's record, written to the log once, however the request ends.
struct Pending {
    log: Log,
    started: Instant,
    record: Option<Record>,
}

impl Pending {
    fn finish(&mut self, outcome: Outcome) {
        if let Some(mut record) = self.record.take() {
            record.finished = self.started.elapsed();
            record.outcome = outcome;
            self.log.push(record);
        }
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.finish(Outcome::Abandoned);
    }
}

fn response(
    status: u16,
    headers: &[(String, String)],
    body: Bytes,
) -> hyper::Response<Full<Bytes>> {
    let mut builder = hyper::Response::builder().status(status);
    for (name, value) in headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    builder
        .body(Full::new(body))
        .unwrap_or_else(|_| hyper::Response::new(Full::new(Bytes::new())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn record(path: &str, arrived: u64, finished: u64) -> Record {
        Record {
            path: path.into(),
            arrived: ms(arrived),
            finished: ms(finished),
            outcome: Outcome::Answered(200),
        }
    }

    #[test]
    fn observations_come_from_the_records() {
        // Five slots: five requests at once, then the sixth when the first finishes.
        let records: Vec<Record> = (0..5)
            .map(|i| record(&format!("/p{i}"), 0, 100 + i))
            .chain([record("/p5", 100, 200), record("/p5", 200, 250)])
            .collect();
        let observed = observe(&records);
        assert_eq!(observed.peak_in_flight, 5);
        assert!(observed.overlapped);
        assert_eq!(observed.attempts["/p5"], 2);
        assert_eq!(observed.span_ms, 250);
        // One after another, back to back: never two in flight.
        let serial = observe(&[record("/a", 0, 100), record("/b", 100, 200)]);
        assert_eq!(serial.peak_in_flight, 1);
        assert!(!serial.overlapped);
        assert_eq!(observe(&[]).peak_in_flight, 0);
    }

    async fn site_on_loopback(routes: Vec<Route>) -> (u16, Site) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let site = Site::new(routes);
        let serving = site.clone();
        tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let site = serving.clone();
                tokio::spawn(async move { site.serve(stream).await });
            }
        });
        (port, site)
    }

    async fn get(port: u16, path: &str, timeout: Duration) -> Result<u16, String> {
        let stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .map_err(|e| e.to_string())?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .map_err(|e| e.to_string())?;
        tokio::spawn(connection);
        let request = hyper::Request::get(path)
            .header("host", "site")
            .body(Full::new(Bytes::new()))
            .unwrap();
        match tokio::time::timeout(timeout, sender.send_request(request)).await {
            Ok(Ok(response)) => Ok(response.status().as_u16()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("timeout".into()),
        }
    }

    fn route(path: &str, delay_ms: u64, behaviour: Behaviour) -> Route {
        Route {
            path: path.into(),
            delay: ms(delay_ms),
            fail_first: None,
            behaviour,
        }
    }

    fn ok() -> Behaviour {
        Behaviour::Answer {
            status: 200,
            headers: vec![("Content-Type".into(), "text/html; charset=utf-8".into())],
            body: Bytes::from_static(b"<title>x</title>"),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn slow_routes_are_served_at_once_and_every_request_is_logged() {
        let mut flaky = route("/flaky", 0, ok());
        flaky.fail_first = Some((2, 503));
        let (port, site) = site_on_loopback(vec![
            route("/slow", 200, ok()),
            flaky,
            route("/hang", 0, Behaviour::Hang),
            route("/reset", 0, Behaviour::Reset),
            route(
                "/moved",
                0,
                Behaviour::Redirect {
                    status: 302,
                    location: "/slow".into(),
                },
            ),
        ])
        .await;
        let slow: Vec<_> = (0..8)
            .map(|_| tokio::spawn(get(port, "/slow", Duration::from_secs(5))))
            .collect();
        for request in slow {
            assert_eq!(request.await.unwrap(), Ok(200));
        }
        let flaky: Vec<Result<u16, String>> = [
            get(port, "/flaky", ms(2000)).await,
            get(port, "/flaky", ms(2000)).await,
            get(port, "/flaky", ms(2000)).await,
        ]
        .into();
        assert_eq!(flaky, [Ok(503), Ok(503), Ok(200)]);
        assert_eq!(get(port, "/moved", ms(2000)).await, Ok(302));
        assert_eq!(get(port, "/nowhere", ms(2000)).await, Ok(404));
        assert!(get(port, "/reset", ms(2000)).await.is_err());
        assert_eq!(get(port, "/hang", ms(200)).await, Err("timeout".to_owned()));
        // The hung request is logged once its client has gone (its connection closes).
        tokio::time::sleep(ms(200)).await;
        let observed = site.log.observed();
        assert_eq!(observed.peak_in_flight, 8, "{observed:?}");
        assert_eq!(observed.attempts["/flaky"], 3);
        let outcomes: BTreeMap<String, Outcome> = site
            .log
            .records()
            .into_iter()
            .map(|r| (r.path, r.outcome))
            .collect();
        assert_eq!(outcomes["/reset"], Outcome::Reset);
        assert_eq!(outcomes["/hang"], Outcome::Abandoned);
        assert_eq!(outcomes["/nowhere"], Outcome::Answered(404));
    }
}
