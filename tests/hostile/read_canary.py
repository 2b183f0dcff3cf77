"""Reads a host file: the attack case reads canary_file (a host file holding a secret canary
string) directly, through /proc/self/root, /proc/1/root and its parent's /proc/<pid>/root, and
returns what it read.

Must happen: the host's files outside the few read-only binds are not in the sandbox, so every
read fails and the first error (FileNotFoundError) propagates: verdict `error`. The canary
appears nowhere in livejudge's output (the test checks)."""

import os


def solve(probe):
    if "echo" in probe:
        return {"echo": probe["echo"]}
    target = probe["canary_file"]
    paths = [target]
    for pid in ("self", "1", str(os.getppid())):
        paths.append("/proc/%s/root%s" % (pid, target))
    errors = []
    for path in paths:
        try:
            with open(path, errors="replace") as f:
                return {"read": path, "contents": f.read(4000)}
        except OSError as e:
            errors.append(e)
    raise errors[0]
