"""New namespaces and mounts: through ctypes the attack case calls unshare() for a new user,
mount and network namespace, mount() of a tmpfs on a folder in its working directory and of
/ as private, and setns() into pid 1's mount namespace and its own network namespace.

Must happen: seccomp denies unshare, mount and setns with EPERM: the case raises
PermissionError listing what each returned: verdict `error`. A call that succeeds, or fails
with another errno (it reached the kernel), is returned instead: verdict `wrong`, which fails
the test."""

import ctypes
import errno
import os

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
MS_REC = 0x4000
MS_PRIVATE = 0x40000


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
    libc.unshare.argtypes = [ctypes.c_int]
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                           ctypes.c_void_p]
    libc.setns.argtypes = [ctypes.c_int, ctypes.c_int]

    def outcome(result):
        if result == 0:
            return "succeeded"
        err = ctypes.get_errno()
        return errno.errorcode.get(err, str(err))

    results = {}
    for name, flag in (("user", CLONE_NEWUSER), ("mount", CLONE_NEWNS), ("net", CLONE_NEWNET)):
        ctypes.set_errno(0)
        results["unshare " + name] = outcome(libc.unshare(flag))
    target = os.path.join(os.getcwd(), "mnt")
    os.makedirs(target, exist_ok=True)
    ctypes.set_errno(0)
    results["mount tmpfs"] = outcome(libc.mount(b"tmpfs", target.encode(), b"tmpfs", 0, None))
    ctypes.set_errno(0)
    results["mount / private"] = outcome(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE,
                                                    None))
    for path in ("/proc/1/ns/mnt", "/proc/self/ns/net"):
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError as e:
            results["open " + path] = errno.errorcode.get(e.errno, str(e.errno))
            continue
        try:
            ctypes.set_errno(0)
            results["setns " + path] = outcome(libc.setns(fd, 0))
        finally:
            os.close(fd)
    calls = {k: v for k, v in results.items() if not k.startswith("open ")}
    if all(v == "EPERM" for v in calls.values()):
        raise PermissionError(errno.EPERM, "every call was denied: %r" % results)
    return {"calls": results}
