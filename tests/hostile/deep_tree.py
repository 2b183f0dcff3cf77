"""A tree no path can name: the attack case nests 100 folders with 200-character names (a path
of about 20 000 bytes, five times PATH_MAX), through descriptors, with a file at the bottom,
and makes a folder of 5000 empty files.

Must happen: verdict `wrong`; the judge's disk accounting and cleanup cope without path names
(openat-style): no judge-error, and the TMPDIR livejudge ran with is empty afterwards (the
test checks)."""

import os

NAME = "d" * 200
DEPTH = 100
WIDE = 5000


def solve(probe):
    if "echo" in probe:
        return {"echo": probe["echo"]}
    fd = os.open(".", os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(DEPTH):
            os.mkdir(NAME, dir_fd=fd)
            deeper = os.open(NAME, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = deeper
        bottom = os.open("bottom.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(bottom, b"the bottom\n")
        os.close(bottom)
    finally:
        os.close(fd)
    os.mkdir("wide")
    for i in range(WIDE):
        os.close(os.open(os.path.join("wide", "f%05d" % i), os.O_WRONLY | os.O_CREAT, 0o644))
    return {"depth": DEPTH, "path_bytes": DEPTH * (len(NAME) + 1), "wide": WIDE}
