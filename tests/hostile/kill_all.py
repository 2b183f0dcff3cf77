"""kill(-1, SIGKILL): the attack case signals every process it is allowed to signal, then
returns that it survived.

Must happen: in the sandbox's pid namespace that is nothing outside the sandbox (kill(-1)
spares pid 1 and the caller), so the case returns: verdict `wrong`, or `crashed` should the
sandbox collapse. The test process, livejudge and everything else on the host survive
(livejudge finishes with its report); `after` passes."""

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
    try:
        os.kill(-1, signal.SIGKILL)
        outcome = "signalled"
    except OSError as e:
        outcome = "%s: %s" % (type(e).__name__, e.strerror)
    time.sleep(0.5)
    return {"kill(-1)": outcome, "survived": True}
