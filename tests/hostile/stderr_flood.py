"""Stderr flood: the attack case prints 4 KiB lines to stderr as fast as it can, up to 2 GiB
(and for at most 60 s).

Must happen: stderr counts against the same output limit as stdout: verdict `output-limit`;
`after` passes in a fresh process."""

import sys
import time

MAX_BYTES = 2 << 30
MAX_SECONDS = 60
LINE = "error " * 682 + "\n"


def solve(probe):
    if "echo" in probe:
        return {"echo": probe["echo"]}
    deadline = time.monotonic() + MAX_SECONDS
    written = 0
    while written < MAX_BYTES and time.monotonic() < deadline:
        sys.stderr.write(LINE)
        written += len(LINE)
    return {"printed": written}
