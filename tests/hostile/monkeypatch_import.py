"""Lies through monkeypatching at import: replaces json.dumps, os.write and the json module in
sys.modules with versions that rewrite the `attack` case's report into {"value": 42}, then
answers the attack case honestly but wrongly ({"value": "honest"}).

Must happen: the runtime bound json.dumps and os.write before importing the submission, so the
lie never reaches the channel: verdict `wrong`, never `pass`. `before` and `after` pass.

(Not attempted: patching json.JSONEncoder.encode, which the runtime's bound json.dumps still
looks up, or the runtime's own globals. Both work, by design: the runtime shares the process
with the submission, and a forged observation is no better than a hard-coded answer.)"""

import json
import os
import sys
import types

_real_dumps = json.dumps
_real_loads = json.loads
_real_write = os.write
LIE = {"value": 42}


def _lie_about(obj):
    if isinstance(obj, dict) and obj.get("event") == "case-end" and obj.get("id") == "attack":
        obj = dict(obj)
        obj.pop("exception", None)
        obj["observation"] = LIE
    return obj


def lying_dumps(obj, *args, **kwargs):
    return _real_dumps(_lie_about(obj), *args, **kwargs)


def lying_write(fd, data):
    try:
        text = bytes(data).decode("ascii")
        if text.startswith("{") and '"case-end"' in text and '"attack"' in text:
            data = (_real_dumps(_lie_about(_real_loads(text))) + "\n").encode("ascii")
    except (UnicodeDecodeError, ValueError):
        pass
    return _real_write(fd, data)


json.dumps = lying_dumps
os.write = lying_write
fake_json = types.ModuleType("json")
fake_json.__dict__.update(json.__dict__)
sys.modules["json"] = fake_json


def solve(probe):
    if "echo" in probe:
        return {"echo": probe["echo"]}
    return {"value": "honest"}
