"""Writes into the system and the judge: the attack case tries to create a file named
livejudge-escape-<nonce> (a .pth holding only a comment, where Python would load it) in /usr,
/usr/local, /usr/bin, /etc, the judge's folder (/sandbox/judge and wherever the harness
really is), the task's virtual environment (bin and site-packages, which later submissions
share) and the real interpreter's prefix, bin, stdlib and site-packages; and to open the
judge's runtime, harness and the interpreter for writing (without changing them). It returns
what happened to each.

Must happen: every attempt fails (read-only binds): verdict `wrong`. On the host, no file
named after the nonce appears in the livejudge cache (the venvs) or the interpreter's prefix
(the test checks)."""

import errno
import os
import sys
import sysconfig

COMMENT = b"# written by tests/hostile/write_system.py: a sandbox escape; delete this file\n"


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


def create(path):
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
    try:
        os.write(fd, COMMENT)
    finally:
        os.close(fd)
    return "written"


def open_for_writing(path):
    # O_WRONLY without O_TRUNC or a write: a success changes nothing, but shows the hole.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
    os.close(fd)
    return "opened for writing"


def solve(probe):
    if "echo" in probe:
        return {"echo": probe["echo"]}
    if not in_sandbox(probe):
        return {"skipped": "not sandboxed"}
    name = "livejudge-escape-%s" % probe["nonce"]
    harness = sys.modules.get("_livejudge_harness")
    harness_file = getattr(harness, "__file__", None) or "/sandbox/judge/harness.py"
    runtime_file = getattr(sys.modules.get("__main__"), "__file__", None) or harness_file
    real_python = os.path.realpath(sys.executable)
    base = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}
    folders = [
        "/usr", "/usr/local", "/usr/bin", "/etc", "/sandbox/judge",
        os.path.dirname(harness_file),
        os.path.dirname(sys.executable),
        sysconfig.get_paths()["purelib"],
        sysconfig.get_paths()["platlib"],
        sys.base_prefix,
        os.path.dirname(real_python),
        sysconfig.get_paths(vars=base)["stdlib"],
        sysconfig.get_paths(vars=base)["purelib"],
    ]
    results = {}
    for folder in folders:
        path = os.path.join(folder, name + ".pth")
        if path not in results:
            results[path] = create(path)
    for path in (harness_file, runtime_file, sys.executable, real_python):
        results["open " + path] = open_for_writing(path)
    return {"writes": results}
