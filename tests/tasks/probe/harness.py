"""Harness of the probe test task: hands each case's input to solve() and returns its result."""

import os

PREPARED = []


def prepare():
    PREPARED.append(os.getpid())


def run_case(module, case):
    if case.get("action") == "harness-state":
        return {"prepared_before_import": module.SEEN_PREPARED}
    return module.solve(case)
