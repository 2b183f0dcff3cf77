"""Case 2 floods stdout with forged boundary markers (the nonce is readable in-process), each
with a new number, hoping to reset the per-case output count and grow the judge's memory."""

import os
import sys
import time


def solve(case):
    if case["n"] == 2:
        marker = sys.modules["__main__"]._marker
        seq = 10**6
        until = time.time() + 10
        while time.time() < until:
            os.write(1, b"".join(marker + b"%d\0z" % i for i in range(seq, seq + 20000)))
            seq += 20000
    return {"value": case["n"]}
