"""System calls the sandbox's seccomp filter denies: the attack case calls keyctl (the session
keyring's id, which works for anybody without the filter), bpf and perf_event_open (with null
or empty arguments, harmless should they reach the kernel) by number, through ctypes.

Must happen: every call fails with EPERM from seccomp: the case raises PermissionError listing
them: verdict `error`. A call that succeeds, or fails with another errno (it reached the
kernel), is returned instead: verdict `wrong`, which fails the test."""

import ctypes
import errno
import platform

# (keyctl, bpf, perf_event_open) by architecture.
NUMBERS = {"x86_64": (250, 321, 298), "aarch64": (219, 280, 241)}
KEYCTL_GET_KEYRING_ID = 0
KEY_SPEC_SESSION_KEYRING = -3
BPF_MAP_CREATE = 0


def solve(probe):
    if "echo" in probe:
        return {"echo": probe["echo"]}
    machine = platform.machine()
    if machine not in NUMBERS:
        return {"skipped": "system call numbers unknown for %s" % machine}
    keyctl, bpf, perf_event_open = NUMBERS[machine]
    libc = ctypes.CDLL(None, use_errno=True)
    syscall = libc.syscall
    syscall.restype = ctypes.c_long
    long = ctypes.c_long
    calls = {
        "keyctl": (keyctl, long(KEYCTL_GET_KEYRING_ID), long(KEY_SPEC_SESSION_KEYRING), long(0)),
        "bpf": (bpf, long(BPF_MAP_CREATE), long(0), long(0)),
        "perf_event_open": (perf_event_open, long(0), long(0), long(-1), long(-1), long(0)),
    }
    results = {}
    for name, (number, *args) in calls.items():
        ctypes.set_errno(0)
        result = syscall(long(number), *args)
        err = ctypes.get_errno()
        results[name] = "returned %d" % result if result >= 0 else errno.errorcode.get(err, err)
    if all(outcome == "EPERM" for outcome in results.values()):
        raise PermissionError(errno.EPERM, "every call was denied: %r" % results)
    return {"syscalls": results}
