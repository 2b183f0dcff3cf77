"""Harness for tests/tasks/sites-probe: hands each case's action to the submission."""


def run_case(module, case):
    return module.probe(case)
