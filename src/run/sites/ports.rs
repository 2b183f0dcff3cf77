//! Without a box, the fixture websites cannot have the ports the task declares (the host's
//! loopback is shared: 127.0.0.1:8001 may be anybody's). They get free ports instead, every
//! other loopback port a case names is held closed (so it refuses, as in a box), and URLs
//! are translated at the edge: case inputs and redirects to the ports served, observations
//! back to the ports declared. What the sites log is keyed by the declared port already.

use std::os::fd::OwnedFd;

use regex::{Captures, Regex};
use serde_json::Value;

/// Declared loopback ports and the host ports standing in for them during one run.
pub struct PortMap {
    /// (declared, on the host)
    pairs: Vec<(u16, u16)>,
    /// The sockets holding the refusing ports.
    _closed: Vec<OwnedFd>,
}

fn loopback() -> &'static Regex {
    static PATTERN: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    PATTERN.get_or_init(|| Regex::new(r"127\.0\.0\.1:(\d{1,5})\b").expect("a valid pattern"))
}

/// Every loopback port `value`'s strings name (`127.0.0.1:PORT`).
pub fn ports_named(value: &Value, out: &mut Vec<u16>) {
    match value {
        Value::String(text) => {
            for found in loopback().captures_iter(text) {
                if let Ok(port) = found[1].parse() {
                    out.push(port);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| ports_named(v, out)),
        Value::Object(map) => map.values().for_each(|v| ports_named(v, out)),
        _ => {}
    }
}

impl PortMap {
    /// `served`: (declared, host) of each site; every port of `named` that no site serves
    /// gets a refusing stand-in.
    pub fn new(served: Vec<(u16, u16)>, named: &[u16]) -> std::io::Result<PortMap> {
        let mut pairs = served;
        let mut closed = Vec::new();
        for &port in named {
            if pairs.iter().any(|(declared, _)| *declared == port) {
                continue;
            }
            let (socket, host) = crate::util::socket::closed_port()?;
            pairs.push((port, host));
            closed.push(socket);
        }
        Ok(PortMap {
            pairs,
            _closed: closed,
        })
    }

    /// `value` with each declared port replaced by its stand-in (for what the box is given).
    pub fn to_host(&self, value: &Value) -> Value {
        self.translate(value, |declared| {
            self.pairs
                .iter()
                .find(|(d, _)| *d == declared)
                .map(|(_, h)| *h)
        })
    }

    /// `value` with each stand-in replaced by the port declared (for what the box returns).
    pub fn to_declared(&self, value: &Value) -> Value {
        self.translate(value, |host| {
            self.pairs.iter().find(|(_, h)| *h == host).map(|(d, _)| *d)
        })
    }

    /// A text (a redirect's location) with its declared ports replaced by their stand-ins.
    pub fn text_to_host(&self, text: &str) -> String {
        match self.to_host(&Value::String(text.to_owned())) {
            Value::String(text) => text,
            _ => text.to_owned(),
        }
    }

    fn translate(&self, value: &Value, map: impl Fn(u16) -> Option<u16> + Copy) -> Value {
        match value {
            Value::String(text) => Value::String(
                loopback()
                    .replace_all(text, |found: &Captures| {
                        match found[1].parse().ok().and_then(map) {
                            Some(port) => format!("127.0.0.1:{port}"),
                            None => found[0].to_owned(),
                        }
                    })
                    .into_owned(),
            ),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.translate(v, map)).collect())
            }
            Value::Object(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), self.translate(v, map)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn urls_go_out_with_the_ports_served_and_come_back_with_the_ports_declared() {
        let input = json!({
            "urls": ["http://127.0.0.1:8001/a", "http://127.0.0.1:8002/b?x=127.0.0.1:80010"],
            "refused": "http://127.0.0.1:8009/",
            "n": 8001,
        });
        let mut named = Vec::new();
        ports_named(&input, &mut named);
        assert_eq!(named, [8009, 8001, 8002]);
        let map = PortMap::new(vec![(8001, 40001), (8002, 40002)], &named).unwrap();
        let out = map.to_host(&input);
        assert_eq!(out["urls"][0], "http://127.0.0.1:40001/a");
        // Only whole port numbers are translated.
        assert_eq!(out["urls"][1], "http://127.0.0.1:40002/b?x=127.0.0.1:80010");
        assert_eq!(out["n"], 8001);
        let refused = out["refused"].as_str().unwrap();
        assert_ne!(refused, "http://127.0.0.1:8009/");
        let port: u16 = refused
            .trim_start_matches("http://127.0.0.1:")
            .trim_end_matches('/')
            .parse()
            .unwrap();
        assert_eq!(
            std::net::TcpStream::connect(("127.0.0.1", port))
                .unwrap_err()
                .kind(),
            std::io::ErrorKind::ConnectionRefused
        );
        assert_eq!(map.to_declared(&out), input);
    }
}
