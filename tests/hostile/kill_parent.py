"""Kills its parent: the attack case sends SIGKILL to its parent process and to pid 1 (in the
sandbox's pid namespace: bubblewrap), then returns what it saw.

Must happen: the judge is outside the sandbox's pid namespace and cannot be reached. Either
the signals achieve nothing (pid 1 of a namespace ignores SIGKILL from inside it) and the case
returns: verdict `wrong`; or the sandbox collapses under the case: `crashed`. livejudge itself
finishes normally with its report, and `after` passes (in a fresh sandbox if needed)."""

import errno
import os
import signal
import time


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
    parent = os.getppid()
    results = {}
    # Never 0 (that would be this process group) and never this process.
    for pid in sorted({parent, 1} - {0, os.getpid()}):
        try:
            os.kill(pid, signal.SIGKILL)
            results[str(pid)] = "signalled"
        except OSError as e:
            results[str(pid)] = errno.errorcode.get(e.errno, str(e.errno))
    time.sleep(0.5)
    return {"parent": parent, "kill": results, "parent_now": os.getppid()}
