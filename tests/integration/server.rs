//! A submission run as a server in a strict box, through the library: readiness (TCP and
//! HTTP), talking to it through the relay, and stopping it with SIGTERM and a grace period.
//!
//! Each test runs in a process of its own (`in_own_process`): the library's supervisor kills
//! and reaps every child of the process it runs in that is not one of its own groups, as
//! livejudge's orphan reaping does, and in the shared test binary those would be the other
//! tests' livejudge runs.

use std::path::Path;
use std::time::Duration;

use livejudge::run::server::{Probe, Server, ServerLaunch, StartFailure};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::support::machine::{in_own_process, this_test};
use crate::support::{box_dirs, box_launcher, box_limits, real_python};

const PORT: u16 = 8000;

/// Starts `script` (Python source) as a server in a box of its own.
fn start(work: &Path, script: &str) -> Server {
    let launcher = box_launcher();
    let (python, prefix) = real_python();
    let dirs = box_dirs(work);
    std::fs::write(dirs.run.join("solution.py"), script).unwrap();
    Server::start(
        &launcher,
        ServerLaunch {
            program: python,
            args: vec!["-u".into(), "solution.py".into()],
            env: vec![("PATH".into(), "/usr/bin:/bin".into())],
            dirs,
            read_only: vec![prefix],
            conceal: Vec::new(),
            limits: box_limits(),
            output_limit: 1 << 20,
            port: PORT,
            sockets_dir: work.join("net"),
        },
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

const LINE_SERVER: &str = r#"
import os, socketserver
class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(b"got " + line)
class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
server = Server(("127.0.0.1", int(os.environ["PORT"])), Handler)
print("listening", flush=True)
server.serve_forever()
"#;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn a_tcp_server_is_ready_answers_through_the_relay_and_stops_on_sigterm() {
    in_own_process(this_test!(), || {
        let work = tempfile::tempdir().unwrap();
        runtime().block_on(async {
            let mut server = start(work.path(), LINE_SERVER);
            server
                .wait_ready(&Probe::Tcp, Duration::from_secs(20))
                .await
                .unwrap_or_else(|e| panic!("{e}: {e:?}"));
            let stream = server
                .connect()
                .await
                .unwrap()
                .expect("the server listens")
                .0;
            let (read, mut write) = tokio::io::split(stream);
            write.write_all(b"hello\n").await.unwrap();
            let mut reply = String::new();
            BufReader::new(read).read_line(&mut reply).await.unwrap();
            assert_eq!(reply, "got hello\n");
            // Python's default SIGTERM action ends it at once.
            let stopped = server.stop(Duration::from_secs(5)).await;
            assert!(stopped.exited_within_grace, "{stopped:?}");
            assert!(stopped.output.contains("listening"), "{stopped:?}");
        });
    });
}

#[test]
fn a_server_that_ignores_sigterm_is_killed_after_the_grace_period() {
    in_own_process(this_test!(), || {
        let work = tempfile::tempdir().unwrap();
        let script =
            format!("import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n{LINE_SERVER}");
        runtime().block_on(async {
            let mut server = start(work.path(), &script);
            server
                .wait_ready(&Probe::Tcp, Duration::from_secs(20))
                .await
                .unwrap_or_else(|e| panic!("{e}: {e:?}"));
            let stopped = server.stop(Duration::from_millis(500)).await;
            assert!(!stopped.exited_within_grace, "{stopped:?}");
            assert!(stopped.how.contains("killed"), "{stopped:?}");
        });
    });
}

#[test]
fn a_server_that_dies_at_start_is_reported_with_its_traceback() {
    in_own_process(this_test!(), || {
        let work = tempfile::tempdir().unwrap();
        runtime().block_on(async {
            let mut server = start(
                work.path(),
                "import os\nport = int(os.environ['PORT']) / 0\n",
            );
            match server
                .wait_ready(&Probe::Tcp, Duration::from_secs(20))
                .await
            {
                Err(StartFailure::Exited { how, output }) => {
                    assert_eq!(how, "exited with status 1");
                    assert!(output.contains("ZeroDivisionError"), "{output}");
                }
                other => panic!("{other:?}"),
            }
        });
    });
}

#[test]
fn a_server_that_never_listens_is_not_ready_when_the_timeout_runs_out() {
    in_own_process(this_test!(), || {
        let work = tempfile::tempdir().unwrap();
        runtime().block_on(async {
            let mut server = start(
                work.path(),
                "import time\nprint('thinking')\ntime.sleep(60)\n",
            );
            match server.wait_ready(&Probe::Tcp, Duration::from_secs(1)).await {
                Err(StartFailure::NotReady { waited, output }) => {
                    assert_eq!(waited, Duration::from_secs(1));
                    assert!(output.contains("thinking"), "{output}");
                }
                other => panic!("{other:?}"),
            }
            server.stop(Duration::from_millis(100)).await;
        });
    });
}

#[test]
fn an_http_server_is_ready_at_its_first_answer_below_500() {
    in_own_process(this_test!(), || {
        let work = tempfile::tempdir().unwrap();
        // 503 for the first three probes, then 200: ready only then.
        let script = r#"
import http.server, os
seen = 0
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        global seen
        seen += 1
        status = 503 if seen <= 3 else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()
        print("GET", self.path, status, flush=True)
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
"#;
        runtime().block_on(async {
            let mut server = start(work.path(), script);
            server
                .wait_ready(
                    &Probe::Http {
                        path: "/health".into(),
                    },
                    Duration::from_secs(20),
                )
                .await
                .unwrap_or_else(|e| panic!("{e}: {e:?}"));
            let stopped = server.stop(Duration::from_secs(5)).await;
            let answers: Vec<&str> = stopped.output.lines().collect();
            assert_eq!(
                answers,
                [
                    "GET /health 503",
                    "GET /health 503",
                    "GET /health 503",
                    "GET /health 200"
                ]
            );
        });
    });
}
