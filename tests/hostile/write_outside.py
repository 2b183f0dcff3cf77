"""Writes outside the run directory: the attack case tries to create a file named
livejudge-escape-<nonce> in outside_dir (a host folder, mode 0777), in /tmp (private, so that
one may succeed), /var/tmp, /dev/shm, /, /root, /home, /run, /opt, /srv, $HOME and the folder
above its working directory; it returns what happened to each.

Must happen: verdict `wrong` (it returns a report, never {"value": 42}). On the host,
outside_dir stays empty and none of <dir>/livejudge-escape-<nonce> exists (the test checks)."""

import errno
import os


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


def attempt(path):
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
    try:
        os.write(fd, b"escaped\n")
    finally:
        os.close(fd)
    return "written"


def solve(probe):
    if "echo" in probe:
        return {"echo": probe["echo"]}
    if not in_sandbox(probe):
        return {"skipped": "not sandboxed"}
    name = "livejudge-escape-%s" % probe["nonce"]
    folders = [probe["outside_dir"], "/tmp", "/var/tmp", "/dev/shm", "/", "/root", "/home",
               "/run", "/opt", "/srv", os.environ.get("HOME", "/"),
               os.path.dirname(os.getcwd())]
    results = {}
    for folder in folders:
        path = os.path.join(folder, name)
        if path not in results:
            results[path] = attempt(path)
    return {"writes": results}
