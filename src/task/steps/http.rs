//! HTTP steps as written in task.toml: a request and what its response must hold, captures,
//! bursts of the same request.

use serde_json::{Value, json};

use super::model::{
    Body, BodyAs, CaptureFrom, Exchange, HttpBurst, Observe, Request, Step, ValuePath,
};
use std::time::Duration;

use super::tcp::parse_parts;
use super::{At, DEFAULT_REQUEST_TIMEOUT, StepError, duration_field, error, key, to_json};
use crate::compare::Segment;

const REQUEST_HELP: &str = "write request = \"POST /invoices/total\", with headers, query, json or body, auth, expect = { status = 200, body = { ... } } and capture as needed";

/// The request a step (or a burst) makes: `request = "METHOD /path"` and its companions.
fn parse_request(table: &toml::Table, at: At, errors: &mut Vec<StepError>) -> Request {
    let mut request = Request {
        method: String::new(),
        path: String::new(),
        query: Vec::new(),
        headers: Vec::new(),
        body: None,
        basic_auth: None,
    };
    match table.get("request").and_then(|r| r.as_str()) {
        Some(line) => {
            let mut words = line.split_whitespace();
            match (words.next(), words.next(), words.next()) {
                (Some(method), Some(path), None)
                    if hyper::Method::from_bytes(method.as_bytes()).is_ok()
                        && !method.chars().any(|c| c.is_ascii_lowercase())
                        && ((path.starts_with('/') && path.parse::<hyper::Uri>().is_ok())
                            // A captured path or URL (a Location header, say).
                            || path.starts_with("{{")) =>
                {
                    request.method = method.to_owned();
                    request.path = path.to_owned();
                }
                _ => errors.push(error(
                    at(&["request"]),
                    format!("{line:?} is not \"METHOD /path\""),
                    "write request = \"GET /health\" (the path starts with /, no spaces; put ?a=b in it or use query)",
                )),
            }
        }
        None => errors.push(error(
            at(&["request"]),
            "request must be a string",
            REQUEST_HELP,
        )),
    }
    let pairs = |field: &str, errors: &mut Vec<StepError>| -> Vec<(String, String)> {
        let Some(value) = table.get(field) else {
            return Vec::new();
        };
        let Some(entries) = value.as_table() else {
            errors.push(error(
                at(&[field]),
                format!("{field} must be a table of names and values"),
                format!("write {field} = {{ name = \"value\" }}"),
            ));
            return Vec::new();
        };
        let mut out = Vec::new();
        for (name, value) in entries {
            match value {
                toml::Value::String(s) => out.push((name.clone(), s.clone())),
                toml::Value::Integer(n) => out.push((name.clone(), n.to_string())),
                toml::Value::Boolean(b) => out.push((name.clone(), b.to_string())),
                _ => errors.push(error(
                    at(&[field, name]),
                    "a value must be a string or a number",
                    format!("write {field} = {{ {name} = \"...\" }}"),
                )),
            }
        }
        out
    };
    request.query = pairs("query", errors);
    request.headers = pairs("headers", errors);
    for (i, (name, value)) in request.headers.iter().enumerate() {
        let valid = hyper::header::HeaderName::from_bytes(name.as_bytes()).is_ok()
            && hyper::header::HeaderValue::from_str(value).is_ok();
        if !valid {
            errors.push(error(
                at(&["headers", name]),
                format!("header {i} ({name:?}: {value:?}) cannot be sent"),
                "header names are tokens (letters, digits, -) and values visible ASCII",
            ));
        }
    }
    match (table.get("json"), table.get("body")) {
        (Some(_), Some(_)) => errors.push(error(
            at(&["body"]),
            "a request has json or body, not both",
            "json = { ... } sends JSON; body = \"...\" sends the text as it is",
        )),
        (Some(json), None) => request.body = Some(Body::Json(to_json(json))),
        (None, Some(body)) => match parse_parts(body, &at(&["body"])) {
            Ok(parts) => request.body = Some(Body::Raw(parts.concat())),
            Err(mut found) => errors.append(&mut found),
        },
        (None, None) => {}
    }
    if let Some(auth) = table.get("auth") {
        let field = |name: &str| {
            auth.as_table()
                .and_then(|t| t.get(name))
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        match (
            field("user"),
            field("password"),
            auth.as_table().map(|t| t.len()),
        ) {
            (Some(user), Some(password), Some(2)) => request.basic_auth = Some((user, password)),
            _ => errors.push(error(
                at(&["auth"]),
                "auth needs user and password",
                "write auth = { user = \"ann\", password = \"secret\" } (HTTP Basic)",
            )),
        }
    }
    request
}

/// `status = 200`, `[200, 201]` or `"4xx"` as a pattern.
fn status_pattern(value: &toml::Value, path: Vec<Segment>) -> Result<Value, StepError> {
    let help = "write status = 200, status = [200, 201] or status = \"4xx\"";
    let code = |v: &toml::Value| {
        v.as_integer()
            .filter(|n| (100..=599).contains(n))
            .map(Value::from)
    };
    match value {
        toml::Value::Integer(_) => {
            code(value).ok_or_else(|| error(path, "a status is a number from 100 to 599", help))
        }
        toml::Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(code)
            .collect::<Option<Vec<_>>>()
            .map(|codes| json!({ "$one_of": codes }))
            .ok_or_else(|| error(path, "each status is a number from 100 to 599", help)),
        toml::Value::String(class)
            if class.len() == 3
                && class.ends_with("xx")
                && ('1'..='5').contains(&class.chars().next().unwrap_or('0')) =>
        {
            let hundreds = i64::from(class.as_bytes()[0] - b'0') * 100;
            Ok(json!({ "$range": [hundreds, hundreds + 99] }))
        }
        _ => Err(error(path, "not a status", help)),
    }
}

/// The expected observation of a request step: `expect = { status, headers, body | text }`.
fn parse_response_expectation(
    table: &toml::Table,
    at: At,
    errors: &mut Vec<StepError>,
) -> (Observe, Value) {
    let mut observe = Observe::default();
    let mut expected = serde_json::Map::new();
    let help = "write expect = { status = 200, headers = { \"Content-Type\" = { \"$regex\" = \"^application/json\" } }, body = { ... } } (or text = \"...\")";
    let Some(expect) = table.get("expect") else {
        expected.insert("status".into(), json!({ "$type": "int" }));
        return (observe, Value::Object(expected));
    };
    let Some(expect) = expect.as_table() else {
        errors.push(error(at(&["expect"]), "expect must be a table", help));
        return (observe, Value::Object(expected));
    };
    for name in expect.keys() {
        if !["status", "headers", "body", "text"].contains(&name.as_str()) {
            errors.push(error(
                at(&["expect", name]),
                format!("unknown expectation \"{name}\""),
                help,
            ));
        }
    }
    match expect.get("status") {
        None => {
            expected.insert("status".into(), json!({ "$type": "int" }));
        }
        Some(status) => match status_pattern(status, at(&["expect", "status"])) {
            Ok(pattern) => {
                expected.insert("status".into(), pattern);
            }
            Err(e) => errors.push(e),
        },
    }
    if let Some(headers) = expect.get("headers") {
        match headers.as_table() {
            Some(headers) => {
                let mut wanted = serde_json::Map::new();
                for (name, pattern) in headers {
                    let lower = name.to_ascii_lowercase();
                    observe.headers.push(lower.clone());
                    wanted.insert(lower, to_json(pattern));
                }
                expected.insert("headers".into(), Value::Object(wanted));
            }
            None => errors.push(error(
                at(&["expect", "headers"]),
                "headers must be a table of names and patterns",
                help,
            )),
        }
    }
    match (expect.get("body"), expect.get("text")) {
        (Some(_), Some(_)) => errors.push(error(
            at(&["expect", "text"]),
            "expect a JSON body or a text body, not both",
            help,
        )),
        (Some(body), None) => {
            observe.body = BodyAs::Json;
            expected.insert("body".into(), to_json(body));
        }
        (None, Some(text)) => {
            observe.body = BodyAs::Text;
            expected.insert("text".into(), to_json(text));
        }
        (None, None) => {}
    }
    (observe, Value::Object(expected))
}

pub(super) fn parse_exchange(table: &toml::Table, at: At) -> Result<(Step, Value), Vec<StepError>> {
    const KNOWN: [&str; 9] = [
        "request", "query", "headers", "json", "body", "auth", "expect", "capture", "timeout",
    ];
    let mut errors = Vec::new();
    for name in table.keys() {
        if !KNOWN.contains(&name.as_str()) {
            errors.push(error(
                at(&[name]),
                format!("unknown field \"{name}\" in a request step"),
                format!("a request step has {}", KNOWN.join(", ")),
            ));
        }
    }
    let request = parse_request(table, at, &mut errors);
    let (observe, expected) = parse_response_expectation(table, at, &mut errors);
    let mut captures = Vec::new();
    if let Some(capture) = table.get("capture") {
        let help = "write capture = { note_id = \"$.id\" } (from the JSON body) or { note_url = { header = \"Location\" } }, then use {{note_id}} in later steps";
        match capture.as_table() {
            Some(entries) => {
                for (name, from) in entries {
                    let valid_name = !name.is_empty()
                        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                    let header = from
                        .as_table()
                        .filter(|t| t.len() == 1)
                        .and_then(|t| t.get("header"))
                        .and_then(|h| h.as_str())
                        .filter(|h| hyper::header::HeaderName::from_bytes(h.as_bytes()).is_ok());
                    match (from.as_str().map(ValuePath::parse), header) {
                        (Some(Ok(path)), _) if valid_name => {
                            captures.push((name.clone(), CaptureFrom::Body(path)))
                        }
                        (_, Some(header)) if valid_name => captures.push((
                            name.clone(),
                            CaptureFrom::Header(header.to_ascii_lowercase()),
                        )),
                        (Some(Err(e)), _) => {
                            errors.push(error(at(&["capture", name]), e, help))
                        }
                        _ => errors.push(error(
                            at(&["capture", name]),
                            "a capture is a name (letters, digits, _) and a path string or { header = \"...\" }",
                            help,
                        )),
                    }
                }
            }
            None => errors.push(error(at(&["capture"]), "capture must be a table", help)),
        }
    }
    let timeout = duration_field(table, "timeout", DEFAULT_REQUEST_TIMEOUT, at, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok((
        Step::Exchange(Box::new(Exchange {
            request,
            observe,
            captures,
            timeout,
        })),
        expected,
    ))
}

/// A burst's `service` (how long one request takes alone) and `overlapped` (how many clients
/// must have been served at once), and the pattern for the observed overlap.
pub(super) fn parse_overlap(
    table: &toml::Table,
    clients: usize,
    at: &dyn Fn(&str) -> Vec<Segment>,
    help: &str,
    errors: &mut Vec<StepError>,
) -> (Option<Duration>, Option<Value>) {
    let service = match table.get("service") {
        None => None,
        Some(value) => match value.as_str().map(crate::util::units::parse_duration) {
            // At most a minute: a burst of clients each served that long is already slow.
            Some(Ok(d)) if !d.is_zero() && d <= Duration::from_secs(60) => Some(d),
            _ => {
                errors.push(error(
                    at("service"),
                    "service must be a duration up to 1min: how long one request takes served alone",
                    help,
                ));
                None
            }
        },
    };
    let overlapped = match table.get("overlapped") {
        None => service.map(|_| json!({ "$type": "int" })),
        Some(value) => match value.as_integer() {
            Some(n) if n >= 1 && n as usize <= clients && service.is_some() => {
                Some(json!({ "$range": [n, clients] }))
            }
            Some(n) if n >= 1 && n as usize <= clients => {
                errors.push(error(
                    at("overlapped"),
                    "overlapped needs service (how long one request takes alone)",
                    help,
                ));
                None
            }
            _ => {
                errors.push(error(
                    at("overlapped"),
                    format!("overlapped must be a number from 1 to clients ({clients})"),
                    help,
                ));
                None
            }
        },
    };
    (service, overlapped)
}

pub(super) fn parse_http_burst(
    value: &toml::Value,
    path: &[Segment],
) -> Result<(Step, Value), Vec<StepError>> {
    const KNOWN: [&str; 12] = [
        "clients",
        "request",
        "query",
        "headers",
        "json",
        "body",
        "auth",
        "status",
        "within",
        "timeout",
        "service",
        "overlapped",
    ];
    let help =
        "write burst = { clients = 20, request = \"GET /slow\", status = 200, within = \"2s\" }";
    let Some(table) = value.as_table() else {
        return Err(vec![error(path.to_vec(), "burst must be a table", help)]);
    };
    let at = |more: &[&str]| {
        let mut here = path.to_vec();
        here.extend(more.iter().map(|k| key(k)));
        here
    };
    let mut errors = Vec::new();
    for name in table.keys() {
        if !KNOWN.contains(&name.as_str()) {
            errors.push(error(
                at(&[name]),
                format!("unknown burst field \"{name}\""),
                help,
            ));
        }
    }
    let clients = match table.get("clients").and_then(|c| c.as_integer()) {
        Some(n) if (1..=1000).contains(&n) => n as usize,
        _ => {
            errors.push(error(
                at(&["clients"]),
                "clients must be a number from 1 to 1000",
                help,
            ));
            1
        }
    };
    let request = parse_request(table, &at, &mut errors);
    let status = match table.get("status").and_then(|s| s.as_integer()) {
        Some(code) if (100..=599).contains(&code) => code,
        _ => {
            errors.push(error(
                at(&["status"]),
                "a burst expects one status, a number from 100 to 599",
                help,
            ));
            200
        }
    };
    let within = match table.get("within") {
        Some(_) => duration_field(table, "within", Duration::ZERO, &at, &mut errors),
        None => {
            errors.push(error(at(&["within"]), "burst needs within", help));
            Duration::ZERO
        }
    };
    let timeout = duration_field(table, "timeout", DEFAULT_REQUEST_TIMEOUT, &at, &mut errors);
    let field = |name: &str| at(&[name]);
    let (service, overlapped) = parse_overlap(table, clients, &field, help, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut expected = json!({ "in_time": true, "statuses": { status.to_string(): clients } });
    if let Some(overlapped) = overlapped {
        expected["overlapped"] = overlapped;
    }
    Ok((
        Step::HttpBurst(Box::new(HttpBurst {
            clients,
            request,
            within,
            timeout,
            service,
        })),
        expected,
    ))
}
