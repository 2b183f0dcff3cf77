//! What a server case's steps are: the judge's moves against the submission's server, each
//! with what it observes. Parsed from task.toml by the sibling modules, run by `run::server`.

use std::time::Duration;

use serde_json::Value;

/// The connection a step uses when it names none.
pub const MAIN: &str = "main";

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Writes `parts` one after another, `pause` apart (a message split across segments).
    Send {
        on: String,
        parts: Vec<Vec<u8>>,
        pause: Duration,
    },
    /// Reads the next `count` lines (`\n`, one `\r` before it dropped).
    Lines {
        on: String,
        count: usize,
        timeout: Duration,
    },
    /// Expects the server to close the connection (end of stream) within `timeout`.
    Closed {
        on: String,
        timeout: Duration,
    },
    /// The judge closes the connection: orderly (the server reads the end of the stream), or
    /// with a reset (the server's next read or write fails with ECONNRESET).
    Close {
        on: String,
        reset: bool,
    },
    Sleep(Duration),
    /// Opens a connection and sends nothing (an idle client).
    Open {
        on: String,
    },
    /// Many clients at once: each connects (and is greeted, checked by one reply line), then
    /// all send at the same moment (a barrier) and read their replies.
    Burst(Burst),
    /// SIGTERM to the server; observed: whether it exited within `within`.
    Terminate {
        within: Duration,
    },
    /// One HTTP request on a connection of its own, and what came back.
    Exchange(Box<Exchange>),
    /// The same HTTP request from many clients at once.
    HttpBurst(Box<HttpBurst>),
    /// The server is stopped (SIGTERM, grace, the box killed) and started again with the same
    /// DATA_DIR; observed: whether it came back ready.
    Restart,
    /// Observed: how many files the server's DATA_DIR holds.
    DataFiles,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Burst {
    pub clients: usize,
    /// Sent by each client once connected; its one reply line is observed with the rest.
    pub greet: Option<Vec<u8>>,
    /// Sent by every client at once, after all have connected and been greeted.
    pub send: Vec<u8>,
    /// Reply lines each client reads after `send`.
    pub replies: usize,
    /// Every reply must have arrived this long after the barrier.
    pub within: Duration,
    /// All replies, as integers, must be exactly these numbers, each once (shared counters).
    pub numbers: Option<(u64, u64)>,
    /// How long one client's request takes when served alone: given, the burst also observes
    /// how many clients were served at once (`run::server::scenario::overlapped`).
    pub service: Option<Duration>,
}

impl std::fmt::Display for Step {
    /// One line saying what the step does, for `livejudge show`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let bytes = |b: &[u8]| format!("{:?}", String::from_utf8_lossy(b));
        let on = |name: &str| {
            if name == MAIN {
                String::new()
            } else {
                format!("[{name}] ")
            }
        };
        match self {
            Step::Send {
                on: c,
                parts,
                pause,
            } => {
                let parts: Vec<String> = parts.iter().map(|p| bytes(p)).collect();
                if parts.len() > 1 {
                    write!(
                        f,
                        "{}send {} ({} ms apart)",
                        on(c),
                        parts.join(" then "),
                        pause.as_millis()
                    )
                } else {
                    write!(f, "{}send {}", on(c), parts.join(""))
                }
            }
            Step::Lines { on: c, count, .. } => {
                write!(
                    f,
                    "{}read {count} line{}",
                    on(c),
                    if *count == 1 { "" } else { "s" }
                )
            }
            Step::Closed { on: c, .. } => write!(f, "{}expect the server to close", on(c)),
            Step::Close { on: c, reset } => {
                write!(f, "{}{}", on(c), if *reset { "reset" } else { "close" })
            }
            Step::Sleep(d) => write!(f, "sleep {} ms", d.as_millis()),
            Step::Open { on: c } => write!(f, "{}open a connection and stay silent", on(c)),
            Step::Burst(b) => write!(
                f,
                "burst: {} clients connect, then all send {} at once",
                b.clients,
                bytes(&b.send)
            ),
            Step::Terminate { within } => {
                write!(
                    f,
                    "SIGTERM to the server (exit within {} ms)",
                    within.as_millis()
                )
            }
            Step::Exchange(exchange) => write!(f, "{}", exchange.request),
            Step::HttpBurst(b) => write!(
                f,
                "burst: {} clients connect, then all send {} at once",
                b.clients, b.request
            ),
            Step::Restart => write!(f, "restart the server (same DATA_DIR)"),
            Step::DataFiles => write!(f, "expect files in DATA_DIR"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: String,
    /// The path, with a `?query` when the step wrote one; may hold `{{name}}` captures.
    pub path: String,
    /// Added to the path, form-encoded.
    pub query: Vec<(String, String)>,
    /// In the order written; names go out in title case (`X-Api-Key`), which HTTP says is
    /// the same name. `Host`, `Connection` or `Content-Length` here replace the judge's.
    pub headers: Vec<(String, String)>,
    pub body: Option<Body>,
    pub basic_auth: Option<(String, String)>,
}

impl std::fmt::Display for Request {
    /// `POST /invoices/total [Content-Type: application/json] {"items": ...}`, shortened.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.path)?;
        if !self.query.is_empty() {
            let query: Vec<String> = self.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
            write!(f, " ?{}", query.join("&"))?;
        }
        for (name, value) in &self.headers {
            write!(f, " [{name}: {value}]")?;
        }
        if let Some((user, _)) = &self.basic_auth {
            write!(f, " [Basic {user}:***]")?;
        }
        let body = match &self.body {
            Some(Body::Json(value)) => value.to_string(),
            Some(Body::Raw(bytes)) => match std::str::from_utf8(bytes) {
                Ok(text) if !text.chars().any(char::is_control) => text.to_owned(),
                _ => format!("{:?}", String::from_utf8_lossy(bytes)),
            },
            None => return Ok(()),
        };
        write!(f, " {}", crate::util::text::truncate_chars(&body, 160))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// Sent as compact JSON, with `Content-Type: application/json` unless a header says
    /// otherwise. A string that is exactly `{{name}}` becomes the captured value itself.
    Json(Value),
    /// Sent as is (malformed JSON, a wrong content type, bytes that are not UTF-8).
    Raw(Vec<u8>),
}

/// Which parts of a response a step looks at.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observe {
    /// Lower-case names.
    pub headers: Vec<String>,
    pub body: BodyAs,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BodyAs {
    #[default]
    Ignored,
    Json,
    Text,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Exchange {
    pub request: Request,
    pub observe: Observe,
    /// Capture name and where its value is: the JSON body or a header.
    pub captures: Vec<(String, CaptureFrom)>,
    pub timeout: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HttpBurst {
    pub clients: usize,
    pub request: Request,
    /// Every response must have arrived this long after the barrier.
    pub within: Duration,
    pub timeout: Duration,
    /// How long one request takes served alone (see `run::server::scenario::overlapped`).
    pub service: Option<Duration>,
}

/// Where a captured value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaptureFrom {
    Body(ValuePath),
    /// A response header (lower-case name), as text.
    Header(String),
}

/// A location in a JSON body: `$.id`, `$.items[0].sku`, `$[2]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValuePath {
    pub text: String,
    steps: Vec<PathStep>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PathStep {
    Key(String),
    Index(usize),
}

impl ValuePath {
    pub fn parse(text: &str) -> Result<ValuePath, String> {
        let bad = || format!("{text:?} is not a path like $.id or $.items[0].sku");
        let mut rest = text.strip_prefix('$').ok_or_else(bad)?;
        let mut steps = Vec::new();
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('.') {
                let end = after.find(['.', '[']).unwrap_or(after.len());
                if end == 0 {
                    return Err(bad());
                }
                steps.push(PathStep::Key(after[..end].to_owned()));
                rest = &after[end..];
            } else if let Some(after) = rest.strip_prefix('[') {
                let end = after.find(']').ok_or_else(bad)?;
                let index = after[..end].parse().map_err(|_| bad())?;
                steps.push(PathStep::Index(index));
                rest = &after[end + 1..];
            } else {
                return Err(bad());
            }
        }
        Ok(ValuePath {
            text: text.to_owned(),
            steps,
        })
    }

    pub fn find<'a>(&self, value: &'a Value) -> Option<&'a Value> {
        self.steps.iter().try_fold(value, |v, step| match step {
            PathStep::Key(key) => v.get(key),
            PathStep::Index(i) => v.get(i),
        })
    }
}
