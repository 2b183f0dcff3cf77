//! The steps of a `tcp` case, as written in task.toml, turned into the executor's steps and
//! the expected observation (`{"steps": [...]}`, matchers allowed where a reply is expected).

use std::time::Duration;

use serde_json::{Value, json};

use crate::compare::Segment;
use crate::run::server::http::{
    Body, BodyAs, CaptureFrom, Exchange, HttpBurst, Observe, Request, ValuePath,
};
use crate::run::server::scenario::{Burst, MAIN, Step};

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);
const DEFAULT_PAUSE: Duration = Duration::from_millis(50);
/// How long a request step waits for its whole response, unless it says.
const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
const ACTIONS: &str = "send, expect, expect_closed, close, sleep, open, burst, terminate, restart or expect_data_files";

/// A problem at a path below the case's `steps`.
pub struct StepError {
    pub path: Vec<Segment>,
    pub message: String,
    pub help: String,
}

fn key(name: &str) -> Segment {
    Segment::Key(name.to_owned())
}

fn error(path: Vec<Segment>, message: impl Into<String>, help: impl Into<String>) -> StepError {
    StepError {
        path,
        message: message.into(),
        help: help.into(),
    }
}

/// The executor's steps and the expected observation, or every problem found. `http` allows
/// request steps (and HTTP bursts) besides the line steps.
pub fn parse(raw: &[toml::Value], http: bool) -> Result<(Vec<Step>, Value), Vec<StepError>> {
    let mut steps = Vec::new();
    let mut expected = Vec::new();
    let mut errors = Vec::new();
    let mut captured_by = std::collections::HashMap::new();
    for (i, value) in raw.iter().enumerate() {
        let at = |more: &[&str]| {
            let mut path = vec![Segment::Index(i)];
            path.extend(more.iter().map(|k| key(k)));
            path
        };
        let Some(table) = value.as_table() else {
            errors.push(error(
                at(&[]),
                "a step must be a table",
                format!(
                    "write {{ send = \"PING\\n\" }}, {{ expect = \"PONG\" }}, ...: one of {ACTIONS}"
                ),
            ));
            continue;
        };
        let is_request = table.contains_key("request")
            || table
                .get("burst")
                .and_then(|b| b.as_table())
                .is_some_and(|b| b.contains_key("request"));
        if is_request && !http {
            errors.push(error(
                at(&[]),
                "request steps belong to http tasks",
                "use kind = \"http\", or write send/expect steps for a tcp server",
            ));
            continue;
        }
        let parsed = if table.contains_key("request") {
            parse_exchange(table, &at)
        } else {
            parse_step(table, &at)
        };
        match parsed {
            Ok((step, expect)) => {
                // Expectations see each capture's one value: a name captured twice would
                // make earlier steps compare against the later value.
                if let Step::Exchange(exchange) = &step {
                    for (name, _) in &exchange.captures {
                        if let Some(first) = captured_by.insert(name.clone(), i) {
                            errors.push(error(
                                at(&["capture", name]),
                                format!("{name} is already captured by step {first}"),
                                "give this capture another name",
                            ));
                        }
                    }
                }
                steps.push(step);
                expected.push(expect);
            }
            Err(mut found) => errors.append(&mut found),
        }
    }
    if errors.is_empty() {
        Ok((steps, json!({ "steps": expected })))
    } else {
        Err(errors)
    }
}

type At<'a> = &'a dyn Fn(&[&str]) -> Vec<Segment>;

fn parse_step(table: &toml::Table, at: At) -> Result<(Step, Value), Vec<StepError>> {
    const KNOWN: [&str; 13] = [
        "on",
        "send",
        "pause",
        "expect",
        "expect_closed",
        "timeout",
        "close",
        "sleep",
        "open",
        "burst",
        "terminate",
        "restart",
        "expect_data_files",
    ];
    let mut errors = Vec::new();
    for name in table.keys() {
        if !KNOWN.contains(&name.as_str()) {
            errors.push(error(
                at(&[name]),
                format!("unknown step field \"{name}\""),
                format!("a step has one of {ACTIONS}, with on, pause or timeout"),
            ));
        }
    }
    let actions: Vec<&str> = [
        "send",
        "expect",
        "expect_closed",
        "close",
        "sleep",
        "open",
        "burst",
        "terminate",
        "restart",
        "expect_data_files",
    ]
    .into_iter()
    .filter(|a| table.contains_key(*a))
    .collect();
    if actions.len() != 1 {
        errors.push(error(
            at(&[]),
            if actions.is_empty() {
                "the step does nothing".to_owned()
            } else {
                format!(
                    "the step has {} actions ({})",
                    actions.len(),
                    actions.join(", ")
                )
            },
            format!("give each step exactly one of {ACTIONS}"),
        ));
        return Err(errors);
    }
    let on = match table.get("on") {
        None => MAIN.to_owned(),
        Some(toml::Value::String(name)) if !name.is_empty() => name.clone(),
        Some(_) => {
            errors.push(error(
                at(&["on"]),
                "on must name a connection",
                "write on = \"second\" (connections open on first use; the default is \"main\")",
            ));
            MAIN.to_owned()
        }
    };
    let duration = |field: &str, default: Duration, errors: &mut Vec<StepError>| {
        duration_field(table, field, default, at, errors)
    };
    let timeout = duration("timeout", DEFAULT_TIMEOUT, &mut errors);
    let pause = duration("pause", DEFAULT_PAUSE, &mut errors);
    let action = actions[0];
    let value = &table[action];
    let parsed = match action {
        "send" => parse_parts(value, &at(&["send"])).map(|parts| {
            (
                Step::Send {
                    on: on.clone(),
                    parts,
                    pause,
                },
                Value::Null,
            )
        }),
        "expect" => {
            let patterns: Vec<Value> = match value {
                toml::Value::Array(items) => items.iter().map(to_json).collect(),
                other => vec![to_json(other)],
            };
            if patterns.is_empty() {
                Err(vec![error(
                    at(&["expect"]),
                    "expect lists no lines",
                    "write expect = \"PONG\", or a list of lines",
                )])
            } else {
                Ok((
                    Step::Lines {
                        on: on.clone(),
                        count: patterns.len(),
                        timeout,
                    },
                    json!({ "lines": patterns }),
                ))
            }
        }
        "expect_closed" => flag(value, &at(&["expect_closed"])).map(|()| {
            (
                Step::Closed {
                    on: on.clone(),
                    timeout,
                },
                json!({ "closed": true }),
            )
        }),
        "close" => {
            let reset = match value {
                toml::Value::Boolean(true) => Ok(false),
                toml::Value::String(how) if how == "reset" => Ok(true),
                _ => Err(vec![error(
                    at(&["close"]),
                    "close takes true (an orderly close) or \"reset\"",
                    "write { close = true }, or { close = \"reset\" } for a client that vanishes",
                )]),
            };
            reset.map(|reset| {
                (
                    Step::Close {
                        on: on.clone(),
                        reset,
                    },
                    Value::Null,
                )
            })
        }
        "open" => {
            flag(value, &at(&["open"])).map(|()| (Step::Open { on: on.clone() }, Value::Null))
        }
        "sleep" => {
            let mut found = Vec::new();
            let slept = duration("sleep", Duration::ZERO, &mut found);
            if found.is_empty() {
                Ok((Step::Sleep(slept), Value::Null))
            } else {
                Err(found)
            }
        }
        "terminate" => parse_terminate(value, &at(&["terminate"])),
        "restart" => {
            flag(value, &at(&["restart"])).map(|()| (Step::Restart, json!({ "restarted": true })))
        }
        "expect_data_files" => flag(value, &at(&["expect_data_files"])).map(|()| {
            (
                Step::DataFiles,
                json!({ "files_in_data_dir": { "$range": [1, 10_000] } }),
            )
        }),
        "burst" if value.as_table().is_some_and(|b| b.contains_key("request")) => {
            parse_http_burst(value, &at(&["burst"]))
        }
        "burst" => parse_burst(value, &at(&["burst"])),
        _ => unreachable!("actions are listed above"),
    };
    match parsed {
        Ok(parsed) if errors.is_empty() => Ok(parsed),
        Ok(_) => Err(errors),
        Err(mut found) => {
            errors.append(&mut found);
            Err(errors)
        }
    }
}

fn to_json(value: &toml::Value) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn flag(value: &toml::Value, path: &[Segment]) -> Result<(), Vec<StepError>> {
    match value {
        toml::Value::Boolean(true) => Ok(()),
        _ => Err(vec![error(
            path.to_vec(),
            "this step takes true",
            "write, e.g., { expect_closed = true }",
        )]),
    }
}

/// A string, or a list of parts each a string or a list of byte values (to split inside a
/// UTF-8 character).
fn parse_parts(value: &toml::Value, path: &[Segment]) -> Result<Vec<Vec<u8>>, Vec<StepError>> {
    let bad = |path: Vec<Segment>| {
        error(
            path,
            "send takes a string, or a list of parts (strings, or lists of byte values 0-255)",
            "write send = \"PING\\n\", or send = [\"PI\", \"NG\\n\"], or send = [\"ECHO \", [0xC3], [0xA9, 10]]",
        )
    };
    match value {
        toml::Value::String(text) => Ok(vec![text.as_bytes().to_vec()]),
        toml::Value::Array(parts) if !parts.is_empty() => {
            let mut out = Vec::new();
            let mut errors = Vec::new();
            for (i, part) in parts.iter().enumerate() {
                let mut here = path.to_vec();
                here.push(Segment::Index(i));
                match part {
                    toml::Value::String(text) => out.push(text.as_bytes().to_vec()),
                    toml::Value::Array(bytes) => {
                        let parsed: Option<Vec<u8>> = bytes
                            .iter()
                            .map(|b| b.as_integer().and_then(|n| u8::try_from(n).ok()))
                            .collect();
                        match parsed {
                            Some(bytes) if !bytes.is_empty() => out.push(bytes),
                            _ => errors.push(bad(here)),
                        }
                    }
                    _ => errors.push(bad(here)),
                }
            }
            if errors.is_empty() {
                Ok(out)
            } else {
                Err(errors)
            }
        }
        _ => Err(vec![bad(path.to_vec())]),
    }
}

fn parse_terminate(value: &toml::Value, path: &[Segment]) -> Result<(Step, Value), Vec<StepError>> {
    let help =
        "write terminate = { within = \"2s\" }: SIGTERM, and the server must exit within that";
    let within = value
        .as_table()
        .filter(|t| t.len() == 1)
        .and_then(|t| t.get("within"))
        .and_then(|w| w.as_str())
        .map(crate::util::units::parse_duration);
    match within {
        Some(Ok(within)) => Ok((
            Step::Terminate { within },
            json!({ "exited_within_grace": true }),
        )),
        Some(Err(e)) => Err(vec![error(path.to_vec(), e, help)]),
        None => Err(vec![error(path.to_vec(), "terminate needs within", help)]),
    }
}

fn parse_burst(value: &toml::Value, path: &[Segment]) -> Result<(Step, Value), Vec<StepError>> {
    const KNOWN: [&str; 10] = [
        "clients",
        "greet",
        "greet_reply",
        "send",
        "replies",
        "reply",
        "numbers",
        "within",
        "service",
        "overlapped",
    ];
    let help = "write burst = { clients = 20, greet = \"PING\\n\", greet_reply = \"PONG\", send = \"SLEEP 500\\n\", reply = \"SLEPT 500\", within = \"2s\" }";
    let Some(table) = value.as_table() else {
        return Err(vec![error(path.to_vec(), "burst must be a table", help)]);
    };
    let at = |field: &str| {
        let mut here = path.to_vec();
        here.push(key(field));
        here
    };
    let mut errors = Vec::new();
    for name in table.keys() {
        if !KNOWN.contains(&name.as_str()) {
            errors.push(error(
                at(name),
                format!("unknown burst field \"{name}\""),
                help,
            ));
        }
    }
    let count = |field: &str, default: Option<i64>, errors: &mut Vec<StepError>| -> usize {
        match table.get(field).map(|v| v.as_integer()).unwrap_or(default) {
            Some(n) if (1..=10_000).contains(&n) => n as usize,
            _ => {
                errors.push(error(
                    at(field),
                    format!("{field} must be a number from 1 to 10000"),
                    help,
                ));
                1
            }
        }
    };
    let clients = count("clients", None, &mut errors);
    let replies = count("replies", Some(1), &mut errors);
    let text = |field: &str, errors: &mut Vec<StepError>| -> Option<String> {
        match table.get(field) {
            None => None,
            Some(toml::Value::String(s)) => Some(s.clone()),
            Some(_) => {
                errors.push(error(at(field), format!("{field} must be a string"), help));
                None
            }
        }
    };
    let greet = text("greet", &mut errors);
    let greet_reply = text("greet_reply", &mut errors);
    let send = text("send", &mut errors);
    let reply = text("reply", &mut errors);
    if send.is_none() && !errors.iter().any(|e| e.path == at("send")) {
        errors.push(error(at("send"), "burst needs send", help));
    }
    if greet.is_some() != greet_reply.is_some() {
        errors.push(error(
            at("greet_reply"),
            "greet and greet_reply go together",
            help,
        ));
    }
    let numbers = match table.get("numbers") {
        None => None,
        Some(toml::Value::Array(pair)) => match pair.as_slice() {
            [toml::Value::Integer(low), toml::Value::Integer(high)] if 0 <= *low && low <= high => {
                Some((*low as u64, *high as u64))
            }
            _ => {
                errors.push(error(
                    at("numbers"),
                    "numbers must be [low, high]",
                    "write numbers = [1, 3200]",
                ));
                None
            }
        },
        Some(_) => {
            errors.push(error(
                at("numbers"),
                "numbers must be [low, high]",
                "write numbers = [1, 3200]",
            ));
            None
        }
    };
    if numbers.is_some() == reply.is_some() {
        errors.push(error(
            at("reply"),
            "a burst expects either reply (every reply the same) or numbers",
            help,
        ));
    }
    let within = match table.get("within") {
        Some(_) => {
            let at_field = |more: &[&str]| at(more.first().copied().unwrap_or("within"));
            duration_field(table, "within", Duration::ZERO, &at_field, &mut errors)
        }
        None => {
            errors.push(error(at("within"), "burst needs within", help));
            Duration::ZERO
        }
    };
    let (service, overlapped) = parse_overlap(table, clients, &at, help, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut expected = serde_json::Map::new();
    expected.insert("in_time".into(), Value::Bool(true));
    if let Some(overlapped) = overlapped {
        expected.insert("overlapped".into(), overlapped);
    }
    if let Some(greet_reply) = &greet_reply {
        expected.insert("greetings".into(), json!({ greet_reply.clone(): clients }));
    }
    match (&reply, numbers) {
        (Some(reply), _) => {
            expected.insert(
                "replies".into(),
                json!({ reply.clone(): clients * replies }),
            );
        }
        (None, _) => {
            expected.insert("numbers".into(), json!("ok"));
        }
    }
    Ok((
        Step::Burst(Burst {
            clients,
            greet: greet.map(String::into_bytes),
            send: send.unwrap_or_default().into_bytes(),
            replies,
            within,
            numbers,
            service,
        }),
        Value::Object(expected),
    ))
}

/// The step's duration field, or `default`; problems go to `errors`.
fn duration_field(
    table: &toml::Table,
    field: &str,
    default: Duration,
    at: At,
    errors: &mut Vec<StepError>,
) -> Duration {
    match table.get(field) {
        None => default,
        Some(toml::Value::String(text)) => match crate::util::units::parse_duration(text) {
            Ok(d) if d <= Duration::from_secs(600) => d,
            Ok(_) => {
                errors.push(error(
                    at(&[field]),
                    format!("{field} is longer than 10 minutes"),
                    "use a shorter duration",
                ));
                default
            }
            Err(e) => {
                errors.push(error(
                    at(&[field]),
                    e,
                    "write a duration such as \"500ms\" or \"2s\"",
                ));
                default
            }
        },
        Some(_) => {
            errors.push(error(
                at(&[field]),
                format!("{field} must be a duration string"),
                "write a duration such as \"500ms\" or \"2s\"",
            ));
            default
        }
    }
}

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

fn parse_exchange(table: &toml::Table, at: At) -> Result<(Step, Value), Vec<StepError>> {
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
fn parse_overlap(
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

fn parse_http_burst(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(text: &str) -> Vec<toml::Value> {
        let table: toml::Table = toml::from_str(&format!("steps = {text}")).unwrap();
        table["steps"].as_array().unwrap().clone()
    }

    #[test]
    fn steps_become_actions_and_the_expected_observation() {
        let (parsed, expected) = parse(&steps(
            r#"[
                { send = ["PI", "NG\n"], pause = "10ms" },
                { expect = "PONG" },
                { send = ["ECHO ", [0xC3], [0xA9, 10]], on = "b" },
                { expect = [{ "$regex" = "^ERR" }, "é"], on = "b", timeout = "1s" },
                { burst = { clients = 3, greet = "PING\n", greet_reply = "PONG", send = "SLEEP 5\n", reply = "SLEPT 5", within = "2s" } },
                { terminate = { within = "2s" } },
            ]"#,
        ), false)
        .unwrap_or_else(|e| panic!("{}", e[0].message));
        assert_eq!(
            parsed[0],
            Step::Send {
                on: MAIN.into(),
                parts: vec![b"PI".to_vec(), b"NG\n".to_vec()],
                pause: Duration::from_millis(10)
            }
        );
        assert_eq!(
            parsed[2],
            Step::Send {
                on: "b".into(),
                parts: vec![b"ECHO ".to_vec(), vec![0xC3], vec![0xA9, 10]],
                pause: DEFAULT_PAUSE
            }
        );
        assert_eq!(
            expected,
            json!({"steps": [
                null,
                {"lines": ["PONG"]},
                null,
                {"lines": [{"$regex": "^ERR"}, "é"]},
                {"in_time": true, "greetings": {"PONG": 3}, "replies": {"SLEPT 5": 3}},
                {"exited_within_grace": true},
            ]})
        );
    }

    #[test]
    fn every_problem_is_named_by_its_path() {
        let Err(errors) = parse(
            &steps(
                r#"[
                { send = "A", expect = "B" },
                { expect_closed = "yes" },
                { sleep = "soon" },
                { burst = { clients = 0, send = "X\n", reply = "Y" } },
                "PING",
            ]"#,
            ),
            false,
        ) else {
            panic!("accepted");
        };
        let found: Vec<(String, String)> = errors
            .iter()
            .map(|e| {
                let mut path = crate::compare::JsonPath::root();
                for segment in &e.path {
                    path.push(segment.clone());
                }
                (path.to_string(), e.message.clone())
            })
            .collect();
        assert_eq!(
            found,
            [
                (
                    "$[0]".to_owned(),
                    "the step has 2 actions (send, expect)".to_owned()
                ),
                (
                    "$[1].expect_closed".to_owned(),
                    "this step takes true".to_owned()
                ),
                ("$[2].sleep".to_owned(), found[2].1.clone()),
                (
                    "$[3].burst.clients".to_owned(),
                    "clients must be a number from 1 to 10000".to_owned()
                ),
                (
                    "$[3].burst.within".to_owned(),
                    "burst needs within".to_owned()
                ),
                ("$[4]".to_owned(), "a step must be a table".to_owned()),
            ]
        );
    }
    #[test]
    fn request_steps_become_exchanges_and_their_expectations() {
        let (parsed, expected) = parse(
            &steps(
                r#"[
                { request = "POST /invoices/total", headers = { "Content-Type" = "text/plain" }, body = ["{\"a\": \"", [0xFF], "\"}"], expect = { status = "4xx", headers = { "Content-Type" = { "$regex" = "json" } }, body = { error = { "$type" = "string" } } } },
                { request = "GET /notes/{{id}}", query = { page = 2 }, auth = { user = "ann", password = "pw" }, capture = { id = "$.id" }, expect = { status = [200, 201], text = "ok" } },
                { request = "GET /health" },
                { burst = { clients = 5, request = "GET /slow", status = 200, within = "2s" } },
                { open = true, on = "idle" },
            ]"#,
            ),
            true,
        )
        .unwrap_or_else(|e| panic!("{}", e[0].message));
        let Step::Exchange(first) = &parsed[0] else {
            panic!("{:?}", parsed[0]);
        };
        assert_eq!(first.request.method, "POST");
        assert_eq!(
            first.request.body,
            Some(Body::Raw(b"{\"a\": \"\xFF\"}".to_vec()))
        );
        assert_eq!(first.observe.headers, ["content-type"]);
        assert_eq!(first.observe.body, BodyAs::Json);
        let Step::Exchange(second) = &parsed[1] else {
            panic!("{:?}", parsed[1]);
        };
        assert_eq!(second.request.query, [("page".to_owned(), "2".to_owned())]);
        assert_eq!(
            second.request.basic_auth,
            Some(("ann".to_owned(), "pw".to_owned()))
        );
        assert_eq!(second.captures[0].0, "id");
        assert!(matches!(parsed[3], Step::HttpBurst(_)));
        assert_eq!(
            expected,
            json!({"steps": [
                {"status": {"$range": [400, 499]}, "headers": {"content-type": {"$regex": "json"}}, "body": {"error": {"$type": "string"}}},
                {"status": {"$one_of": [200, 201]}, "text": "ok"},
                {"status": {"$type": "int"}},
                {"in_time": true, "statuses": {"200": 5}},
                null,
            ]})
        );
    }

    #[test]
    fn a_capture_name_is_given_once_and_methods_are_upper_case() {
        let Err(errors) = parse(
            &steps(
                r#"[
                { request = "POST /a", capture = { id = "$.id" } },
                { request = "POST /b", capture = { id = "$.id" } },
                { request = "get /a" },
            ]"#,
            ),
            true,
        ) else {
            panic!("accepted");
        };
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "id is already captured by step 0",
                "\"get /a\" is not \"METHOD /path\""
            ]
        );
    }

    #[test]
    fn request_steps_name_their_problems() {
        let Err(errors) = parse(
            &steps(
                r#"[
                { request = "FETCH", expect = { status = 99, bodyy = 1 } },
                { request = "GET /a", json = {}, body = "x", capture = { "bad name" = "$.id" } },
            ]"#,
            ),
            true,
        ) else {
            panic!("accepted");
        };
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "\"FETCH\" is not \"METHOD /path\"",
                "unknown expectation \"bodyy\"",
                "a status is a number from 100 to 599",
                "a request has json or body, not both",
                "a capture is a name (letters, digits, _) and a path string or { header = \"...\" }",
            ]
        );
        let Err(errors) = parse(&steps(r#"[{ request = "GET /" }]"#), false) else {
            panic!("a tcp task took a request");
        };
        assert_eq!(errors[0].message, "request steps belong to http tasks");
    }
}
