#!/usr/bin/env python3
"""Server start-up: time from spawning a server to its first answer, as livejudge detects it
(in its box, through the relay, probing every 3 ms) against a bare-Python probe loop (the
same interpreter and venv, no box, probing every 3 ms), per solution; and the whole-task
grading time per solution.

Usage: benches/server_startup.py [TASK] [-n RUNS] [SOLUTION ...]
Defaults: the json-api task, its accepted solutions, 10 runs each. It builds livejudge in
release mode and grades once first, so the task's venv exists and the page cache is warm.
Prints medians (and min-max) and the judge/bare ratio. Nothing here fails a test.
"""

import argparse
import json
import os
import pathlib
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
PROBE_INTERVAL = 0.003


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_ready(port, path):
    """A status line below 500 for GET path: what livejudge's probe asks for."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    return False
                data += chunk
            parts = data.split(b" ", 2)
            return len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < 500
    except OSError:
        return False


def tcp_ready(port, _path):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return True
    except OSError:
        return False


def bare_start(python, solution, ready, path):
    work = pathlib.Path(tempfile.mkdtemp(prefix="lj-start-"))
    shutil.copy(solution, work / "solution.py")
    port = free_port()
    data = work / "data"
    data.mkdir()
    env = dict(os.environ, PORT=str(port), DATA_DIR=str(data), PYTHONDONTWRITEBYTECODE="1")
    started = time.perf_counter()
    proc = subprocess.Popen([python, "solution.py"], cwd=work, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not ready(port, path):
            if proc.poll() is not None:
                raise RuntimeError(f"{solution} exited with {proc.returncode}")
            if time.perf_counter() - started > 30:
                raise RuntimeError(f"{solution} not ready after 30 s")
            time.sleep(PROBE_INTERVAL)
        return time.perf_counter() - started
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(work, ignore_errors=True)


def task_venv_python(judge, task):
    """The task venv's interpreter: `livejudge setup TASK` prints its folder."""
    out = subprocess.run([str(judge), "setup", task], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    folder = out.rsplit("(", 1)[1].rsplit(")", 1)[0]
    return str(pathlib.Path(os.path.expanduser(folder)) / "bin" / "python")


def spec(task):
    import tomllib
    with open(ROOT / "tasks" / task / "task.toml", "rb") as f:
        raw = tomllib.load(f)
    server = raw.get("server", {})
    if raw["kind"] == "http":
        return http_ready, server.get("ready_path", "/")
    return tcp_ready, None


def median_ms(values):
    return f"{statistics.median(values) * 1000:7.1f} ms ({min(values) * 1000:.0f}-{max(values) * 1000:.0f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task", nargs="?", default="json-api")
    parser.add_argument("-n", "--runs", type=int, default=10)
    parser.add_argument("solutions", nargs="*")
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    judge = ROOT / "target" / "release" / "livejudge"
    solutions = [pathlib.Path(s) for s in args.solutions] or sorted(
        (ROOT / "tasks" / args.task / "solutions" / "accepted").glob("*.py"))
    ready, path = spec(args.task)
    python = task_venv_python(judge, args.task)
    print(f"{args.task}: {args.runs} starts per solution; bare = {python} with a "
          f"{PROBE_INTERVAL * 1000:.0f} ms probe loop, no box\n")
    print(f"{'solution':22} {'bare spawn->ready':>24} {'livejudge spawn->ready':>26} {'ratio':>6} "
          f"{'whole grading':>24}")
    for solution in solutions:
        bare_start(python, solution, ready, path)  # warm-up
        bare = [bare_start(python, solution, ready, path) for _ in range(args.runs)]
        result = subprocess.run(
            [str(judge), "grade", args.task, "--format", "json"] + [str(solution)] * args.runs,
            cwd=ROOT, capture_output=True, text=True)
        report = json.loads(result.stdout)
        judged = [s["server_ready_ms"][0] / 1000 for s in report["submissions"]]
        grading = [s["duration_ms"] / 1000 for s in report["submissions"]]
        failed = sum(not s["passed"] for s in report["submissions"])
        note = f"   ({failed} runs failed)" if failed else ""
        print(f"{solution.name:22} {median_ms(bare):>24} {median_ms(judged):>26} "
              f"{statistics.median(judged) / statistics.median(bare):6.2f} {median_ms(grading):>24}{note}",
              flush=True)


if __name__ == "__main__":
    sys.exit(main())
