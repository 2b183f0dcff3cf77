"""Lifts its own limits, then breaks one: the attack case raises every soft rlimit to its hard
limit and tries to lift every hard limit to infinity (recording what each did), then allocates
512 MiB, writing every page: twice `memory = "256MiB"`.

Must happen: an unprivileged process cannot raise a hard limit, and the memory limit is the
cgroup's, which no rlimit touches: the allocation ends in `memory-limit` (an OOM kill or
MemoryError). If it completes, the case returns the limits it changed: verdict `wrong`, which
fails the test. `after` passes."""

import os
import resource
import time

CHUNK = 16 << 20
TARGET = 512 << 20
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
    changed = {}
    for name in sorted(n for n in dir(resource) if n.startswith("RLIMIT_")):
        which = getattr(resource, name)
        try:
            soft, hard = resource.getrlimit(which)
        except (ValueError, OSError) as e:
            changed[name] = "getrlimit: %s" % e
            continue
        notes = []
        try:
            resource.setrlimit(which, (hard, hard))
            notes.append("soft %s -> %s" % (soft, hard))
        except (ValueError, OSError) as e:
            notes.append("soft: %s" % e)
        if hard != resource.RLIM_INFINITY:
            try:
                resource.setrlimit(which, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
                notes.append("hard %s -> infinity" % hard)
            except (ValueError, OSError) as e:
                notes.append("hard: %s" % e)
        changed[name] = "; ".join(notes)
    deadline = time.monotonic() + MAX_SECONDS
    hoard = bytearray()
    while len(hoard) < TARGET and time.monotonic() < deadline:
        hoard += b"\xa5" * CHUNK
    return {"limits": changed, "allocated": len(hoard)}
