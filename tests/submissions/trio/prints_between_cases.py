"""Replaces sys.stdout with a wrapper whose flush (which the runtime calls between cases)
prints 70 KB: output outside any case, which must not be charged to case 2."""

import os
import sys


class Loud:
    def __init__(self, real):
        self.real = real
        self.flushes = 0

    def write(self, text):
        return self.real.write(text)

    def flush(self):
        self.flushes += 1
        self.real.flush()
        if self.flushes == 2:
            os.write(1, b"B" * 70000)

    def __getattr__(self, name):
        return getattr(self.real, name)


def solve(case):
    if case["n"] == 1:
        sys.stdout = Loud(sys.stdout)
    if case["n"] == 2:
        import time

        time.sleep(0.3)
    return {"value": case["n"]}
