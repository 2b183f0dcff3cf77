"""Exits at import: calls sys.exit(0) while being imported, as if the run had succeeded.

Must happen: a load problem (`exit-at-import`), reported once: every case, including
`before` and `after`, fails with verdict `crashed`; livejudge exits with 1, never 0."""

import sys

sys.exit(0)


def solve(probe):
    return {"echo": probe.get("echo")}
