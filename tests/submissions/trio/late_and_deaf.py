"""Ignores SIGTERM, and case 2 finishes just after its 2s deadline, within the judge's grace."""

import signal
import time

signal.signal(signal.SIGTERM, signal.SIG_IGN)


def solve(case):
    if case["n"] == 2:
        time.sleep(2.06)
    return {"value": case["n"]}
