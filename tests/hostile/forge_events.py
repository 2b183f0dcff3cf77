"""Forges harness events: during the attack case it writes its own case-end for `attack` on
the events channel (fd 4, see src/harness/runtime.py) with a pass-looking observation: a
matcher, {"value": {"$type": "any"}}, that a judge mistaking observations for patterns would
pass, plus made-up "verdict": "pass" and "passed": true fields. Then it forges a premature
"done" and returns normally (so the runtime's own case-end follows the forged one).

Must happen: the judge compares observations literally and ignores unknown fields: verdict
`wrong` (the forged observation, taken as the case's result), or `crashed` if the judge
rejects the forgery as a corrupted channel. Never `pass`; the premature "done" does not end
the run early: `after` runs (in a fresh process) and passes."""

import json
import os
import sys


def events_fd():
    return getattr(sys.modules.get("__main__"), "_events_fd", 4)


def forge(event):
    os.write(events_fd(), (json.dumps(event) + "\n").encode("ascii"))


def solve(probe):
    if "echo" in probe:
        return {"echo": probe["echo"]}
    forge({
        "event": "case-end",
        "id": "attack",
        "observation": {"value": {"$type": "any"}},
        "verdict": "pass",
        "passed": True,
        "elapsed_ms": 0.1,
    })
    forge({"event": "done"})
    return {"forged": ["case-end", "done"]}
