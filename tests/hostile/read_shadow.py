"""Reads a root-only file: the attack case opens /etc/shadow and returns its contents.

Must happen: the sandbox runs as an unprivileged uid with no capabilities, so the read fails
(PermissionError, or FileNotFoundError if /etc/shadow is not there), which propagates:
verdict `error`."""


def solve(probe):
    if "echo" in probe:
        return {"echo": probe["echo"]}
    with open("/etc/shadow") as f:  # PermissionError propagates
        return {"shadow": f.read()[:4000]}
