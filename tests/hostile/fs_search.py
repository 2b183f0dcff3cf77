"""Searches the file system: for about 1.2 s the attack case walks the likeliest places first
(the folders above its working directory, /sandbox, /work, /home, /root, /tmp, /var, /opt,
/srv, /mnt, /media) and then all of / (not /proc, /sys, /dev), looking for files named
task.toml, secret*, canary*, expect* or fixtures, and for files containing the canary's
prefix; it returns what it found, with the start of each matching file.

Must happen: the sandbox holds no task spec, fixtures or host files: verdict `wrong` (it
returns a list), and the canary appears nowhere in livejudge's output (the test checks)."""

import os
import stat
import time

SECONDS = 1.2
MAX_DIRS = 20000
MAX_READ = 64 << 10
# Built, so this file does not contain the prefix it looks for.
CANARY_PREFIX = b"livejudge-" + b"canary-"
SKIP = ("/proc", "/sys", "/dev")
INTERESTING = ("task.toml", "secret", "canary", "expect", "fixtures")


def interesting(name):
    lowered = name.lower()
    return any(lowered.startswith(prefix) for prefix in INTERESTING)


def solve(probe):
    if "echo" in probe:
        return {"echo": probe["echo"]}
    deadline = time.monotonic() + SECONDS
    roots = []
    here = os.getcwd()
    while True:
        here = os.path.dirname(here)
        roots.append(here)
        if here == "/":
            break
    roots = [r for r in roots if r != "/"]
    roots += ["/sandbox", "/work", "/home", "/root", "/tmp", "/var", "/opt", "/srv", "/mnt",
              "/media", "/"]
    seen_dirs = set()
    matches = []
    contents = {}
    walked = 0
    for root in roots:
        for folder, dirs, files in os.walk(root):
            if time.monotonic() > deadline or walked >= MAX_DIRS:
                break
            dirs[:] = [d for d in dirs if os.path.join(folder, d) not in SKIP]
            if folder in seen_dirs:
                dirs[:] = []
                continue
            seen_dirs.add(folder)
            walked += 1
            for name in dirs + files:
                if interesting(name) and len(matches) < 200:
                    matches.append(os.path.join(folder, name))
            for name in files:
                if time.monotonic() > deadline:
                    break
                path = os.path.join(folder, name)
                if path.startswith(os.getcwd()):
                    continue
                try:
                    info = os.stat(path)
                    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_READ:
                        continue  # never open a FIFO (it would block) or a huge file
                    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
                    try:
                        data = os.read(fd, MAX_READ)
                    finally:
                        os.close(fd)
                except OSError:
                    continue
                at = data.find(CANARY_PREFIX)
                if (at >= 0 or interesting(name)) and len(contents) < 20:
                    start = max(0, at - 100)
                    contents[path] = data[start:start + 2000].decode("utf-8", "replace")
    return {"walked": walked, "matches": matches, "contents": contents}
