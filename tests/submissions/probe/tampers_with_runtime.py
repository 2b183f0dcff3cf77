"""Patches the harness runtime's clock at import, so the times it reports are absurd
(1e300 ms, negative, NaN); the judge must shrug that off."""

import itertools

import __main__

_values = itertools.cycle([0.0, 1e300, -1e300, float("nan"), 5.0])
__main__._perf_counter = lambda: next(_values)


def solve(case):
    if case["action"] == "echo":
        return {"value": case["value"]}
    return {"value": "whatever"}
