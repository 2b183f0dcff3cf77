"""Case 2 raises its own RLIMIT_CPU to the hard limit, then burns 3s of CPU (the budget is 1s)."""

import resource
import time


def solve(case):
    if case["n"] == 2:
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))
        until = time.process_time() + 3.0
        while time.process_time() < until:
            pass
    return {"value": case["n"]}
