"""Reads the judge's environment: the attack case returns its own os.environ, and
/proc/<pid>/environ of itself, of every ancestor it can see (following PPid up to pid 1) and
of every other process in /proc.

Must happen: the sandbox starts from a cleared environment and its own pid namespace, so none
of livejudge's variables (the test sets LIVEJUDGE_TEST_CANARY=<canary> on livejudge) is
visible: verdict `wrong` (it returns what it saw), and the canary appears nowhere in
livejudge's output (the test checks)."""

import os


def read_environ(pid):
    try:
        with open("/proc/%s/environ" % pid, "rb") as f:
            return f.read(8000).decode("utf-8", "replace").split("\0")
    except OSError as e:
        return "%s: %s" % (type(e).__name__, e.strerror)


def parent_of(pid):
    try:
        with open("/proc/%s/status" % pid) as f:
            for line in f:
                if line.startswith("PPid:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def solve(probe):
    if "echo" in probe:
        return {"echo": probe["echo"]}
    seen = {"self": read_environ("self")}
    pid = os.getpid()
    for _ in range(64):
        pid = parent_of(pid)
        if pid <= 0:
            break
        seen["ancestor %d" % pid] = read_environ(pid)
    try:
        pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
    except OSError:
        pids = []
    for other in pids[:200]:
        seen.setdefault("pid %d" % other, read_environ(other))
    return {"environ": dict(os.environ), "proc": seen}
