"""Harness of the sandbox-target test task: hands each case's input to solve() unchanged and
returns what it returns. It prints nothing itself."""


def run_case(module, case):
    return module.solve(case)
