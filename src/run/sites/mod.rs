//! The fixture websites a task declares, served by the judge into the box, and what the judge
//! observes of a submission's requests: every request is logged with its arrival, its finish
//! and its outcome, and a case's observation is derived from its log (peak in flight,
//! attempts per URL, overlap, waits between retries, span).
//!
//! Each site listens on a Unix socket the box's relay links to `127.0.0.1:PORT` inside the
//! box, so only the submission in that box reaches it. Counters start afresh with every case
//! ([`Web::begin_case`]); what a case asserts is checked by [`check`].

mod observe;
mod ports;

pub use observe::{Outcome, Record, observe};
pub use ports::{PortMap, ports_named};

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::os::fd::OwnedFd;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::{Bytes, Frame};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::{Instant, Sleep};
use tokio_util::sync::CancellationToken;

use crate::outcome::Observed;
use crate::sandbox::relay;
use crate::task::sites::{Behaviour, Route, SiteSpec, origin};

/// Requests logged per case at most.
const MAX_RECORDS: usize = 20_000;
/// The longest path logged as it is.
const MAX_PATH: usize = 512;

/// The requests of the case in progress.
#[derive(Default)]
struct Log {
    /// Bumped at every case start: requests of an earlier case are not counted.
    case: u64,
    records: Vec<Record>,
    /// Indexes into `records` of requests still in flight, and per-URL attempt counters.
    in_flight: usize,
    attempts: BTreeMap<String, u32>,
}

/// All sites of one run, sharing one log.
#[derive(Clone)]
pub struct Web {
    shared: Arc<Shared>,
}

struct Shared {
    sites: Vec<(u16, Vec<Route>)>,
    /// Without a box: the host ports standing in for the declared ones (redirects to a site
    /// name its stand-in).
    ports: Option<Arc<PortMap>>,
    started: Instant,
    log: Mutex<Log>,
    changed: tokio::sync::Notify,
}

/// Where a site's connections come from: the box's relay, or (without a box) the host's
/// loopback, where the judge itself must turn a `reset` route's close into a reset.
enum SiteListener {
    Relay(tokio::net::UnixListener),
    Host(tokio::net::TcpListener),
}

type SiteStream = Box<dyn crate::run::server::scenario::Stream>;

impl SiteListener {
    /// The next connection, with a copy of its socket where a reset needs one.
    async fn accept(&self) -> std::io::Result<(SiteStream, Option<Arc<OwnedFd>>)> {
        match self {
            SiteListener::Relay(listener) => {
                let (stream, _) = listener.accept().await?;
                Ok((Box::new(stream), None))
            }
            SiteListener::Host(listener) => {
                let (stream, _) = listener.accept().await?;
                let reset = crate::util::socket::copy(std::os::fd::AsRawFd::as_raw_fd(&stream))
                    .ok()
                    .map(Arc::new);
                Ok((Box::new(stream), reset))
            }
        }
    }
}

/// Serves `port`'s site on every connection `listener` accepts, until `stop`.
fn spawn_accept_loop(web: &Web, stop: &CancellationToken, port: u16, listener: SiteListener) {
    let (web, stop) = (web.clone(), stop.clone());
    tokio::spawn(async move {
        loop {
            let (stream, reset) = tokio::select! {
                _ = stop.cancelled() => return,
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(_) => {
                        // Out of descriptors, say: do not spin.
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                },
            };
            let (web, stop) = (web.clone(), stop.clone());
            tokio::spawn(async move {
                tokio::select! {
                    _ = stop.cancelled() => {}
                    _ = web.serve_connection(port, stream, reset) => {}
                }
            });
        }
    });
}

/// Serves the web until dropped.
pub struct Serving {
    pub web: Web,
    stop: CancellationToken,
}

impl Drop for Serving {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl Web {
    pub fn new(sites: &[SiteSpec]) -> Web {
        Web::with_ports(sites, None)
    }

    fn with_ports(sites: &[SiteSpec], ports: Option<Arc<PortMap>>) -> Web {
        Web {
            shared: Arc::new(Shared {
                sites: sites.iter().map(|s| (s.port, s.routes.clone())).collect(),
                ports,
                started: Instant::now(),
                log: Mutex::new(Log::default()),
                changed: tokio::sync::Notify::new(),
            }),
        }
    }

    fn log(&self) -> std::sync::MutexGuard<'_, Log> {
        self.shared.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Listens for the box's connections to each site in `sockets_dir`, and returns the
    /// relay's outbound plan entries (port in the box, socket name).
    pub fn serve(
        sites: &[SiteSpec],
        sockets_dir: &Path,
    ) -> std::io::Result<(Serving, Vec<(u16, String)>)> {
        let web = Web::new(sites);
        let stop = CancellationToken::new();
        let mut outbound = Vec::new();
        for site in sites {
            let name = format!("site-{}.sock", site.port);
            let listener = relay::listen_outbound(sockets_dir, &name)?;
            listener.set_nonblocking(true)?;
            let listener = tokio::net::UnixListener::from_std(listener)?;
            outbound.push((site.port, name));
            spawn_accept_loop(&web, &stop, site.port, SiteListener::Relay(listener));
        }
        Ok((Serving { web, stop }, outbound))
    }

    /// Without a box: serves each site on a free port of the host's loopback, and holds a
    /// refusing port for each other loopback port in `named` (those the cases name). The map
    /// says which host port stands for which declared one.
    pub fn serve_on_host(
        sites: &[SiteSpec],
        named: &[u16],
    ) -> std::io::Result<(Serving, Arc<PortMap>)> {
        let mut listeners = Vec::new();
        let mut served = Vec::new();
        for site in sites {
            let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
            listener.set_nonblocking(true)?;
            served.push((site.port, listener.local_addr()?.port()));
            listeners.push((site.port, listener));
        }
        let ports = Arc::new(PortMap::new(served, named)?);
        let web = Web::with_ports(sites, Some(ports.clone()));
        let stop = CancellationToken::new();
        for (port, listener) in listeners {
            let listener = tokio::net::TcpListener::from_std(listener)?;
            spawn_accept_loop(&web, &stop, port, SiteListener::Host(listener));
        }
        Ok((Serving { web, stop }, ports))
    }

    /// Starts counting afresh: requests from now on belong to a new case.
    pub fn begin_case(&self) {
        let mut log = self.log();
        log.case += 1;
        log.records.clear();
        log.attempts.clear();
        log.in_flight = 0;
    }

    /// The case's observation, once no request is in flight (a client's close takes a moment
    /// to reach the judge) or `settle` has passed; requests still open count as unfinished.
    pub async fn observe_case(&self, settle: Duration) -> Observed {
        let deadline = Instant::now() + settle;
        loop {
            let changed = self.shared.changed.notified();
            if self.log().in_flight == 0 {
                break;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                break;
            }
        }
        let now = self.shared.started.elapsed();
        let records: Vec<Record> = self
            .log()
            .records
            .iter()
            .map(|r| match r.outcome {
                Outcome::Unfinished => Record {
                    finished: now,
                    ..r.clone()
                },
                _ => r.clone(),
            })
            .collect();
        observe(&records)
    }

    /// Serves one connection (HTTP/1.1, keep-alive allowed) until the client closes it.
    /// `reset`: a copy of the connection's socket, where the judge itself must make a `reset`
    /// route's close a reset (no box's relay does it).
    pub async fn serve_connection<S>(&self, port: u16, stream: S, reset: Option<Arc<OwnedFd>>)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let web = self.clone();
        let service = hyper::service::service_fn(move |request| {
            let web = web.clone();
            let reset = reset.clone();
            async move { web.answer(port, request, reset.as_deref()).await }
        });
        let _ = hyper::server::conn::http1::Builder::new()
            .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
            .await;
    }

    /// Logs a request's arrival; the returned guard logs its end, however it ends.
    fn arrive(&self, url: String) -> (InFlight, u32) {
        let arrived = self.shared.started.elapsed();
        let mut log = self.log();
        if log.records.len() >= MAX_RECORDS {
            // A flood: served, not logged, so the judge's memory stays bounded.
            let guard = InFlight {
                web: self.clone(),
                case: log.case,
                index: usize::MAX,
                done: true,
            };
            return (guard, u32::MAX);
        }
        let attempt = {
            let count = log.attempts.entry(url.clone()).or_insert(0);
            *count += 1;
            *count
        };
        log.records.push(Record {
            url,
            arrived,
            finished: arrived,
            outcome: Outcome::Unfinished,
        });
        log.in_flight += 1;
        let guard = InFlight {
            web: self.clone(),
            case: log.case,
            index: log.records.len() - 1,
            done: false,
        };
        (guard, attempt)
    }

    async fn answer(
        &self,
        port: u16,
        request: hyper::Request<hyper::body::Incoming>,
        reset: Option<&OwnedFd>,
    ) -> Result<hyper::Response<SiteBody>, std::io::Error> {
        let mut path = request.uri().path().to_owned();
        if path.len() > MAX_PATH {
            // Longer than any route: it is a 404 either way, and the log keeps it short.
            path = crate::util::text::truncate_chars(&path, MAX_PATH);
        }
        let (mut in_flight, attempt) = self.arrive(format!("{}{path}", origin(port)));
        let route = self
            .shared
            .sites
            .iter()
            .find(|(p, _)| *p == port)
            .and_then(|(_, routes)| routes.iter().find(|r| r.path == path));
        let Some(route) = route else {
            return Ok(response(
                404,
                &[],
                SiteBody::whole(b"not found".to_vec(), in_flight),
            ));
        };
        tokio::time::sleep(route.delay).await;
        if let Some((n, status)) = route.fail_first
            && attempt <= n
        {
            return Ok(response(
                status,
                &[],
                SiteBody::whole(Vec::new(), in_flight),
            ));
        }
        match &route.behaviour {
            Behaviour::Answer {
                status,
                headers,
                body,
                slow,
            } => {
                let body = match slow {
                    Some((parts, every)) => SiteBody::paced(body, *parts, *every, in_flight),
                    None => SiteBody::whole(body.clone(), in_flight),
                };
                Ok(response(*status, headers, body))
            }
            Behaviour::Redirect { status, location } => {
                let location = match &self.shared.ports {
                    Some(ports) => ports.text_to_host(location),
                    None => location.clone(),
                };
                Ok(response(
                    *status,
                    &[("Location".to_owned(), location)],
                    SiteBody::whole(Vec::new(), in_flight),
                ))
            }
            Behaviour::Hang => std::future::pending().await,
            Behaviour::Reset => {
                in_flight.finish(Outcome::Reset);
                if let Some(socket) = reset {
                    crate::util::socket::reset_on_close(socket);
                }
                // An error from the service makes hyper drop the connection unanswered; the
                // box's relay turns that into a reset for the client.
                Err(std::io::Error::other("reset on purpose"))
            }
        }
    }
}

/// A request in flight; logs its end once, when the answer is complete or when it is
/// dropped unfinished (its client went away).
struct InFlight {
    web: Web,
    case: u64,
    index: usize,
    done: bool,
}

impl InFlight {
    fn finish(&mut self, outcome: Outcome) {
        if std::mem::replace(&mut self.done, true) {
            return;
        }
        let finished = self.web.shared.started.elapsed();
        {
            let mut log = self.web.log();
            if log.case != self.case {
                return;
            }
            if let Some(record) = log.records.get_mut(self.index) {
                record.finished = finished;
                record.outcome = outcome;
            }
            log.in_flight = log.in_flight.saturating_sub(1);
        }
        self.web.shared.changed.notify_waiters();
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.finish(Outcome::Abandoned);
    }
}

/// A response body that may be sent in parts, and that logs its request's end when its last
/// byte has been handed over (or when it is dropped before that).
pub struct SiteBody {
    parts: std::collections::VecDeque<Bytes>,
    every: Duration,
    pause: Option<Pin<Box<Sleep>>>,
    status: u16,
    in_flight: Option<InFlight>,
}

impl SiteBody {
    fn whole(body: Vec<u8>, in_flight: InFlight) -> SiteBody {
        SiteBody {
            parts: [Bytes::from(body)].into(),
            every: Duration::ZERO,
            pause: None,
            status: 0,
            in_flight: Some(in_flight),
        }
    }

    fn paced(body: &[u8], parts: u32, every: Duration, in_flight: InFlight) -> SiteBody {
        let size = body.len().div_ceil(parts.max(1) as usize).max(1);
        SiteBody {
            parts: body.chunks(size).map(Bytes::copy_from_slice).collect(),
            every,
            pause: None,
            status: 0,
            in_flight: Some(in_flight),
        }
    }
}

impl SiteBody {
    fn finish(&mut self) {
        if let Some(mut in_flight) = self.in_flight.take() {
            in_flight.finish(Outcome::Answered(self.status));
        }
    }
}

impl hyper::body::Body for SiteBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if let Some(pause) = self.pause.as_mut() {
            if pause.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            self.pause = None;
        }
        match self.parts.pop_front() {
            Some(part) => {
                if self.parts.is_empty() {
                    // The last byte is handed over: hyper may not ask again once the
                    // Content-Length is reached.
                    self.finish();
                } else if !self.every.is_zero() {
                    self.pause = Some(Box::pin(tokio::time::sleep(self.every)));
                }
                Poll::Ready(Some(Ok(Frame::data(part))))
            }
            None => {
                self.finish();
                Poll::Ready(None)
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        // Never claimed early: the end is logged in `poll_frame`.
        false
    }
}

fn response(
    status: u16,
    headers: &[(String, String)],
    mut body: SiteBody,
) -> hyper::Response<SiteBody> {
    body.status = status;
    let length: usize = body.parts.iter().map(Bytes::len).sum();
    if length == 0 {
        // hyper may never ask an empty body for its end: the answer is whole now.
        body.finish();
    }
    let mut builder = hyper::Response::builder()
        .status(status)
        .header("Content-Length", length);
    for (name, value) in headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    builder.body(body).unwrap_or_else(|e| {
        // The spec checked every header; a failure here is the judge's, shown as a 500.
        let mut fallback = hyper::Response::new(SiteBody {
            parts: [Bytes::from(e.to_string())].into(),
            every: Duration::ZERO,
            pause: None,
            status: 500,
            in_flight: None,
        });
        *fallback.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        fallback
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::{BodyExt, Full};

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    async fn web_on_loopback(routes: Vec<Route>) -> (u16, Web) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let web = Web::new(&[SiteSpec {
            name: "test".into(),
            port,
            routes,
        }]);
        let serving = web.clone();
        tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let web = serving.clone();
                tokio::spawn(async move { web.serve_connection(port, stream, None).await });
            }
        });
        (port, web)
    }

    async fn get(port: u16, path: &str, timeout: Duration) -> Result<(u16, Vec<u8>), String> {
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
        let exchange = async {
            let response = sender
                .send_request(request)
                .await
                .map_err(|e| e.to_string())?;
            let status = response.status().as_u16();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| e.to_string())?
                .to_bytes();
            Ok((status, body.to_vec()))
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .unwrap_or_else(|_| Err("timeout".into()))
    }

    fn route(path: &str, delay_ms: u64, behaviour: Behaviour) -> Route {
        Route {
            path: path.into(),
            delay: ms(delay_ms),
            fail_first: None,
            behaviour,
        }
    }

    fn page(slow: Option<(u32, Duration)>) -> Behaviour {
        Behaviour::Answer {
            status: 200,
            headers: vec![("Content-Type".into(), "text/html; charset=utf-8".into())],
            body: b"<title>x</title>".to_vec(),
            slow,
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn slow_routes_are_served_at_once_and_every_request_is_logged() {
        let mut flaky = route("/flaky", 0, page(None));
        flaky.fail_first = Some((2, 503));
        let (port, web) = web_on_loopback(vec![
            route("/slow", 200, page(None)),
            flaky,
            route("/hang", 0, Behaviour::Hang),
            route("/reset", 0, Behaviour::Reset),
            route("/drip", 0, page(Some((4, ms(100))))),
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
        let url = |path: &str| format!("http://127.0.0.1:{port}{path}");
        web.begin_case();
        let slow: Vec<_> = (0..8)
            .map(|_| tokio::spawn(get(port, "/slow", Duration::from_secs(5))))
            .collect();
        for request in slow {
            assert_eq!(request.await.unwrap().unwrap().0, 200);
        }
        let observed = web.observe_case(ms(500)).await;
        assert_eq!(observed.peak_in_flight, 8, "{observed:?}");

        web.begin_case();
        let mut statuses = Vec::new();
        for _ in 0..3 {
            statuses.push(get(port, "/flaky", ms(2000)).await.unwrap().0);
        }
        assert_eq!(statuses, [503, 503, 200]);
        assert_eq!(get(port, "/moved", ms(2000)).await.unwrap().0, 302);
        assert_eq!(get(port, "/nowhere", ms(2000)).await.unwrap().0, 404);
        assert!(get(port, "/reset", ms(2000)).await.is_err());
        assert_eq!(get(port, "/hang", ms(200)).await, Err("timeout".to_owned()));
        let started = Instant::now();
        let (status, body) = get(port, "/drip", ms(2000)).await.unwrap();
        assert_eq!(
            (status, body.as_slice()),
            (200, b"<title>x</title>".as_slice())
        );
        assert!(started.elapsed() >= ms(300), "the body came in paced parts");
        // A timeout shorter than the paced body abandons it midway.
        assert_eq!(get(port, "/drip", ms(150)).await, Err("timeout".to_owned()));
        let observed = web.observe_case(ms(1000)).await;
        assert_eq!(observed.peak_in_flight, 1, "{observed:?}");
        assert_eq!(observed.urls[&url("/flaky")].attempts, 3);
        assert_eq!(observed.urls[&url("/drip")].attempts, 2);
        assert!(
            !observed.urls.contains_key(&url("/slow")),
            "counters start afresh"
        );
        let outcomes: BTreeMap<String, Outcome> = web
            .log()
            .records
            .iter()
            .map(|r| (r.url.clone(), r.outcome))
            .collect();
        assert_eq!(outcomes[&url("/reset")], Outcome::Reset);
        assert_eq!(outcomes[&url("/hang")], Outcome::Abandoned);
        assert_eq!(outcomes[&url("/drip")], Outcome::Abandoned);
        assert_eq!(outcomes[&url("/nowhere")], Outcome::Answered(404));
        // An empty answer (a redirect) is whole when it is handed over.
        assert_eq!(outcomes[&url("/moved")], Outcome::Answered(302));
    }
}
