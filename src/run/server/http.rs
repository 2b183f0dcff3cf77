//! HTTP steps: the judge as an HTTP/1.1 client of the submission's server. Every request goes
//! on a connection of its own (`Connection: close`, `Host: 127.0.0.1:PORT`), so a server that
//! mishandles one request cannot spoil the next through a shared connection.
//!
//! What a request observed is a JSON object with just the parts its step expects:
//! `{"status": 200, "headers": {"content-type": "..."}, "body": {...}}` (`"text"` for a text
//! body); a body that should be JSON and is not shows up as `"body (not JSON)"`, and a request
//! that got no answer as `{"error": "..."}`, so each lands as a mismatch at its own path.

use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use serde_json::{Map, Value, json};

use super::scenario::{Connector, LATE_MARGIN};
use crate::task::steps::{Body, BodyAs, CaptureFrom, Exchange, HttpBurst, Request};
use crate::util::text::{substitute, whole_capture};

/// A response body larger than this is not read (the step fails).
const MAX_BODY: usize = 1 << 20;
/// A body that is not JSON is shown up to this many characters.
const NOT_JSON_PREVIEW: usize = 2000;

fn substitute_json(value: &Value, captured: &Map<String, Value>) -> Result<Value, String> {
    Ok(match value {
        Value::String(s) => match whole_capture(s) {
            Some(name) => captured
                .get(name)
                .cloned()
                .ok_or_else(|| format!("{{{{{name}}}}} was not captured by an earlier step"))?,
            None => Value::String(substitute(s, captured)?),
        },
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| substitute_json(v, captured))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), substitute_json(v, captured)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

/// The path and query of `target`: an absolute URL (from a captured `Location` header, say)
/// is sent to the server under test whatever host it names.
fn origin_form(target: &str) -> String {
    let lower = target.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        let after_scheme = &target[target.find("//").map_or(0, |i| i + 2)..];
        match after_scheme.find(['/', '?']) {
            Some(at) if after_scheme[at..].starts_with('?') => {
                format!("/{}", &after_scheme[at..])
            }
            Some(at) => after_scheme[at..].to_owned(),
            None => "/".to_owned(),
        }
    } else if target.starts_with('/') {
        target.to_owned()
    } else {
        // A relative Location such as `notes/5`: relative to the root, where every request
        // of a step starts.
        format!("/{target}")
    }
}

/// A request ready to send, captures filled in, and its body (for the transcript).
fn build_with_body(
    request: &Request,
    host: &str,
    captured: &Map<String, Value>,
) -> Result<(hyper::Request<Full<Bytes>>, Bytes), String> {
    let mut target = origin_form(&substitute(&request.path, captured)?);
    if !request.query.is_empty() {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (name, value) in &request.query {
            query.append_pair(name, &substitute(value, captured)?);
        }
        target.push(if target.contains('?') { '&' } else { '?' });
        target.push_str(&query.finish());
    }
    let given = |header: &str| {
        request
            .headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case(header))
    };
    let mut builder = hyper::Request::builder()
        .method(request.method.as_str())
        .uri(target);
    if !given("host") {
        builder = builder.header(hyper::header::HOST, host);
    }
    if !given("connection") {
        builder = builder.header(hyper::header::CONNECTION, "close");
    }
    let has_content_type = given("content-type");
    let body = match &request.body {
        None => Vec::new(),
        Some(Body::Json(value)) => {
            if !has_content_type {
                builder = builder.header(hyper::header::CONTENT_TYPE, "application/json");
            }
            serde_json::to_vec(&substitute_json(value, captured)?).map_err(|e| e.to_string())?
        }
        Some(Body::Raw(bytes)) => match std::str::from_utf8(bytes) {
            Ok(text) => substitute(text, captured)?.into_bytes(),
            Err(_) => bytes.clone(),
        },
    };
    if let Some((user, password)) = &request.basic_auth {
        use base64::Engine;
        let credentials = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            substitute(user, captured)?,
            substitute(password, captured)?
        ));
        builder = builder.header(hyper::header::AUTHORIZATION, format!("Basic {credentials}"));
    }
    for (name, value) in &request.headers {
        builder = builder.header(name.as_str(), substitute(value, captured)?);
    }
    if request.body.is_some() && !given("content-length") {
        builder = builder.header(hyper::header::CONTENT_LENGTH, body.len());
    }
    let body = Bytes::from(body);
    builder
        .body(Full::new(body.clone()))
        .map(|built| (built, body))
        .map_err(|e| format!("cannot build the request: {e}"))
}

/// A response body is shown up to this many characters in a transcript.
const TRANSCRIPT_BODY: usize = 2000;

/// `s` quoted for a POSIX shell.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// The request as a curl command line a developer can paste (the server's address inside the
/// box is shown as `$PORT`).
fn curl_command(
    request: &hyper::Request<Full<Bytes>>,
    body: &Bytes,
    auth: Option<(String, String)>,
) -> String {
    let mut words = vec!["curl -i".to_owned()];
    if request.method() != hyper::Method::GET || !body.is_empty() {
        words.push(format!("-X {}", request.method()));
    }
    // `$PORT` stays outside the quotes, so the shell fills it in.
    words.push(format!(
        "http://127.0.0.1:\"$PORT\"{}",
        shell_quote(&request.uri().to_string())
    ));
    if let Some((user, password)) = auth {
        words.push(format!("-u {}", shell_quote(&format!("{user}:{password}"))));
    }
    for (name, value) in request.headers() {
        let implied = [
            hyper::header::HOST,
            hyper::header::CONNECTION,
            hyper::header::CONTENT_LENGTH,
            hyper::header::AUTHORIZATION,
        ];
        if !implied.contains(name) {
            let value = String::from_utf8_lossy(value.as_bytes());
            words.push(format!("-H {}", shell_quote(&format!("{name}: {value}"))));
        }
    }
    if !body.is_empty() {
        match std::str::from_utf8(body) {
            Ok(text) => words.push(format!("--data-binary {}", shell_quote(text))),
            Err(_) => words.push(format!(
                "--data-binary {}   # not UTF-8; bytes shown lossily",
                shell_quote(&String::from_utf8_lossy(body))
            )),
        }
    }
    format!("$ {}", words.join(" "))
}

/// The response as `curl -i` prints it: status line, headers, blank line, body.
fn response_text(response: &Response) -> String {
    let reason = hyper::StatusCode::from_u16(response.status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let mut text = format!("HTTP/1.1 {} {reason}\n", response.status);
    for (name, value) in &response.headers {
        text.push_str(&format!(
            "{name}: {}\n",
            String::from_utf8_lossy(value.as_bytes())
        ));
    }
    text.push('\n');
    text.push_str(&crate::util::text::truncate_chars(
        &String::from_utf8_lossy(&response.body),
        TRANSCRIPT_BODY,
    ));
    text
}

/// What came back for one request.
struct Response {
    status: u16,
    headers: hyper::HeaderMap,
    body: Bytes,
}

/// Sends `request` on a new connection and reads the whole response.
async fn send<C: Connector>(
    connector: &C,
    request: hyper::Request<Full<Bytes>>,
    timeout: Duration,
) -> Result<Response, String> {
    let exchange = async {
        let stream = match connector.connect().await {
            Ok(Some(opened)) => opened.stream,
            Ok(None) => return Err("the server refused the connection".into()),
            Err(e) => return Err(format!("cannot connect: {e}")),
        };
        let (mut sender, connection) = hyper::client::conn::http1::Builder::new()
            .title_case_headers(true)
            .handshake::<_, Full<Bytes>>(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(describe_error)?;
        let respond = async {
            let response = sender.send_request(request).await.map_err(describe_error)?;
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, MAX_BODY)
                .collect()
                .await
                .map_err(|e| match e.downcast_ref::<hyper::Error>() {
                    Some(e) => match std::error::Error::source(e) {
                        Some(cause) => format!("the body was cut short ({cause})"),
                        None => format!("the body was cut short ({e})"),
                    },
                    None => format!("the body is larger than {} KiB", MAX_BODY >> 10),
                })?
                .to_bytes();
            Ok::<_, String>(Response {
                status: parts.status.as_u16(),
                headers: parts.headers,
                body,
            })
        };
        // The connection is driven alongside. When it ends first (the server closed or
        // reset it), the response says whether what came before was complete.
        tokio::pin!(connection);
        tokio::pin!(respond);
        tokio::select! {
            response = &mut respond => response,
            _ = &mut connection => respond.await,
        }
    };
    match tokio::time::timeout(timeout, exchange).await {
        Ok(result) => result,
        Err(_) => Err(format!(
            "no complete answer within {}",
            crate::util::units::format_duration(timeout)
        )),
    }
}

fn describe_error(e: hyper::Error) -> String {
    describe_error_ref(&e)
}

fn describe_error_ref(e: &hyper::Error) -> String {
    if e.is_incomplete_message() {
        "the server closed the connection without a complete answer".into()
    } else if e.is_parse() || e.is_parse_status() {
        format!("the answer is not valid HTTP ({e})")
    } else if e.is_closed() || e.is_canceled() {
        "the server closed the connection".into()
    } else {
        match std::error::Error::source(e) {
            Some(cause) => format!("the request failed: {e} ({cause})"),
            None => format!("the request failed: {e}"),
        }
    }
}

/// Runs one request step; captured values are added to `captured`. Returns the observation
/// and a transcript of the exchange (a curl command and the response), shown when the step
/// fails.
pub async fn exchange<C: Connector>(
    connector: &C,
    exchange: &Exchange,
    captured: &mut Map<String, Value>,
) -> (Value, Option<String>) {
    let (request, body) = match build_with_body(&exchange.request, &connector.host(), captured) {
        Ok(built) => built,
        Err(error) => return (json!({ "error": error }), None),
    };
    let auth = exchange
        .request
        .basic_auth
        .as_ref()
        .map(|(user, password)| {
            (
                substitute(user, captured).unwrap_or_else(|_| user.clone()),
                substitute(password, captured).unwrap_or_else(|_| password.clone()),
            )
        });
    let command = curl_command(&request, &body, auth);
    let response = match send(connector, request, exchange.timeout).await {
        Ok(response) => response,
        Err(error) => {
            let transcript = format!("{command}\n(no answer: {error})");
            return (json!({ "error": error }), Some(transcript));
        }
    };
    let transcript = format!("{command}\n{}", response_text(&response));
    (observe(exchange, &response, captured), Some(transcript))
}

/// What a step expects to see of `response`; captured values are added to `captured`.
fn observe(exchange: &Exchange, response: &Response, captured: &mut Map<String, Value>) -> Value {
    let mut observed = Map::new();
    observed.insert("status".into(), Value::from(response.status));
    if !exchange.observe.headers.is_empty() {
        let mut headers = Map::new();
        for name in &exchange.observe.headers {
            let values: Vec<String> = response
                .headers
                .get_all(name.as_str())
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect();
            if !values.is_empty() {
                headers.insert(name.clone(), Value::String(values.join(", ")));
            }
        }
        observed.insert("headers".into(), Value::Object(headers));
    }
    let text = || String::from_utf8_lossy(&response.body).into_owned();
    let from_body = exchange
        .captures
        .iter()
        .any(|(_, from)| matches!(from, CaptureFrom::Body(_)));
    let json: Option<Result<Value, String>> = (exchange.observe.body == BodyAs::Json || from_body)
        .then(|| {
            serde_json::from_slice::<Value>(&response.body).map_err(|e| {
                let shown = crate::util::text::truncate_chars(&text(), NOT_JSON_PREVIEW);
                if response.body.is_empty() {
                    "(empty)".to_owned()
                } else {
                    format!("{shown}   [{e}]")
                }
            })
        });
    match exchange.observe.body {
        BodyAs::Ignored => {}
        BodyAs::Text => {
            observed.insert("text".into(), Value::String(text()));
        }
        BodyAs::Json => match &json {
            Some(Ok(value)) => {
                observed.insert("body".into(), value.clone());
            }
            Some(Err(shown)) => {
                observed.insert("body (not JSON)".into(), Value::String(shown.clone()));
            }
            None => {}
        },
    }
    let mut failed = Map::new();
    for (name, from) in &exchange.captures {
        let found = match from {
            CaptureFrom::Body(path) => json
                .as_ref()
                .and_then(|j| j.as_ref().ok())
                .and_then(|j| path.find(j))
                .cloned()
                .ok_or_else(|| format!("no value at {} in the JSON body", path.text)),
            CaptureFrom::Header(header) => response
                .headers
                .get(header.as_str())
                .map(|v| Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .ok_or_else(|| format!("no {header} header in the response")),
        };
        match found {
            Ok(value) => {
                captured.insert(name.clone(), value);
            }
            Err(why) => {
                failed.insert(name.clone(), Value::String(why));
            }
        }
    }
    if !failed.is_empty() {
        observed.insert("not captured".into(), Value::Object(failed));
    }
    Value::Object(observed)
}

/// Observed: `{"in_time": bool, "statuses": {"200": n, ...}}`, and an `error` that says what
/// went wrong first.
pub async fn burst<C: Connector>(
    connector: &C,
    burst: &HttpBurst,
    captured: &Map<String, Value>,
) -> Value {
    let host = connector.host();
    let mut senders = Vec::with_capacity(burst.clients);
    let mut drivers = Vec::with_capacity(burst.clients);
    for i in 0..burst.clients {
        let stream = match connector.connect().await {
            Ok(Some(opened)) => opened.stream,
            Ok(None) => {
                return json!({ "error": format!("client {i}: the server refused the connection") });
            }
            Err(e) => return json!({ "error": format!("client {i}: cannot connect: {e}") }),
        };
        let handshake = hyper::client::conn::http1::Builder::new()
            .title_case_headers(true)
            .handshake::<_, Full<Bytes>>(hyper_util::rt::TokioIo::new(stream))
            .await;
        match handshake {
            Ok((sender, connection)) => {
                senders.push(sender);
                drivers.push(tokio::spawn(connection));
            }
            Err(e) => return json!({ "error": format!("client {i}: {}", describe_error(e)) }),
        }
    }
    // The barrier: every client is connected; now all send at once.
    let start = tokio::time::Instant::now();
    let read_deadline = start + burst.within.max(burst.timeout) + LATE_MARGIN;
    let mut tasks = Vec::with_capacity(senders.len());
    for mut sender in senders {
        let request = match build_with_body(&burst.request, &host, captured) {
            Ok((request, _)) => request,
            Err(error) => return json!({ "error": error }),
        };
        tasks.push(tokio::spawn(async move {
            let respond = async {
                let response = sender.send_request(request).await.map_err(describe_error)?;
                let status = response.status().as_u16();
                Limited::new(response.into_body(), MAX_BODY)
                    .collect()
                    .await
                    .map_err(|e| format!("reading the body failed: {e}"))?;
                Ok::<_, String>(status)
            };
            let outcome = tokio::time::timeout_at(read_deadline, respond)
                .await
                .unwrap_or_else(|_| Err("no complete answer in time".into()));
            (outcome, tokio::time::Instant::now())
        }));
    }
    let mut statuses: std::collections::BTreeMap<String, u64> = Default::default();
    let mut last = start;
    let mut first_error = None;
    let mut finish_times = Vec::with_capacity(burst.clients);
    for (i, task) in tasks.into_iter().enumerate() {
        let Ok((outcome, finished)) = task.await else {
            continue;
        };
        last = last.max(finished);
        match outcome {
            Ok(status) => {
                *statuses.entry(status.to_string()).or_default() += 1;
                finish_times.push(finished - start);
            }
            Err(e) => {
                if first_error.is_none() {
                    first_error = Some(format!("client {i}: {e}"));
                }
            }
        }
    }
    for driver in drivers {
        driver.abort();
    }
    let outcome = super::scenario::BurstOutcome {
        clients: burst.clients,
        within: burst.within,
        service: burst.service,
        waited: last - start,
        finish_times,
        first_error,
    };
    let mut observed = Map::new();
    observed.insert("in_time".into(), Value::Bool(outcome.in_time()));
    observed.insert("statuses".into(), json!(statuses));
    outcome.record(&mut observed, "response");
    Value::Object(observed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::server::scenario::testing::Loopback;
    use crate::task::steps::{Observe, ValuePath};

    #[test]
    fn value_paths_and_substitution() {
        let path = ValuePath::parse("$.items[1].sku").unwrap();
        let body = json!({"items": [{"sku": "a"}, {"sku": "b"}]});
        assert_eq!(path.find(&body), Some(&json!("b")));
        assert_eq!(ValuePath::parse("$").unwrap().find(&body), Some(&body));
        assert!(ValuePath::parse("id").is_err());
        assert!(ValuePath::parse("$.a[x]").is_err());
        assert!(ValuePath::parse("$..a").is_err());

        let mut captured = Map::new();
        captured.insert("id".into(), json!(7));
        captured.insert("name".into(), json!("ann"));
        assert_eq!(
            substitute("/notes/{{id}}?by={{ name }}", &captured).unwrap(),
            "/notes/7?by=ann"
        );
        assert!(
            substitute("/notes/{{nope}}", &captured)
                .unwrap_err()
                .contains("{{nope}} was not captured")
        );
        assert_eq!(
            substitute_json(&json!({"id": "{{id}}", "label": "#{{id}}"}), &captured).unwrap(),
            json!({"id": 7, "label": "#7"})
        );
    }

    #[test]
    fn captured_urls_become_paths_on_the_server_under_test() {
        assert_eq!(origin_form("http://127.0.0.1:8000/notes/5"), "/notes/5");
        assert_eq!(origin_form("HTTPS://example.test/a?b=1"), "/a?b=1");
        assert_eq!(origin_form("http://h?x=1"), "/?x=1");
        assert_eq!(origin_form("http://h"), "/");
        assert_eq!(origin_form("notes/5"), "/notes/5");
        assert_eq!(origin_form("/notes/5?x"), "/notes/5?x");
    }

    /// A one-shot HTTP server on the test's loopback that answers every connection with
    /// `reply` and records what it was sent.
    async fn canned(reply: &'static [u8]) -> (u16, tokio::sync::mpsc::UnboundedReceiver<String>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            loop {
                let (mut stream, _) = listener.accept().await.unwrap();
                let tx = tx.clone();
                tokio::spawn(async move {
                    let mut seen = Vec::new();
                    let mut chunk = [0u8; 4096];
                    // Read the head and a Content-Length body.
                    loop {
                        let n = stream.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            break;
                        }
                        seen.extend_from_slice(&chunk[..n]);
                        let text = String::from_utf8_lossy(&seen).into_owned();
                        if let Some(end) = text.find("\r\n\r\n") {
                            let length = text
                                .lines()
                                .find_map(|l| l.strip_prefix("Content-Length: "))
                                .and_then(|n| n.trim().parse::<usize>().ok())
                                .unwrap_or(0);
                            if seen.len() >= end + 4 + length {
                                break;
                            }
                        }
                    }
                    let _ = tx.send(String::from_utf8_lossy(&seen).into_owned());
                    let _ = stream.write_all(reply).await;
                });
            }
        });
        (port, rx)
    }

    fn post(body: Body) -> Request {
        Request {
            method: "POST".into(),
            path: "/invoices/total".into(),
            query: vec![("q".into(), "a b".into())],
            headers: Vec::new(),
            body: Some(body),
            basic_auth: Some(("ann".into(), "pw".into())),
        }
    }

    #[tokio::test]
    async fn a_request_is_sent_as_written_and_observed_as_asked() {
        let (port, mut sent) = canned(
            b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nX-Id: 9\r\nContent-Length: 21\r\n\r\n{\"id\": 9, \"ok\": true}",
        )
        .await;
        let mut captured = Map::new();
        let step = Exchange {
            request: post(Body::Json(json!({"n": 2.0}))),
            observe: Observe {
                headers: vec!["content-type".into(), "x-missing".into()],
                body: BodyAs::Json,
            },
            captures: vec![
                (
                    "id".into(),
                    CaptureFrom::Body(ValuePath::parse("$.id").unwrap()),
                ),
                ("xid".into(), CaptureFrom::Header("x-id".into())),
            ],
            timeout: Duration::from_secs(5),
        };
        let (observed, transcript) = exchange(&Loopback(port), &step, &mut captured).await;
        let transcript = transcript.unwrap();
        assert!(
            transcript.starts_with(
                "$ curl -i -X POST http://127.0.0.1:\"$PORT\"'/invoices/total?q=a+b' -u 'ann:pw' -H 'content-type: application/json' --data-binary '{\"n\":2.0}'\nHTTP/1.1 201 Created\n"
            ),
            "{transcript}"
        );
        assert!(
            transcript.ends_with("\n\n{\"id\": 9, \"ok\": true}"),
            "{transcript}"
        );
        assert_eq!(captured["xid"], json!("9"));
        assert_eq!(
            observed,
            json!({"status": 201, "headers": {"content-type": "application/json"}, "body": {"id": 9, "ok": true}})
        );
        assert_eq!(captured["id"], json!(9));
        let request = sent.recv().await.unwrap();
        assert!(
            request.starts_with("POST /invoices/total?q=a+b HTTP/1.1\r\n"),
            "{request}"
        );
        for header in [
            format!("Host: 127.0.0.1:{port}\r\n"),
            "Connection: close\r\n".into(),
            "Content-Type: application/json\r\n".into(),
            "Content-Length: 9\r\n".into(),
            "Authorization: Basic YW5uOnB3\r\n".into(),
        ] {
            assert!(request.contains(&header), "{header:?} not in {request:?}");
        }
        assert!(request.ends_with("\r\n\r\n{\"n\":2.0}"), "{request:?}");
    }

    #[tokio::test]
    async fn html_where_json_was_expected_and_missing_answers_are_observed() {
        let (port, _sent) =
            canned(b"HTTP/1.0 404 Not Found\r\nContent-Type: text/html\r\n\r\n<h1>Not Found</h1>")
                .await;
        let step = Exchange {
            request: post(Body::Raw(b"{\"items\": [".to_vec())),
            observe: Observe {
                headers: Vec::new(),
                body: BodyAs::Json,
            },
            captures: vec![(
                "id".into(),
                CaptureFrom::Body(ValuePath::parse("$.id").unwrap()),
            )],
            timeout: Duration::from_secs(5),
        };
        let (observed, _) = exchange(&Loopback(port), &step, &mut Map::new()).await;
        assert_eq!(observed["status"], json!(404));
        let shown = observed["body (not JSON)"].as_str().unwrap();
        assert!(shown.starts_with("<h1>Not Found</h1>   ["), "{shown}");
        assert_eq!(
            observed["not captured"],
            json!({"id": "no value at $.id in the JSON body"})
        );

        let (port, _sent) = canned(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort").await;
        let (observed, _) = exchange(&Loopback(port), &step, &mut Map::new()).await;
        assert_eq!(
            observed,
            json!({"error": "the body was cut short (end of file before message length reached)"})
        );

        let (port, _sent) = canned(b"").await;
        let (observed, transcript) = exchange(&Loopback(port), &step, &mut Map::new()).await;
        assert!(transcript.unwrap().contains("\n(no answer: "));
        let error = observed["error"].as_str().unwrap();
        assert!(error.contains("closed the connection"), "{error}");
    }
}
