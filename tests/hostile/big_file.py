"""One file larger than the disk limit: the attack case writes a single 64 MiB file (four
times `disk = "16MiB"`) into its working directory, 1 MiB at a time, and deletes it however
the writing ends.

Must happen: RLIMIT_FSIZE (the disk limit) or the size-capped run directory makes a write
past 16 MiB fail with EFBIG or ENOSPC (Python ignores SIGXFSZ, so this is an OSError), which
propagates: verdict `error`, or `output-limit` where the judge reports it as the disk limit.
`after` passes."""

import os

BLOCK = b"\xa5" * (1 << 20)
BLOCKS = 64
NAME = "big.bin"


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
    try:
        with open(NAME, "wb") as f:
            for _ in range(BLOCKS):
                f.write(BLOCK)  # EFBIG (or ENOSPC) propagates
    finally:
        try:
            os.unlink(NAME)
        except OSError:
            pass
    return {"wrote": "64 MiB in one file"}
