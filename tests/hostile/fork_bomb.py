"""Fork bomb: the attack case forks as fast as it can (every child forks once more and then
sleeps), up to 20000 processes in all, for at most 60 s.

Must happen: the cgroup's pids.max (`processes = 32`) makes fork() fail with BlockingIOError,
which propagates: verdict `error`. The sleeping children are killed when the run ends, `after`
passes, and no process of the run outlives livejudge."""

import os
import time

MAX_FORKS = 10000  # by the parent; each child forks at most once: 20000 processes at most
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


def child(deadline):
    try:
        try:
            if os.fork() == 0:
                time.sleep(max(0.0, deadline - time.monotonic()))
                os._exit(0)
        except OSError:
            pass
        time.sleep(max(0.0, deadline - time.monotonic()))
    finally:
        os._exit(0)


def solve(probe):
    if "echo" in probe:
        return {"echo": probe["echo"]}
    if not in_sandbox(probe):
        return {"skipped": "not sandboxed"}
    deadline = time.monotonic() + MAX_SECONDS
    forked = 0
    while forked < MAX_FORKS and time.monotonic() < deadline:
        pid = os.fork()  # BlockingIOError at pids.max: propagates (verdict error)
        if pid == 0:
            child(deadline)
        forked += 1
    return {"forked": forked}
