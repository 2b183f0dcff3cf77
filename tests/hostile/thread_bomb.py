"""Thread bomb: the attack case starts threads that block, up to 20000 of them (each waits at
most 60 s).

Must happen: threads count against the cgroup's pids.max (`processes = 32`), so starting one
fails with RuntimeError "can't start new thread", which propagates: verdict `error`. The
threads are released before the error propagates; `after` passes."""

import os
import threading
import time

MAX_THREADS = 20000
MAX_SECONDS = 60


def in_sandbox(probe=None):
    """True only inside livejudge's strict sandbox: pid 1 is bubblewrap (a pid namespace of
    its own) and the host's outside_dir is invisible. Outside it, this attack does nothing."""
    try:
        with open("/proc/1/cmdline", "rb") as f:
            argv0 = f.read().split(b"\0", 1)[0]
    except OSError:
        return False
    if os.path.basename(argv0) != b"bwrap":
        return False
    return probe is None or not os.path.exists(probe["outside_dir"])


def solve(probe):
    if "echo" in probe:
        return {"echo": probe["echo"]}
    if not in_sandbox(probe):
        return {"skipped": "not sandboxed"}
    release = threading.Event()
    deadline = time.monotonic() + MAX_SECONDS
    started = 0
    try:
        while started < MAX_THREADS and time.monotonic() < deadline:
            thread = threading.Thread(target=release.wait, args=(MAX_SECONDS,), daemon=True)
            thread.start()  # RuntimeError at pids.max: propagates (verdict error)
            started += 1
    finally:
        release.set()
    return {"threads": started}
