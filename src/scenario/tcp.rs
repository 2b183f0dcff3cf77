//! TCP scenarios: the judge as a client of the submission's server. A case is a list of
//! steps over named connections; what each step observed becomes one entry of the case's
//! observation, `{"steps": [...]}`, compared with the expectations written in the steps.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The connection a step uses when it names none.
pub const MAIN: &str = "main";
/// A reply line longer than this is cut (and then cannot match).
const MAX_LINE: usize = 64 * 1024;

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
    /// The judge closes the connection (orderly; a reset through the relay is to come).
    Close {
        on: String,
    },
    Sleep(Duration),
}

/// A byte stream to the server.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// Opens connections to the server.
pub trait Connector {
    fn connect(
        &self,
    ) -> impl std::future::Future<Output = std::io::Result<Option<Box<dyn Stream>>>> + Send;
}

struct Connection {
    stream: Box<dyn Stream>,
    /// Bytes read but not yet returned as a line.
    buffer: Vec<u8>,
    eof: bool,
}

/// Runs `steps` and returns the case's observation: `{"steps": [one value per step]}`.
/// Steps that expect nothing observe `null`; a failure to connect or a closed connection is
/// observed as such, and later steps on that connection observe it too.
pub async fn run<C: Connector>(connector: &C, steps: &[Step]) -> Value {
    let mut connections: HashMap<String, Connection> = HashMap::new();
    let mut observed = Vec::with_capacity(steps.len());
    for step in steps {
        observed.push(run_step(connector, &mut connections, step).await);
    }
    json!({ "steps": observed })
}

async fn open<'a, C: Connector>(
    connector: &C,
    connections: &'a mut HashMap<String, Connection>,
    on: &str,
) -> Result<&'a mut Connection, String> {
    if !connections.contains_key(on) {
        let stream = match connector.connect().await {
            Ok(Some(stream)) => stream,
            Ok(None) => return Err("the server refused the connection".into()),
            Err(e) => return Err(format!("cannot connect: {e}")),
        };
        connections.insert(
            on.to_owned(),
            Connection {
                stream,
                buffer: Vec::new(),
                eof: false,
            },
        );
    }
    Ok(connections.get_mut(on).expect("inserted above"))
}

async fn run_step<C: Connector>(
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
                let written = connection.stream.write_all(part).await;
                let flushed = connection.stream.flush().await;
                if let Err(e) = written.and(flushed) {
                    return json!({ "error": format!("the server closed the connection ({e})") });
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
        Step::Close { on } => {
            if let Some(mut connection) = connections.remove(on) {
                let _ = connection.stream.shutdown().await;
            }
            Value::Null
        }
        Step::Sleep(duration) => {
            tokio::time::sleep(*duration).await;
            Value::Null
        }
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

    /// A server on the test's own loopback answering `PING` with `PONG`, `QUIT` with `BYE`
    /// and a close, and anything else with `ERR`.
    async fn line_server() -> u16 {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                tokio::spawn(async move {
                    use tokio::io::AsyncBufReadExt;
                    let (read, mut write) = stream.into_split();
                    let mut lines = tokio::io::BufReader::new(read).lines();
                    while let Ok(Some(line)) = lines.next_line().await {
                        let reply: &[u8] = match line.trim_end_matches('\r') {
                            "PING" => b"PONG\r\n",
                            "QUIT" => {
                                let _ = write.write_all(b"BYE\n").await;
                                return;
                            }
                            _ => b"ERR\n",
                        };
                        let _ = write.write_all(reply).await;
                    }
                });
            }
        });
        port
    }

    struct Loopback(u16);

    impl Connector for Loopback {
        async fn connect(&self) -> std::io::Result<Option<Box<dyn Stream>>> {
            let stream = tokio::net::TcpStream::connect(("127.0.0.1", self.0)).await?;
            Ok(Some(Box::new(stream)))
        }
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
        let observed = run(&server, &steps).await;
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
            async fn connect(&self) -> std::io::Result<Option<Box<dyn Stream>>> {
                Ok(None)
            }
        }
        let observed = run(&Nobody, &[send(MAIN, &["PING\n"])]).await;
        assert_eq!(
            observed,
            json!({"steps": [{"error": "the server refused the connection"}]})
        );
    }
}
