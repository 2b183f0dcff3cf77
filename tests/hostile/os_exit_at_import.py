"""Exits hard at import: calls os._exit(0) while being imported (no SystemExit for the
runtime to catch, and a zero exit status), as if the run had succeeded.

Must happen: the process is gone before it reported the import: a load problem
(`crashed-at-import`); every case, including `before` and `after`, fails with verdict
`crashed`; livejudge exits with 1, never 0."""

import os

os._exit(0)


def solve(probe):
    return {"echo": probe.get("echo")}
