"""CPU spin: the attack case busy-loops (for at most 60 s of wall time).

Must happen: the CPU limit (`cpu_time = "2s"`, shorter than the 3 s wall time) stops it:
verdict `timeout`; the process is replaced and `after` passes."""

import time

MAX_SECONDS = 60


def solve(probe):
    if "echo" in probe:
        return {"echo": probe["echo"]}
    deadline = time.monotonic() + MAX_SECONDS
    spins = 0
    while time.monotonic() < deadline:
        spins += 1
    return {"spins": spins}
