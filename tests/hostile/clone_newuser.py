"""A nested user namespace through clone(): the attack case makes the raw clone system call
with CLONE_NEWUSER (not unshare, which the seccomp filter denies by number; clone itself has
to stay allowed for fork and threads). A child that gets a namespace of its own, with every
capability in it, exits at once.

Must happen: nested user namespaces are disabled in the box (bubblewrap's --disable-userns),
so clone fails (ENOSPC, EUSERS or EPERM) and the case raises OSError "clone(CLONE_NEWUSER)
failed": verdict `error` (a failed clone is not a full disk, whatever its errno). If a child
starts in a new user namespace, the case returns that: verdict `wrong`, which fails the test."""

import ctypes
import os
import platform
import signal

SYS_CLONE = {"x86_64": 56, "aarch64": 220}
CLONE_NEWUSER = 0x10000000


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
    machine = platform.machine()
    if machine not in SYS_CLONE:
        return {"skipped": "the clone system call number is unknown for %s" % machine}
    libc = ctypes.CDLL(None, use_errno=True)
    syscall = libc.syscall
    syscall.restype = ctypes.c_long
    long = ctypes.c_long
    ctypes.set_errno(0)
    # No new stack: like fork, the child returns here with a copy of this process.
    pid = syscall(long(SYS_CLONE[machine]), long(CLONE_NEWUSER | signal.SIGCHLD), long(0),
                  long(0), long(0), long(0))
    err = ctypes.get_errno()
    if pid == 0:
        os._exit(0)
    if pid < 0:
        raise OSError(err, "clone(CLONE_NEWUSER) failed: %s" % os.strerror(err))
    os.waitpid(pid, 0)
    return {"clone(CLONE_NEWUSER)": "a child started in a user namespace of its own"}
