"""Descriptors leaked into the sandbox: the attack case lists every descriptor it has (from
/proc/self/fd), and for each directory descriptor lists it and up to 8 folders above it
through /proc/self/fd/<n>/.. (the classic way out of a chroot), trying at each level to read
canary_file by every suffix of its path. It returns everything it found.

Must happen: the judge passes only the two harness channels (and stdio): no descriptor leads
outside the sandbox: verdict `wrong`, and the canary appears nowhere in livejudge's output
(the test checks)."""

import os
import stat


def solve(probe):
    if "echo" in probe:
        return {"echo": probe["echo"]}
    parts = probe["canary_file"].strip("/").split("/")
    fds = {}
    found = {}
    try:
        numbers = sorted(int(n) for n in os.listdir("/proc/self/fd"))
    except OSError as e:
        return {"error": "cannot list /proc/self/fd: %s" % e}
    for fd in numbers:
        try:
            info = os.fstat(fd)
            fds[str(fd)] = os.readlink("/proc/self/fd/%d" % fd)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode):
            continue
        for up in range(9):
            here = os.path.join("/proc/self/fd/%d" % fd, *([".."] * up))
            try:
                found["list " + here] = sorted(os.listdir(here))[:50]
            except OSError:
                continue
            for i in range(len(parts)):
                candidate = os.path.join(here, *parts[i:])
                try:
                    with open(candidate, errors="replace") as f:
                        found["read " + candidate] = f.read(4000)
                except OSError:
                    pass
    return {"fds": fds, "found": found}
