"""One huge line: the attack case prints 1 MiB blocks of "x" and never a newline, up to 2 GiB
(and for at most 60 s), so a judge that reads output line by line never gets a line.

Must happen: verdict `output-limit`; the judge's own memory stays bounded (it does not buffer
the line) and `after` passes in a fresh process."""

import sys
import time

MAX_BYTES = 2 << 30
MAX_SECONDS = 60
BLOCK = "x" * (1 << 20)


def solve(probe):
    if "echo" in probe:
        return {"echo": probe["echo"]}
    deadline = time.monotonic() + MAX_SECONDS
    written = 0
    while written < MAX_BYTES and time.monotonic() < deadline:
        sys.stdout.write(BLOCK)
        sys.stdout.flush()
        written += len(BLOCK)
    return {"printed": written}
