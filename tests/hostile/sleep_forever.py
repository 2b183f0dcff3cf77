"""Sleep "forever": the attack case sleeps (at most 60 s), using no CPU.

Must happen: the case's wall time (`case_wall_time = "3s"`) stops it: verdict `timeout`; the
process is replaced and `after` passes."""

import time

MAX_SECONDS = 60


def solve(probe):
    if "echo" in probe:
        return {"echo": probe["echo"]}
    deadline = time.monotonic() + MAX_SECONDS
    while time.monotonic() < deadline:
        time.sleep(1)
    return {"slept": MAX_SECONDS}
