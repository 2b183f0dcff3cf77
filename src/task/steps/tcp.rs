//! TCP steps as written in task.toml: what to send, bursts of clients, SIGTERM.

use serde_json::{Value, json};

use std::time::Duration;

use super::http::parse_overlap;
use super::model::{Burst, Step};
use super::{StepError, duration_field, error, key};
use crate::compare::Segment;

/// A string, or a list of parts each a string or a list of byte values (to split inside a
/// UTF-8 character).
pub(super) fn parse_parts(
    value: &toml::Value,
    path: &[Segment],
) -> Result<Vec<Vec<u8>>, Vec<StepError>> {
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

pub(super) fn parse_terminate(
    value: &toml::Value,
    path: &[Segment],
) -> Result<(Step, Value), Vec<StepError>> {
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

pub(super) fn parse_burst(
    value: &toml::Value,
    path: &[Segment],
) -> Result<(Step, Value), Vec<StepError>> {
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
