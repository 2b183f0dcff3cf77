"""Lifts its cgroup limits, then breaks one: the attack case writes "max" into pids.max,
memory.max, memory.swap.max and cpu.max of its own cgroup, its parent and the root cgroup
(from /proc/self/cgroup), tries to move itself into the parent's and the root's cgroup.procs
and to set its oom_score_adj to -1000 (recording what each did), then forks 64 children that
stay alive (twice `processes = 32`), killing them again however that ends.

Must happen: the cgroup files are not writable from inside (read-only or absent), so fork
fails at pids.max with BlockingIOError, which propagates: verdict `error`. If all 64 forks
succeed, the case returns what it changed: verdict `wrong`, which fails the test. `after`
passes."""

import errno
import os
import signal
import time

CHILDREN = 64
CHILD_SECONDS = 10


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


def write(path, value):
    try:
        with open(path, "w") as f:
            f.write(value)
        return "written"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def solve(probe):
    if "echo" in probe:
        return {"echo": probe["echo"]}
    if not in_sandbox(probe):
        return {"skipped": "not sandboxed"}
    results = {}
    own = "/"
    try:
        with open("/proc/self/cgroup") as f:
            for line in f:
                if line.startswith("0::"):
                    own = line[3:].strip() or "/"
    except OSError as e:
        results["/proc/self/cgroup"] = errno.errorcode.get(e.errno, str(e.errno))
    mine = os.path.normpath("/sys/fs/cgroup/" + own)
    folders = []
    for folder in (mine, os.path.dirname(mine), "/sys/fs/cgroup"):
        if folder.startswith("/sys/fs/cgroup") and folder not in folders:
            folders.append(folder)
    for folder in folders:
        for name in ("pids.max", "memory.max", "memory.swap.max", "cpu.max"):
            path = os.path.join(folder, name)
            results[path] = write(path, "max")
    for folder in folders[1:]:
        path = os.path.join(folder, "cgroup.procs")
        results[path] = write(path, str(os.getpid()))
    results["/proc/self/oom_score_adj"] = write("/proc/self/oom_score_adj", "-1000")
    children = []
    try:
        for _ in range(CHILDREN):
            pid = os.fork()  # BlockingIOError at pids.max: propagates (verdict error)
            if pid == 0:
                try:
                    time.sleep(CHILD_SECONDS)
                finally:
                    os._exit(0)
            children.append(pid)
    finally:
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except OSError:
                pass
    return {"cgroup": results, "forked": len(children)}
