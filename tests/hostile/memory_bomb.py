"""Memory bomb: the attack case grows one bytearray 16 MiB at a time, writing every page, up
to 8 GiB (and for at most 60 s).

Must happen: the cgroup's memory.max (`memory = "256MiB"`) stops it, by an OOM kill or a
MemoryError: verdict `memory-limit` (not swap, not a timeout). `after` passes (in a fresh
process after an OOM kill)."""

import os
import time

CHUNK = 16 << 20
MAX_BYTES = 8 << 30
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
    deadline = time.monotonic() + MAX_SECONDS
    hoard = bytearray()
    while len(hoard) < MAX_BYTES and time.monotonic() < deadline:
        hoard += b"\xa5" * CHUNK  # every page written, so it is really charged
    return {"allocated": len(hoard)}
