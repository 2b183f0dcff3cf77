"""Disk fill in /dev/shm (POSIX shared memory): the attack case writes 8 MiB files into
/dev/shm/livejudge-escape-<nonce>/ until a write fails, up to 2 GiB (and for at most 60 s).

Must happen: /dev/shm is a private, size-capped tmpfs: the write fails with ENOSPC, which
propagates: verdict `error`, or `output-limit` where the judge reports a full filesystem as
the disk limit; or, should the tmpfs be larger than the memory limit, its pages (charged to
the run's cgroup) end in `memory-limit`. Nothing reaches the host's /dev/shm (the
test checks that /dev/shm/livejudge-escape-<nonce> does not exist there) and `after` passes."""

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
    folder = "/dev/shm/livejudge-escape-%s" % probe["nonce"]
    os.makedirs(folder, exist_ok=True)
    deadline = time.monotonic() + MAX_SECONDS
    written = 0
    index = 0
    while written < MAX_BYTES and time.monotonic() < deadline:
        with open(os.path.join(folder, "fill-%05d.bin" % index), "wb") as f:
            for _ in range(BLOCKS_PER_FILE):
                f.write(BLOCK)  # ENOSPC propagates
                written += len(BLOCK)
        index += 1
    return {"written": written}
