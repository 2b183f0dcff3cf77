//! The steps of a `tcp` case, as written in task.toml, turned into the executor's steps and
//! the expected observation (`{"steps": [...]}`, matchers allowed where a reply is expected).

use std::time::Duration;

use serde_json::{Value, json};

use crate::compare::Segment;
use crate::scenario::tcp::{Burst, MAIN, Step};

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);
const DEFAULT_PAUSE: Duration = Duration::from_millis(50);
const ACTIONS: &str = "send, expect, expect_closed, close, sleep, open, burst or terminate";

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

/// The executor's steps and the expected observation, or every problem found.
pub fn parse(raw: &[toml::Value]) -> Result<(Vec<Step>, Value), Vec<StepError>> {
    let mut steps = Vec::new();
    let mut expected = Vec::new();
    let mut errors = Vec::new();
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
        match parse_step(table, &at) {
            Ok((step, expect)) => {
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
    const KNOWN: [&str; 11] = [
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
    let duration =
        |field: &str, default: Duration, errors: &mut Vec<StepError>| match table.get(field) {
            None => default,
            Some(toml::Value::String(text)) => match super::units::parse_duration(text) {
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
            flag(value, &at(&["close"])).map(|()| (Step::Close { on: on.clone() }, Value::Null))
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
        .map(super::units::parse_duration);
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
    const KNOWN: [&str; 8] = [
        "clients",
        "greet",
        "greet_reply",
        "send",
        "replies",
        "reply",
        "numbers",
        "within",
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
    let within = match table
        .get("within")
        .and_then(|w| w.as_str())
        .map(super::units::parse_duration)
    {
        Some(Ok(within)) => within,
        Some(Err(e)) => {
            errors.push(error(at("within"), e, help));
            Duration::ZERO
        }
        None => {
            errors.push(error(at("within"), "burst needs within", help));
            Duration::ZERO
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut expected = serde_json::Map::new();
    expected.insert("in_time".into(), Value::Bool(true));
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
        }),
        Value::Object(expected),
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
        ))
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
        let Err(errors) = parse(&steps(
            r#"[
                { send = "A", expect = "B" },
                { expect_closed = "yes" },
                { sleep = "soon" },
                { burst = { clients = 0, send = "X\n", reply = "Y" } },
                "PING",
            ]"#,
        )) else {
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
}
