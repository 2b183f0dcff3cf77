"""Stdout flood: the attack case prints 4 KiB lines as fast as it can, up to 2 GiB (and for at
most 60 s).

Must happen: the output limit (`output = "64KiB"`, stdout and stderr together) stops it:
verdict `output-limit`, charged to this case only; `after` passes in a fresh process."""

import sys
import time

MAX_BYTES = 2 << 30
MAX_SECONDS = 60
LINE = "flood " * 682 + "\n"


def solve(probe):
    if "echo" in probe:
        return {"echo": probe["echo"]}
    deadline = time.monotonic() + MAX_SECONDS
    written = 0
    while written < MAX_BYTES and time.monotonic() < deadline:
        sys.stdout.write(LINE)
        written += len(LINE)
    return {"printed": written}
