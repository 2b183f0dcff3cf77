"""Time from spawning `python solution.py` to the first 200 from GET /health.

Probe: a bare loop that opens a TCP connection to 127.0.0.1:PORT, sends
"GET /health HTTP/1.0", and reads the status line; on any failure it sleeps 5 ms and retries.
Each solution is started RUNS times (copied as solution.py into a fresh folder, PORT set,
/tmp/ja/venv's python); the median and the range are printed.
"""
import os, shutil, signal, socket, statistics, subprocess, sys, tempfile, time
from pathlib import Path

PY = "/tmp/ja/venv/bin/python"
RUNS = int(os.environ.get("RUNS", "10"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def probe(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(f"GET /health HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
            data = b""
            while b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            return data.startswith((b"HTTP/1.0 200", b"HTTP/1.1 200"))
    except OSError:
        return False


def once(solution):
    work = Path(tempfile.mkdtemp(prefix="ja-start-"))
    shutil.copy(solution, work / "solution.py")
    port = free_port()
    env = dict(os.environ, PORT=str(port))
    t0 = time.perf_counter()
    proc = subprocess.Popen([PY, "solution.py"], cwd=work, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not probe(port):
            if proc.poll() is not None:
                raise RuntimeError(f"{solution} exited with {proc.returncode}")
            if time.perf_counter() - t0 > 30:
                raise RuntimeError("not ready after 30 s")
            time.sleep(0.005)
        return time.perf_counter() - t0
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    for sol in sys.argv[1:]:
        once(sol)  # warm the page cache and __pycache__ of the venv
        times = [once(sol) for _ in range(RUNS)]
        print(f"{Path(sol).name:18} median {statistics.median(times)*1000:7.1f} ms"
              f"   min {min(times)*1000:7.1f}   max {max(times)*1000:7.1f}   (n={RUNS})", flush=True)
