"""ptrace: the attack case calls ptrace(PTRACE_ATTACH) on its parent and on pid 1 (detaching at
once should one succeed), then ptrace(PTRACE_TRACEME), through ctypes.

Must happen: seccomp denies ptrace with EPERM, so every request fails: the case raises
PermissionError listing what each returned: verdict `error`. A request that succeeds, or fails
with another errno (the call reached the kernel), is returned instead: verdict `wrong`, which
fails the test."""

import ctypes
import errno
import os

PTRACE_TRACEME = 0
PTRACE_ATTACH = 16
PTRACE_DETACH = 17
WALL = 0x40000000


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
    libc = ctypes.CDLL(None, use_errno=True)
    ptrace = libc.ptrace
    ptrace.restype = ctypes.c_long
    ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]

    def call(request, pid):
        ctypes.set_errno(0)
        result = ptrace(request, pid, None, None)
        return result, ctypes.get_errno()

    results = {}
    for pid in sorted({os.getppid(), 1} - {0, os.getpid()}):
        result, err = call(PTRACE_ATTACH, pid)
        if result == 0:
            results["PTRACE_ATTACH %d" % pid] = "attached"
            try:
                os.waitpid(pid, WALL)
            except OSError:
                pass
            call(PTRACE_DETACH, pid)
        else:
            results["PTRACE_ATTACH %d" % pid] = errno.errorcode.get(err, str(err))
    result, err = call(PTRACE_TRACEME, 0)
    results["PTRACE_TRACEME"] = "traced" if result == 0 else errno.errorcode.get(err, str(err))
    if all(outcome == "EPERM" for outcome in results.values()):
        raise PermissionError(errno.EPERM, "every ptrace request was denied: %r" % results)
    return {"ptrace": results}
