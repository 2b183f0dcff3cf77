//! TCP scenarios: the judge as a client of the submission's server. A case is a list of
//! steps over named connections; what each step observed becomes one entry of the case's
//! observation, `{"steps": [...]}`, compared with the expectations written in the steps.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::scenario::{Connector, LATE_MARGIN, Stream, WRITE_TIMEOUT};
use crate::task::steps::{Burst, Step};

/// A reply line longer than this is cut (and then cannot match).
const MAX_LINE: usize = 64 * 1024;

pub(super) struct Connection {
    stream: Box<dyn Stream>,
    link: Option<[u8; 8]>,
    /// Bytes read but not yet returned as a line.
    buffer: Vec<u8>,
    eof: bool,
}

pub(super) async fn open<'a, C: Connector>(
    connector: &C,
    connections: &'a mut HashMap<String, Connection>,
    on: &str,
) -> Result<&'a mut Connection, String> {
    if !connections.contains_key(on) {
        let opened = match connector.connect().await {
            Ok(Some(opened)) => opened,
            Ok(None) => return Err("the server refused the connection".into()),
            Err(e) => return Err(format!("cannot connect: {e}")),
        };
        connections.insert(
            on.to_owned(),
            Connection {
                stream: opened.stream,
                link: opened.link,
                buffer: Vec::new(),
                eof: false,
            },
        );
    }
    Ok(connections.get_mut(on).expect("inserted above"))
}

pub(super) async fn run_step<C: Connector>(
    connector: &C,
    connections: &mut HashMap<String, Connection>,
    step: &Step,
) -> Value {
    match step {
        Step::Send { on, parts, pause } => {
            let connection = match open(connector, connections, on).await {
                Ok(connection) => connection,
                Err(error) => return json!({ "error": error }),
            };
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    tokio::time::sleep(*pause).await;
                }
                if let Err(error) = write(connection, part).await {
                    return json!({ "error": error });
                }
            }
            Value::Null
        }
        Step::Lines { on, count, timeout } => {
            let connection = match open(connector, connections, on).await {
                Ok(connection) => connection,
                Err(error) => return json!({ "error": error }),
            };
            let mut lines = Vec::with_capacity(*count);
            let deadline = tokio::time::Instant::now() + *timeout;
            for _ in 0..*count {
                match read_line(connection, deadline).await {
                    Ok(line) => lines.push(Value::String(line)),
                    Err(error) => {
                        return json!({ "lines": lines, "error": error });
                    }
                }
            }
            json!({ "lines": lines })
        }
        Step::Closed { on, timeout } => {
            let connection = match open(connector, connections, on).await {
                Ok(connection) => connection,
                Err(error) => return json!({ "error": error }),
            };
            let deadline = tokio::time::Instant::now() + *timeout;
            match read_line(connection, deadline).await {
                Err(_) if connection.eof && connection.buffer.is_empty() => {
                    json!({ "closed": true })
                }
                Ok(line) => {
                    json!({ "closed": false, "error": format!("got another line: {line:?}") })
                }
                Err(error) => json!({ "closed": false, "error": error }),
            }
        }
        Step::Close { on, reset: false } => {
            if let Some(mut connection) = connections.remove(on) {
                let _ = connection.stream.shutdown().await;
            }
            Value::Null
        }
        Step::Close { on, reset: true } => match connections.remove(on) {
            Some(connection) => match connection.link {
                Some(link) if connector.reset(link).await => Value::Null,
                _ => json!({ "error": "the connection could not be reset" }),
            },
            None => json!({ "error": format!("no connection {on:?} to reset") }),
        },
        Step::Sleep(duration) => {
            tokio::time::sleep(*duration).await;
            Value::Null
        }
        Step::Open { on } => match open(connector, connections, on).await {
            Ok(_) => Value::Null,
            Err(error) => json!({ "error": error }),
        },
        Step::Burst(burst) => run_burst(connector, burst).await,
        Step::Terminate { within } => {
            json!({ "exited_within_grace": connector.terminate(*within).await })
        }
        // [`super::run`] runs these itself.
        Step::Exchange(_) | Step::HttpBurst(_) | Step::Restart | Step::DataFiles => Value::Null,
    }
}

/// How long each of a burst's clients may wait for its greeting, at least.
const GREETING_TIMEOUT: Duration = Duration::from_secs(2);

/// Observed: `{"in_time": bool, "replies": {line: count}}`, or `{"numbers": "ok"}` in place of
/// the replies when the burst checks numbers; an `error` says what went wrong first.
async fn run_burst<C: Connector>(connector: &C, burst: &Burst) -> Value {
    let mut clients = Vec::with_capacity(burst.clients);
    let mut greetings: std::collections::BTreeMap<String, u64> = Default::default();
    for i in 0..burst.clients {
        let mut connection = match connector.connect().await {
            Ok(Some(opened)) => Connection {
                stream: opened.stream,
                link: opened.link,
                buffer: Vec::new(),
                eof: false,
            },
            Ok(None) => {
                return json!({ "error": format!("client {i}: the server refused the connection") });
            }
            Err(e) => return json!({ "error": format!("client {i}: cannot connect: {e}") }),
        };
        if let Some(greet) = &burst.greet {
            if let Err(error) = write(&mut connection, greet).await {
                return json!({ "error": format!("client {i}: {error}") });
            }
            let deadline = tokio::time::Instant::now() + GREETING_TIMEOUT.max(burst.within);
            match read_line(&mut connection, deadline).await {
                Ok(line) => *greetings.entry(line).or_default() += 1,
                // A server that serves one client at a time stops here.
                Err(e) => {
                    return json!({ "error": format!(
                        "client {i} of the burst got no answer to its greeting, with other connections open: {e}"
                    ) });
                }
            }
        }
        clients.push(connection);
    }
    // The barrier: every client is connected; now all send at once.
    let start = tokio::time::Instant::now();
    let deadline = start + burst.within;
    // Replies that come a little late are still read, to tell slow from missing.
    let read_deadline = deadline + LATE_MARGIN;
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|mut connection| {
            let send = burst.send.clone();
            let replies = burst.replies;
            tokio::spawn(async move {
                if let Err(error) = write(&mut connection, &send).await {
                    return (Vec::new(), Some(error), start);
                }
                let mut lines = Vec::with_capacity(replies);
                for _ in 0..replies {
                    match read_line(&mut connection, read_deadline).await {
                        Ok(line) => lines.push(line),
                        Err(e) => return (lines, Some(e), tokio::time::Instant::now()),
                    }
                }
                (lines, None, tokio::time::Instant::now())
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut last = start;
    let mut first_error = None;
    let mut finish_times = Vec::with_capacity(burst.clients);
    for (i, task) in tasks.into_iter().enumerate() {
        let Ok((lines, error, finished)) = task.await else {
            continue;
        };
        all.extend(lines);
        last = last.max(finished);
        if error.is_none() {
            finish_times.push(finished - start);
        }
        if let (None, Some(e)) = (&first_error, error) {
            first_error = Some(format!("client {i}: {e}"));
        }
    }
    let outcome = super::scenario::BurstOutcome {
        clients: burst.clients,
        within: burst.within,
        service: burst.service,
        waited: last - start,
        finish_times,
        first_error,
    };
    let mut observed = serde_json::Map::new();
    observed.insert("in_time".into(), Value::Bool(outcome.in_time()));
    if !greetings.is_empty() {
        observed.insert("greetings".into(), json!(greetings));
    }
    match burst.numbers {
        Some((low, high)) => {
            observed.insert(
                "numbers".into(),
                Value::String(check_numbers(&all, low, high)),
            );
        }
        None => {
            let mut counts: std::collections::BTreeMap<String, u64> = Default::default();
            for line in all {
                *counts.entry(line).or_default() += 1;
            }
            observed.insert("replies".into(), json!(counts));
        }
    }
    outcome.record(&mut observed, "reply");
    Value::Object(observed)
}

/// "ok" when `lines` are exactly the integers `low..=high`, each once; else what is off.
fn check_numbers(lines: &[String], low: u64, high: u64) -> String {
    let mut seen = std::collections::BTreeMap::<u64, u32>::new();
    let mut not_numbers = Vec::new();
    for line in lines {
        match line.trim().parse::<u64>() {
            Ok(n) => *seen.entry(n).or_default() += 1,
            Err(_) => not_numbers.push(line.clone()),
        }
    }
    let missing: Vec<u64> = (low..=high).filter(|n| !seen.contains_key(n)).collect();
    let repeated: Vec<u64> = seen
        .iter()
        .filter(|(_, c)| **c > 1)
        .map(|(n, _)| *n)
        .collect();
    let outside: Vec<u64> = seen
        .keys()
        .filter(|n| !(low..=high).contains(*n))
        .copied()
        .collect();
    if missing.is_empty() && repeated.is_empty() && outside.is_empty() && not_numbers.is_empty() {
        return "ok".into();
    }
    let few = |numbers: &[u64]| {
        let shown: Vec<String> = numbers.iter().take(5).map(u64::to_string).collect();
        let more = numbers.len().saturating_sub(5);
        if more > 0 {
            format!("{} and {more} more", shown.join(", "))
        } else {
            shown.join(", ")
        }
    };
    let mut problems = Vec::new();
    if !missing.is_empty() {
        problems.push(format!("{} missing ({})", missing.len(), few(&missing)));
    }
    if !repeated.is_empty() {
        problems.push(format!("{} repeated ({})", repeated.len(), few(&repeated)));
    }
    if !outside.is_empty() {
        problems.push(format!(
            "{} outside {low}..{high} ({})",
            outside.len(),
            few(&outside)
        ));
    }
    if !not_numbers.is_empty() {
        problems.push(format!(
            "{} not numbers (first: {:?})",
            not_numbers.len(),
            not_numbers[0]
        ));
    }
    problems.join("; ")
}

/// Writes all of `bytes`, or says why not: the server closed the connection, or stopped
/// reading for [`WRITE_TIMEOUT`].
async fn write(connection: &mut Connection, bytes: &[u8]) -> Result<(), String> {
    let written = async {
        connection.stream.write_all(bytes).await?;
        connection.stream.flush().await
    };
    match tokio::time::timeout(WRITE_TIMEOUT, written).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!("the server closed the connection ({e})")),
        Err(_) => Err(format!(
            "the server stopped reading: a write did not finish within {} s",
            WRITE_TIMEOUT.as_secs()
        )),
    }
}

/// The next line (without `\n` and one `\r` before it), or what stopped it.
async fn read_line(
    connection: &mut Connection,
    deadline: tokio::time::Instant,
) -> Result<String, String> {
    loop {
        if let Some(end) = connection.buffer.iter().position(|&b| b == b'\n') {
            let mut line: Vec<u8> = connection.buffer.drain(..=end).collect();
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            return Ok(String::from_utf8_lossy(&line).into_owned());
        }
        if connection.eof {
            return Err(if connection.buffer.is_empty() {
                "the server closed the connection".into()
            } else {
                format!(
                    "the server closed the connection after an unfinished line: {:?}",
                    String::from_utf8_lossy(&connection.buffer)
                )
            });
        }
        if connection.buffer.len() > MAX_LINE {
            return Err(format!("a line longer than {MAX_LINE} bytes"));
        }
        let mut chunk = [0u8; 8192];
        match tokio::time::timeout_at(deadline, connection.stream.read(&mut chunk)).await {
            Err(_) => {
                return Err(if connection.buffer.is_empty() {
                    "no reply in time".into()
                } else {
                    format!(
                        "no end of line in time after {:?}",
                        String::from_utf8_lossy(&connection.buffer)
                    )
                });
            }
            Ok(Ok(0)) => connection.eof = true,
            Ok(Ok(n)) => connection.buffer.extend_from_slice(&chunk[..n]),
            Ok(Err(e)) => return Err(format!("the connection failed: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::server::scenario::testing::Loopback;
    use crate::run::server::scenario::{Opened, run};
    use crate::task::steps::MAIN;

    /// A server on the test's own loopback: `PING` -> `PONG`, `QUIT` -> `BYE` and a close,
    /// `SLEEP` -> `SLEPT` after 200 ms (one client at a time when `serial`), `INCR` -> the
    /// shared counter's new value, anything else -> `ERR`.
    async fn line_server_with(serial: bool) -> u16 {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let counter = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let one_at_a_time = std::sync::Arc::new(tokio::sync::Mutex::new(()));
        tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let counter = counter.clone();
                let one_at_a_time = one_at_a_time.clone();
                tokio::spawn(async move {
                    use tokio::io::AsyncBufReadExt;
                    let (read, mut write) = stream.into_split();
                    let mut lines = tokio::io::BufReader::new(read).lines();
                    while let Ok(Some(line)) = lines.next_line().await {
                        let reply = match line.trim_end_matches('\r') {
                            "PING" => "PONG\r\n".to_owned(),
                            "QUIT" => {
                                let _ = write.write_all(b"BYE\n").await;
                                return;
                            }
                            "SLEEP" => {
                                let _guard = if serial {
                                    Some(one_at_a_time.lock().await)
                                } else {
                                    None
                                };
                                tokio::time::sleep(Duration::from_millis(200)).await;
                                "SLEPT\n".to_owned()
                            }
                            "INCR" => format!(
                                "{}\n",
                                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1
                            ),
                            _ => "ERR\n".to_owned(),
                        };
                        let _ = write.write_all(reply.as_bytes()).await;
                    }
                });
            }
        });
        port
    }

    async fn line_server() -> u16 {
        line_server_with(false).await
    }

    fn send(on: &str, parts: &[&str]) -> Step {
        Step::Send {
            on: on.into(),
            parts: parts.iter().map(|p| p.as_bytes().to_vec()).collect(),
            pause: Duration::from_millis(10),
        }
    }

    fn lines(on: &str, count: usize) -> Step {
        Step::Lines {
            on: on.into(),
            count,
            timeout: Duration::from_secs(2),
        }
    }

    #[tokio::test]
    async fn steps_observe_lines_closes_and_what_went_wrong() {
        let server = Loopback(line_server().await);
        let steps = vec![
            send(MAIN, &["PI", "NG\nHELLO\n"]),
            lines(MAIN, 2),
            send("other", &["QUIT\n"]),
            lines("other", 1),
            Step::Closed {
                on: "other".into(),
                timeout: Duration::from_secs(2),
            },
            send(MAIN, &["PING"]),
            Step::Lines {
                on: MAIN.into(),
                count: 1,
                timeout: Duration::from_millis(200),
            },
        ];
        let observed = run(&server, &steps).await.compared();
        assert_eq!(
            observed,
            json!({"steps": [
                null,
                {"lines": ["PONG", "ERR"]},
                null,
                {"lines": ["BYE"]},
                {"closed": true},
                null,
                {"lines": [], "error": "no reply in time"},
            ]})
        );
    }

    #[tokio::test]
    async fn a_refused_connection_is_observed_not_fatal() {
        struct Nobody;
        impl Connector for Nobody {
            async fn connect(&self) -> std::io::Result<Option<Opened>> {
                Ok(None)
            }

            async fn reset(&self, _link: [u8; 8]) -> bool {
                false
            }

            async fn restart(&self) -> Result<(), String> {
                Err("nobody to restart".into())
            }

            fn data_files(&self) -> Result<usize, String> {
                Err("no DATA_DIR".into())
            }

            fn host(&self) -> String {
                "127.0.0.1:8000".into()
            }

            async fn terminate(&self, _within: Duration) -> bool {
                true
            }
        }
        let observed = run(&Nobody, &[send(MAIN, &["PING\n"])]).await.compared();
        assert_eq!(
            observed,
            json!({"steps": [{"error": "the server refused the connection"}]})
        );
    }

    fn burst(clients: usize, send: &str, replies: usize, within_ms: u64) -> Step {
        Step::Burst(Burst {
            clients,
            greet: Some(b"PING\n".to_vec()),
            send: send.as_bytes().to_vec(),
            replies,
            within: Duration::from_millis(within_ms),
            numbers: None,
            service: Some(Duration::from_millis(200)),
        })
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_burst_tells_a_concurrent_server_from_a_serial_one() {
        // 5 clients x 200 ms: about 0.2 s together, 1 s one at a time; the limit, 0.6 s,
        // sits far from both.
        let concurrent = Loopback(line_server_with(false).await);
        let observed = run(&concurrent, &[burst(5, "SLEEP\n", 1, 600)])
            .await
            .compared();
        assert_eq!(
            observed,
            json!({"steps": [{"in_time": true, "greetings": {"PONG": 5}, "replies": {"SLEPT": 5}, "overlapped": 5}]})
        );
        let serial = Loopback(line_server_with(true).await);
        let observed = run(&serial, &[burst(5, "SLEEP\n", 1, 600)])
            .await
            .compared();
        let step = &observed["steps"][0];
        assert_eq!(step["in_time"], false, "{step}");
        assert_eq!(
            step["replies"],
            json!({"SLEPT": 5}),
            "every reply came, late"
        );
        assert_eq!(step["overlapped"], 1, "served one at a time: {step}");
        let error = step["error"].as_str().unwrap();
        assert!(error.contains("more than 600 ms"), "{error}");
        assert!(
            error.contains("(one at a time would take 1000 ms: 5 x 200 ms; this was 1."),
            "{error}"
        );
    }

    #[tokio::test]
    async fn a_pipelined_burst_checks_shared_numbers() {
        let server = Loopback(line_server().await);
        let mut step = burst(4, &"INCR\n".repeat(50), 50, 5000);
        if let Step::Burst(b) = &mut step {
            b.greet = None;
            b.numbers = Some((1, 200));
            b.service = None;
        }
        let observed = run(&server, &[step]).await.compared();
        assert_eq!(
            observed,
            json!({"steps": [{"in_time": true, "numbers": "ok"}]})
        );
    }

    #[test]
    fn overlap_counts_replies_that_finished_together() {
        let ms = |list: &[u64]| -> Vec<Duration> {
            list.iter().map(|&m| Duration::from_millis(m)).collect()
        };
        let service = Duration::from_millis(500);
        assert_eq!(
            super::super::scenario::overlapped(&ms(&[501, 503, 540, 520]), service),
            4
        );
        assert_eq!(
            super::super::scenario::overlapped(&ms(&[500, 1000, 1500, 2000]), service),
            1
        );
        // A pool of two: pairs finish together, a service time apart.
        assert_eq!(
            super::super::scenario::overlapped(&ms(&[500, 502, 1001, 1004, 1500]), service),
            2
        );
        assert_eq!(super::super::scenario::overlapped(&[], service), 0);
    }

    #[test]
    fn numbers_that_are_off_say_how() {
        let lines: Vec<String> = ["1", "2", "2", "5", "x"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            check_numbers(&lines, 1, 4),
            "2 missing (3, 4); 1 repeated (2); 1 outside 1..4 (5); 1 not numbers (first: \"x\")"
        );
    }

    #[tokio::test]
    async fn open_and_terminate_are_observed() {
        let server = Loopback(line_server().await);
        let observed = run(
            &server,
            &[
                Step::Open { on: "idle".into() },
                Step::Terminate {
                    within: Duration::from_millis(10),
                },
            ],
        )
        .await
        .compared();
        assert_eq!(
            observed,
            json!({"steps": [null, {"exited_within_grace": false}]})
        );
    }
}
