"""Closes the harness channels: the attack case closes every descriptor from 3 to 255 (the
runtime's events channel is fd 4) and returns normally.

Must happen: the runtime can no longer report the case, so the process dies and the judge sees
the channel close mid-case: verdict `crashed` (not a judge-error, not a hang); `after` passes
in a fresh process."""

import os


def solve(probe):
    if "echo" in probe:
        return {"echo": probe["echo"]}
    os.closerange(3, 256)
    return {"closed": "3..255"}
