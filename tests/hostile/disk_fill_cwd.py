"""Disk fill in the run directory: the attack case writes 8 MiB files (each under the per-file
limit) into its working directory until a write fails, up to 2 GiB (and for at most 60 s).

Must happen: the run directory holds at most `disk = "16MiB"`: a write fails (ENOSPC, EDQUOT
or EFBIG), which propagates: verdict `error`, or `output-limit` where the judge reports a full
run directory as the disk limit (or stops the writer for it). The host disk is untouched
beyond the limit, the workspace is removed, and `after` passes."""

import os
import time

BLOCK = b"\xa5" * (1 << 20)
BLOCKS_PER_FILE = 8
MAX_BYTES = 2 << 30
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
    written = 0
    index = 0
    while written < MAX_BYTES and time.monotonic() < deadline:
        with open("fill-%05d.bin" % index, "wb") as f:
            for _ in range(BLOCKS_PER_FILE):
                f.write(BLOCK)  # OSError (ENOSPC, EDQUOT, EFBIG) propagates
                written += len(BLOCK)
        index += 1
    return {"written": written}
