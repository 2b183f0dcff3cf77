//! The steps of a server case, as written in task.toml, turned into [`Step`]s and the
//! expected observation (`{"steps": [...]}`, matchers allowed where a reply is expected).

use std::time::Duration;

use serde_json::{Value, json};

use crate::compare::Segment;
mod http;
mod model;
mod tcp;

use http::{parse_exchange, parse_http_burst};
use tcp::{parse_burst, parse_parts, parse_terminate};

pub use model::{
    Body, BodyAs, Burst, CaptureFrom, Exchange, HttpBurst, MAIN, Observe, Request, Step, ValuePath,
};

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
