//! `livejudge new TASK --kind python|http|tcp`: a small working task folder, with a reference
//! solution and a known-wrong one, that `livejudge check` passes as it is.

use std::path::{Path, PathBuf};

use crate::cli::Cli;
use crate::console::say;
use crate::error::{Error, exit};
use crate::task::Kind;

/// The files of a new task, relative to its folder.
fn files(id: &str, kind: Kind) -> Vec<(&'static str, String)> {
    let readme = |body: &str| format!("# {id}\n\n{body}\n");
    let common = vec![(
        "solutions/solutions.toml",
        "# What each rejected solution must fail, and text its messages must contain (the test of\n\
         # the cases themselves: `livejudge check` fails when a mistake stops being caught).\n\
         exact = true\n\n"
            .to_owned(),
    )];
    let mut files = match kind {
        Kind::Python => vec![
            (
                "task.toml",
                format!(
                    r#"# A new python task: edit README.md (the statement), the cases and harness.py, then run
# `livejudge check {id}` until every solution does what solutions/solutions.toml says.
title = "{id}: add two numbers"
kind = "python"

[submission]
entry = "solution.py"
names = ["add"]

[harness]
file = "harness.py"

[[cases]]
id = "small"
title = "Adds two small numbers"
rule = "add(a, b) returns a + b"
input = {{ a = 1, b = 2 }}
expect = 3

[[cases]]
id = "negative"
title = "Adds negative numbers"
rule = "add(a, b) returns a + b, negative numbers included"
input = {{ a = -5, b = 3 }}
expect = -2
"#
                ),
            ),
            (
                "README.md",
                readme("Write `solution.py` defining `add(a, b)`, which returns `a + b`."),
            ),
            (
                "harness.py",
                "\"\"\"Runs inside the sandbox: calls the submission with a case's input and returns\n\
                 what it observed. Expected values never come here.\"\"\"\n\n\n\
                 def run_case(module, case):\n    return module.add(case[\"a\"], case[\"b\"])\n"
                    .to_owned(),
            ),
            (
                "solutions/accepted/reference.py",
                "def add(a, b):\n    return a + b\n".to_owned(),
            ),
            (
                "solutions/rejected/ignores_sign.py",
                "\"\"\"REJECTED: adds the magnitudes.\"\"\"\n\n\ndef add(a, b):\n    return abs(a) + abs(b)\n"
                    .to_owned(),
            ),
        ],
        Kind::Http => vec![
            (
                "task.toml",
                format!(
                    r#"# A new http task: the submission is a server; each case's steps are requests and what
# the answers must be. Edit README.md and the cases, then run `livejudge check {id}`.
title = "{id}: a health endpoint"
kind = "http"

[server]
ready_path = "/health"

[[cases]]
id = "health"
title = "GET /health answers JSON"
rule = "GET /health answers 200 with {{\"status\": \"ok\"}}"

[[cases.steps]]
request = "GET /health"
expect.status = 200
expect.headers = {{ "content-type" = {{ "$regex" = "^application/json" }} }}
expect.body = {{ status = "ok" }}

[[cases]]
id = "unknown-path"
title = "Other paths are 404"
rule = "any other path answers 404"

[[cases.steps]]
request = "GET /nowhere"
expect.status = 404
"#
                ),
            ),
            (
                "README.md",
                readme(
                    "Write `solution.py`, an HTTP server listening on 127.0.0.1 at the port in the \
                     `PORT` environment variable. `GET /health` answers `200` with the JSON \
                     `{\"status\": \"ok\"}`; any other path answers `404`.",
                ),
            ),
            (
                "solutions/accepted/stdlib.py",
                HTTP_SERVER.replace("@HEALTH_STATUS@", "200"),
            ),
            (
                "solutions/rejected/health_created.py",
                format!(
                    "\"\"\"REJECTED: answers 201 instead of 200.\"\"\"\n\n{}",
                    HTTP_SERVER.replace("@HEALTH_STATUS@", "201")
                ),
            ),
        ],
        Kind::Tcp => vec![
            (
                "task.toml",
                format!(
                    r#"# A new tcp task: the submission is a server; each case's steps are what to send and
# the lines to expect back. Edit README.md and the cases, then run `livejudge check {id}`.
title = "{id}: a line echo server"
kind = "tcp"

[[cases]]
id = "echo"
title = "A line comes back as it was sent"
rule = "every line received is sent back"
steps = [{{ send = "hello\n" }}, {{ expect = "hello" }}]

[[cases]]
id = "two-lines"
title = "Two lines in one write come back in order"
rule = "every line received is sent back, in order"
steps = [{{ send = "one\ntwo\n" }}, {{ expect = ["one", "two"] }}]
"#
                ),
            ),
            (
                "README.md",
                readme(
                    "Write `solution.py`, a TCP server listening on 127.0.0.1 at the port in the \
                     `PORT` environment variable, which sends every line it receives back.",
                ),
            ),
            (
                "solutions/accepted/stdlib.py",
                TCP_SERVER.replace("@LINES@", "lines"),
            ),
            (
                "solutions/rejected/first_line_only.py",
                format!(
                    "\"\"\"REJECTED: answers only the first line of each read.\"\"\"\n\n{}",
                    TCP_SERVER.replace("@LINES@", "lines[:1]")
                ),
            ),
        ],
    };
    let mut solutions = common;
    solutions[0].1.push_str(match kind {
        Kind::Python => {
            "[rejected.ignores_sign]\nfails = [\"negative\"]\nverdict = \"wrong\"\nmessage = \"expected -2, got 8\"\n"
        }
        Kind::Http => {
            "[rejected.health_created]\nfails = [\"health\"]\nverdict = \"wrong\"\nmessage = \"status: expected 200, got 201\"\n"
        }
        Kind::Tcp => {
            "[rejected.first_line_only]\nfails = [\"two-lines\"]\nverdict = \"wrong\"\nmessage = \"two\"\n"
        }
    });
    files.extend(solutions);
    files
}

const HTTP_SERVER: &str = r#"import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            self.answer(@HEALTH_STATUS@, {"status": "ok"})
        else:
            self.answer(404, {"error": "not found"})

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
"#;

const TCP_SERVER: &str = r#"import os
import socketserver


class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        buffer = b""
        while True:
            data = self.request.recv(4096)
            if not data:
                return
            buffer += data
            *lines, buffer = buffer.split(b"\n")
            for line in @LINES@:
                self.request.sendall(line + b"\n")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


Server(("127.0.0.1", int(os.environ["PORT"])), Echo).serve_forever()
"#;

/// Creates `tasks_dir/id` with a working task of `kind`; refuses to touch an existing folder.
pub fn create(tasks_dir: &Path, id: &str, kind: Kind) -> Result<PathBuf, String> {
    let valid = id.len() <= 64
        && id.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c));
    if !valid {
        return Err(format!(
            "\"{id}\" is not a task id: use lowercase letters, digits, '-', '_' or '.'"
        ));
    }
    let dir = tasks_dir.join(id);
    if dir.exists() {
        return Err(format!("{} already exists", dir.display()));
    }
    for (relative, text) in files(id, kind) {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(dir)
}

/// `livejudge new ID --kind K`.
pub(super) fn new_task(cli: &Cli, id: &str, kind: crate::cli::NewKind) -> Result<u8, Error> {
    use crate::cli::NewKind;
    let kind = match kind {
        NewKind::Python => Kind::Python,
        NewKind::Http => Kind::Http,
        NewKind::Tcp => Kind::Tcp,
    };
    let tasks = cli.tasks.clone().unwrap_or_else(|| PathBuf::from("tasks"));
    let dir = crate::cmd::new::create(&tasks, id, kind).map_err(|message| {
        Error::input(message, Some("pick another id, or pass --tasks DIR".into()))
    })?;
    say!("created {} ({} task)", dir.display(), kind.name());
    say!(
        "next: edit {}/README.md and the cases in task.toml, then run: livejudge --tasks {} check {id}",
        dir.display(),
        tasks.display()
    );
    Ok(exit::PASSED)
}
