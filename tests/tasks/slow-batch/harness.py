"""Harness for tests/tasks/slow-batch: waits, then asks the submission for its answer."""

import time


def run_case(module, case):
    time.sleep(case["sleep"])
    return module.answer()
