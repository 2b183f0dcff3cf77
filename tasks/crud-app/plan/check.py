#!/usr/bin/env python3
"""Independent checker for the crud-app task (livejudge, tasks/crud-app): a notes REST API.

    python3 check.py SOLUTION.py [SOLUTION.py ...] [--repeat N] [--jobs N] [--only a,b]
                     [--verbose]
    python3 check.py --list        (the case ids and their rules)

For every solution file it copies the file to a fresh folder as solution.py, starts it as
`python solution.py` (the task venv's interpreter) with PORT=<a free port> and
DATA_DIR=<a fresh empty folder>, waits until it answers HTTP on 127.0.0.1:PORT (any status;
polled every 10 ms, 20 s at most), and plays the cases below against it in order, the way the
judge does: one server for all cases, so every case creates the notes it needs and finds
them again by the ids it captured. A case marked `fresh` gets a new server with an empty
DATA_DIR first; a `RESTART` step stops the server (SIGTERM, up to 5 s, then SIGKILL) and
starts it again with the same DATA_DIR (on a new port: the contract allows that); a
`DATA_FILES` step checks that DATA_DIR holds at least one file. A server that died during a
case is started again (same DATA_DIR) before the next one. Every request goes on a connection
of its own, with `Connection: close`, only ever to 127.0.0.1.

Only the standard library is used (http.client, subprocess). Steps that only set a case up
(creating the note it is about, deleting one) accept any 2xx, so that a solution with one
mistake (say, 200 instead of 201) fails the case about that rule and not every case that
creates a note.

Exit status: non-zero when an accepted solution (a path containing /accepted/) fails a case,
or a rejected one (any other path) passes them all. The end of the output is a table:
rejected solution -> the cases it failed.
"""

import argparse
import base64
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

PYTHON = "/root/.cache/livejudge/venvs/py311-0b0df15735003697/bin/python"
HOST = "127.0.0.1"
START_TIMEOUT = 20.0
POLL = 0.01
STOP_GRACE = 5.0
REQUEST_TIMEOUT = 5.0

USERS = {"alice": "wonderland", "bob": "builder"}
A, B = "alice", "bob"


class Fail(Exception):
    pass


# --- patterns -------------------------------------------------------------------------------
# A pattern is matched against a JSON value the way the judge's expect.body is: a plain dict
# must have exactly its keys, a list exactly its items in order, a scalar is compared exactly
# (1 is not true, 1 is not 1.0); the classes below are the matchers.

class Partial:
    """An object with at least these keys (others ignored): the judge's $partial."""
    def __init__(self, fields):
        self.fields = fields


class Type:
    """Any value of a JSON type: the judge's $type."""
    def __init__(self, name):
        self.name = name


class Var:
    """The value captured under this name earlier in the case ({{name}} in the judge)."""
    def __init__(self, name):
        self.name = name


class Range:
    """A number from low to high, both included: the judge's $range."""
    def __init__(self, low, high):
        self.low, self.high = low, high


class Above:
    """An int greater than the value captured under this name (a later id)."""
    def __init__(self, name):
        self.name = name


ANY = Type("any")


def type_ok(name, value):
    if name == "any":
        return True
    if name == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "string":
        return isinstance(value, str)
    if name == "array":
        return isinstance(value, list)
    if name == "object":
        return isinstance(value, dict)
    raise ValueError(name)


def short(value, limit=80):
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def match(pattern, value, vars, path="$"):
    """The first mismatch as text, or None."""
    if isinstance(pattern, Partial):
        if not isinstance(value, dict):
            return f"{path}: expected an object, got {short(value)}"
        for key, sub in pattern.fields.items():
            if key not in value:
                return f"{path}.{key}: missing"
            found = match(sub, value[key], vars, f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(pattern, dict):
        if not isinstance(value, dict):
            return f"{path}: expected an object, got {short(value)}"
        missing = sorted(set(pattern) - set(value))
        extra = sorted(set(value) - set(pattern))
        if missing or extra:
            return f"{path}: keys {sorted(value)}, expected {sorted(pattern)}"
        for key, sub in pattern.items():
            found = match(sub, value[key], vars, f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(pattern, list):
        if not isinstance(value, list):
            return f"{path}: expected an array, got {short(value)}"
        if len(value) != len(pattern):
            return f"{path}: expected {len(pattern)} items, got {len(value)}: {short(value)}"
        for i, (sub, item) in enumerate(zip(pattern, value)):
            found = match(sub, item, vars, f"{path}[{i}]")
            if found:
                return found
        return None
    if isinstance(pattern, Type):
        return None if type_ok(pattern.name, value) else \
            f"{path}: expected any {pattern.name}, got {short(value)}"
    if isinstance(pattern, Var):
        return match(vars[pattern.name], value, vars, path)
    if isinstance(pattern, Range):
        if type_ok("int", value) and pattern.low <= value <= pattern.high:
            return None
        return f"{path}: expected a number from {pattern.low} to {pattern.high}, got {short(value)}"
    if isinstance(pattern, Above):
        if type_ok("int", value) and value > vars[pattern.name]:
            return None
        return (f"{path}: expected an int above {pattern.name}={vars[pattern.name]}, "
                f"got {short(value)}")
    if type(pattern) is not type(value) or pattern != value:  # noqa: E721 (1 is not true)
        return f"{path}: expected {short(pattern)}, got {short(value)}"
    return None


# --- steps and cases ------------------------------------------------------------------------

RESTART = "restart"        # a step: stop the server, start it again with the same DATA_DIR
DATA_FILES = "data-files"  # a step: DATA_DIR holds at least one file


def req(user, method, path, json_body=None, *, raw=None, auth=None, status=None, headers=None,
        body=None, empty=False, capture=None, location=False):
    """One request step.

    user: "alice", "bob" or None (no Authorization header); auth: (user, password) for other
    credentials, or a str sent as the whole Authorization header. json_body is sent as JSON
    (Content-Type: application/json), raw as the body as it is (also application/json).
    status: an int, a list of ints or "2xx"; headers: name -> regex; body: a pattern;
    empty: the body must be empty; capture: name -> key of the JSON body; location: the
    Location header must be /notes/<the body's id> (or an absolute URL ending so).
    """
    return dict(user=user, method=method, path=path, json=json_body, raw=raw, auth=auth,
                status=status, headers=headers or {}, body=body, empty=empty,
                capture=capture or {}, location=location)


def note(**fields):
    """A note with at least these fields (id, title, body, tags, owner are always there)."""
    pattern = {key: ANY for key in ("id", "title", "body", "tags", "owner")}
    pattern["id"] = Type("int")
    pattern.update(fields)
    return Partial(pattern)


def errors(*fields):
    """A validation failure naming exactly these fields (any message)."""
    return Partial({"errors": {field: ANY for field in fields}})


ERROR = Partial({"error": Type("string")})  # 400 for a body that is not a JSON object


def create(user, payload, name, **expect):
    """A set-up step: create a note (any 2xx) and capture its id."""
    return req(user, "POST", "/notes", payload, status="2xx", capture={name: "id"}, **expect)


def delete(user, name):
    """A set-up step: delete a note (any 2xx)."""
    return req(user, "DELETE", n(name), status="2xx")


CASES = []


def case(case_id, rule, steps, fresh=False):
    CASES.append(dict(id=case_id, rule=rule, steps=steps, fresh=fresh))


def n(name):
    """The path of the note captured under name."""
    return "/notes/{{" + name + "}}"


MISSING = 888888888  # an id no case creates (the cases create a few hundred notes at most)

# --- authentication --
case("auth-challenge", "401 carries WWW-Authenticate: Basic ...", [
    req(None, "GET", "/notes", status=401, headers={"WWW-Authenticate": r"(?i)^\s*basic\b"}),
])
case("auth-required", "every /notes request without credentials is 401 (every verb)", [
    create(A, {"title": "guarded"}, "a"),
    req(None, "GET", "/notes", status=401),
    req(None, "POST", "/notes", {"title": "anonymous"}, status=401),
    req(None, "GET", n("a"), status=401),
    req(None, "PUT", n("a"), {"title": "anonymous"}, status=401),
    req(None, "PATCH", n("a"), {"title": "anonymous"}, status=401),
    req(None, "DELETE", n("a"), status=401),
    req(A, "GET", n("a"), status=200, body=note(id=Var("a"), title="guarded")),
])
case("auth-wrong-password", "a wrong password or an unknown user is 401", [
    create(A, {"title": "mine"}, "a"),
    req(None, "GET", "/notes", auth=("alice", "builder"), status=401),
    req(None, "GET", "/notes", auth=("alice", "Wonderland"), status=401),
    req(None, "GET", "/notes", auth=("alice", ""), status=401),
    req(None, "GET", "/notes", auth=("bob", "wonderland"), status=401),
    req(None, "GET", "/notes", auth=("carol", "wonderland"), status=401),
    req(None, "GET", n("a"), auth=("alice", "wrong"), status=401),
    req(A, "GET", n("a"), status=200),
])
case("auth-malformed", "a malformed Authorization header is 401 (not a crash)", [
    req(None, "GET", "/notes", auth="Basic !!!not-base64!!!", status=401),
    req(None, "GET", "/notes", auth="Basic " + base64.b64encode(b"alicewonderland").decode(),
        status=401),
    req(None, "GET", "/notes", auth="Bearer wonderland", status=401),
    req(None, "GET", "/notes", auth="Basic", status=401),
])

# --- create and read --
case("create", "POST /notes is 201 with the created note, owned by the caller", [
    req(A, "POST", "/notes", {"title": "First note", "body": "hello", "tags": ["a", "b"]},
        status=201, body=note(title="First note", body="hello", tags=["a", "b"], owner="alice")),
])
case("create-location", "201 has Location: /notes/<id> (absolute URL fine)", [
    req(A, "POST", "/notes", {"title": "located"}, status="2xx", location=True),
])
case("create-defaults", "body defaults to \"\", tags to []", [
    create(A, {"title": "bare"}, "a", body=note(title="bare", body="", tags=[])),
    req(A, "GET", n("a"), status=200, body=note(id=Var("a"), title="bare", body="", tags=[])),
])
case("get-note", "GET /notes/<id> is 200 with the note", [
    create(A, {"title": "readable", "body": "text", "tags": ["r"]}, "a"),
    req(A, "GET", n("a"), status=200,
        body=note(id=Var("a"), title="readable", body="text", tags=["r"], owner="alice")),
])
case("owner-is-caller", "owner is the user who created the note", [
    create(B, {"title": "bob's"}, "b", body=note(owner="bob")),
    req(B, "GET", n("b"), status=200, body=note(id=Var("b"), title="bob's", owner="bob")),
])
case("create-ignores-extras", "client id, owner and unknown fields are ignored", [
    create(A, {"title": "extras", "id": MISSING - 1, "owner": "bob", "created_at": "x",
               "color": "red"}, "a", body=note(id=Range(1, MISSING - 2), owner="alice")),
    req(A, "GET", n("a"), status=200, body=note(id=Var("a"), title="extras", owner="alice")),
])

# --- list --
case("list-empty", "GET /notes on an empty store is 200 []", [
    req(A, "GET", "/notes", status=200, body=[]),
], fresh=True)
case("list-own", "GET /notes lists only the caller's notes, in ascending id", [
    create(A, {"title": "a1"}, "a1"),
    create(B, {"title": "b1"}, "b1"),
    create(A, {"title": "a2"}, "a2"),
    create(B, {"title": "b2"}, "b2"),
    req(A, "GET", "/notes", status=200, body=[note(id=Var("a1"), title="a1", owner="alice"),
                                              note(id=Var("a2"), title="a2", owner="alice")]),
    req(B, "GET", "/notes", status=200, body=[note(id=Var("b1"), title="b1", owner="bob"),
                                              note(id=Var("b2"), title="b2", owner="bob")]),
], fresh=True)
case("list-tag", "?tag=x keeps the caller's notes having tag x exactly (case, whole tag)", [
    create(A, {"title": "t1", "tags": ["t-red", "t-blue"]}, "t1"),
    create(A, {"title": "t2", "tags": ["T-RED"]}, "t2"),
    create(A, {"title": "t3", "tags": ["t-redder", "t-re"]}, "t3"),
    create(A, {"title": "t4", "tags": ["t-blue", "t-red"]}, "t4"),
    create(A, {"title": "t5"}, "t5"),
    req(A, "GET", "/notes?tag=t-red", status=200,
        body=[note(id=Var("t1"), title="t1"), note(id=Var("t4"), title="t4")]),
    req(A, "GET", "/notes?tag=t-none", status=200, body=[]),
])

# --- update --
case("put-replace", "PUT replaces: omitted body and tags reset to the defaults", [
    create(A, {"title": "before", "body": "old body", "tags": ["old"]}, "a"),
    req(A, "PUT", n("a"), {"title": "after", "body": "new body", "tags": ["new"]}, status=200,
        body=note(id=Var("a"), title="after", body="new body", tags=["new"], owner="alice")),
    req(A, "PUT", n("a"), {"title": "only title"}, status=200,
        body=note(id=Var("a"), title="only title", body="", tags=[], owner="alice")),
    req(A, "GET", n("a"), status=200, body=note(id=Var("a"), title="only title", body="", tags=[])),
])
case("put-validation", "PUT is validated like POST: title required", [
    create(A, {"title": "keep", "body": "kept"}, "a"),
    req(A, "PUT", n("a"), {}, status=400, body=errors("title")),
    req(A, "PUT", n("a"), {"body": "no title"}, status=400, body=errors("title")),
    req(A, "PUT", n("a"), {"title": "ok", "tags": "x"}, status=400, body=errors("tags")),
    req(A, "GET", n("a"), status=200, body=note(title="keep", body="kept", tags=[])),
])
case("patch-partial", "PATCH changes only the given fields", [
    create(A, {"title": "t", "body": "b", "tags": ["x"]}, "a"),
    req(A, "PATCH", n("a"), {"body": "c"}, status=200,
        body=note(id=Var("a"), title="t", body="c", tags=["x"], owner="alice")),
    req(A, "PATCH", n("a"), {"tags": ["y", "z"]}, status=200,
        body=note(id=Var("a"), title="t", body="c", tags=["y", "z"])),
    req(A, "PATCH", n("a"), {"title": "u"}, status=200,
        body=note(id=Var("a"), title="u", body="c", tags=["y", "z"])),
    req(A, "GET", n("a"), status=200, body=note(id=Var("a"), title="u", body="c", tags=["y", "z"])),
])
case("patch-empty", "PATCH {} is 200 and changes nothing", [
    create(A, {"title": "still", "body": "same", "tags": ["s"]}, "a"),
    req(A, "PATCH", n("a"), {}, status=200,
        body=note(id=Var("a"), title="still", body="same", tags=["s"], owner="alice")),
    req(A, "GET", n("a"), status=200, body=note(title="still", body="same", tags=["s"])),
])
case("patch-validation", "PATCH validates the given fields (null is invalid too); an invalid "
     "PATCH changes nothing", [
    create(A, {"title": "orig", "body": "orig body", "tags": ["o"]}, "a"),
    req(A, "PATCH", n("a"), {"title": ""}, status=400, body=errors("title")),
    req(A, "PATCH", n("a"), {"body": 5}, status=400, body=errors("body")),
    req(A, "PATCH", n("a"), {"tags": "o"}, status=400, body=errors("tags")),
    req(A, "PATCH", n("a"), {"title": "changed", "tags": [1]}, status=400, body=errors("tags")),
    req(A, "PATCH", n("a"), {"title": None}, status=400, body=errors("title")),
    req(A, "PATCH", n("a"), {"body": None}, status=400, body=errors("body")),
    req(A, "PATCH", n("a"), {"tags": None}, status=400, body=errors("tags")),
    req(A, "GET", n("a"), status=200, body=note(title="orig", body="orig body", tags=["o"])),
])

# --- delete --
case("delete", "DELETE is 204 with an empty body", [
    create(A, {"title": "doomed"}, "a"),
    req(A, "DELETE", n("a"), status=204, empty=True),
])
case("deleted-note", "a deleted note is 404 for GET, PUT, PATCH and DELETE", [
    create(A, {"title": "gone"}, "a"),
    delete(A, "a"),
    req(A, "GET", n("a"), status=404),
    req(A, "PUT", n("a"), {"title": "back"}, status=404),
    req(A, "PATCH", n("a"), {"title": "back"}, status=404),
    req(A, "DELETE", n("a"), status=404),
])
case("missing-note", "a note that never existed is 404", [
    req(A, "GET", f"/notes/{MISSING}", status=404),
    req(A, "PUT", f"/notes/{MISSING}", {"title": "x"}, status=404),
    req(A, "PATCH", f"/notes/{MISSING}", {"title": "x"}, status=404),
    req(A, "DELETE", f"/notes/{MISSING}", status=404),
])

# --- ownership --
case("foreign-get", "GET of another user's note is 403", [
    create(A, {"title": "private"}, "a"),
    req(B, "GET", n("a"), status=403),
])
case("foreign-put", "PUT of another user's note is 403 and changes nothing", [
    create(A, {"title": "private", "body": "mine"}, "a"),
    req(B, "PUT", n("a"), {"title": "taken"}, status=403),
    req(A, "GET", n("a"), status=200, body=note(title="private", body="mine", owner="alice")),
])
case("foreign-patch", "PATCH of another user's note is 403 and changes nothing", [
    create(A, {"title": "private", "body": "mine"}, "a"),
    req(B, "PATCH", n("a"), {"title": "taken"}, status=403),
    req(A, "GET", n("a"), status=200, body=note(title="private", body="mine", owner="alice")),
])
case("foreign-delete", "DELETE of another user's note is 403 and deletes nothing", [
    create(A, {"title": "private"}, "a"),
    req(B, "DELETE", n("a"), status=403),
    req(A, "GET", n("a"), status=200, body=note(title="private")),
])

# --- validation --
case("title-required", "title is required", [
    req(A, "POST", "/notes", {}, status=400, body=errors("title")),
    req(A, "POST", "/notes", {"body": "no title", "tags": ["x"]}, status=400, body=errors("title")),
])
case("title-type", "title must be a string", [
    req(A, "POST", "/notes", {"title": 5}, status=400, body=errors("title")),
    req(A, "POST", "/notes", {"title": ["x"]}, status=400, body=errors("title")),
    req(A, "POST", "/notes", {"title": True}, status=400, body=errors("title")),
])
case("title-blank", "an empty or whitespace-only title is invalid", [
    req(A, "POST", "/notes", {"title": ""}, status=400, body=errors("title")),
    req(A, "POST", "/notes", {"title": "   "}, status=400, body=errors("title")),
    req(A, "POST", "/notes", {"title": " \t\n "}, status=400, body=errors("title")),
])
case("title-trimmed", "the title is stored stripped", [
    create(A, {"title": "  padded title \t"}, "a", body=note(title="padded title")),
    req(A, "GET", n("a"), status=200, body=note(title="padded title")),
])
case("title-length", "title: 1..100 characters", [
    create(A, {"title": "x"}, "a", body=note(title="x")),
    create(A, {"title": "t" * 100}, "b", body=note(title="t" * 100)),
    req(A, "POST", "/notes", {"title": "t" * 101}, status=400, body=errors("title")),
])
case("title-length-stripped", "the title's length counts after stripping", [
    create(A, {"title": "   " + "s" * 100 + "  "}, "a", body=note(title="s" * 100)),
])
case("body-length", "body: at most 10000 characters", [
    create(A, {"title": "long", "body": "b" * 10000}, "a", body=note(body="b" * 10000)),
    req(A, "POST", "/notes", {"title": "too long", "body": "b" * 10001}, status=400,
        body=errors("body")),
])
case("body-type", "body must be a string", [
    req(A, "POST", "/notes", {"title": "t", "body": 5}, status=400, body=errors("body")),
    req(A, "POST", "/notes", {"title": "t", "body": ["x"]}, status=400, body=errors("body")),
    req(A, "POST", "/notes", {"title": "t", "body": {"x": 1}}, status=400, body=errors("body")),
])
case("body-verbatim", "body is stored as given (not stripped)", [
    create(A, {"title": "verbatim", "body": "  two\nlines  "}, "a",
           body=note(body="  two\nlines  ")),
    req(A, "GET", n("a"), status=200, body=note(body="  two\nlines  ")),
])
case("tags-type", "tags must be a list of strings", [
    req(A, "POST", "/notes", {"title": "t", "tags": "x"}, status=400, body=errors("tags")),
    req(A, "POST", "/notes", {"title": "t", "tags": {"x": 1}}, status=400, body=errors("tags")),
    req(A, "POST", "/notes", {"title": "t", "tags": [1]}, status=400, body=errors("tags")),
    req(A, "POST", "/notes", {"title": "t", "tags": ["ok", ["x"]]}, status=400,
        body=errors("tags")),
])
case("tags-count", "at most 5 tags", [
    create(A, {"title": "five", "tags": ["1", "2", "3", "4", "5"]}, "a",
           body=note(tags=["1", "2", "3", "4", "5"])),
    req(A, "POST", "/notes", {"title": "six", "tags": ["1", "2", "3", "4", "5", "6"]},
        status=400, body=errors("tags")),
])
case("tags-length", "each tag 1..20 characters", [
    create(A, {"title": "long tag", "tags": ["g" * 20]}, "a", body=note(tags=["g" * 20])),
    create(A, {"title": "long tag", "tags": ["é" * 20]}, "b", body=note(tags=["é" * 20])),
    req(A, "POST", "/notes", {"title": "t", "tags": ["g" * 21]}, status=400, body=errors("tags")),
    req(A, "POST", "/notes", {"title": "t", "tags": [""]}, status=400, body=errors("tags")),
])
case("tags-blank", "a whitespace-only tag is invalid", [
    req(A, "POST", "/notes", {"title": "t", "tags": ["   "]}, status=400, body=errors("tags")),
    req(A, "POST", "/notes", {"title": "t", "tags": ["ok", "\t"]}, status=400,
        body=errors("tags")),
])
case("tags-verbatim", "tags are stored as given (no trimming)", [
    create(A, {"title": "spaced tags", "tags": [" lead", "trail "]}, "a",
           body=note(tags=[" lead", "trail "])),
    req(A, "GET", n("a"), status=200, body=note(tags=[" lead", "trail "])),
])
case("tags-duplicate", "tags must be distinct (exact, case-sensitive)", [
    req(A, "POST", "/notes", {"title": "t", "tags": ["dup", "dup"]}, status=400,
        body=errors("tags")),
    create(A, {"title": "cased", "tags": ["dup", "Dup"]}, "a", body=note(tags=["dup", "Dup"])),
])
case("null-fields", "null is invalid for every field (it is not a missing field)", [
    req(A, "POST", "/notes", {"title": None}, status=400, body=errors("title")),
    req(A, "POST", "/notes", {"title": "t", "body": None}, status=400, body=errors("body")),
    req(A, "POST", "/notes", {"title": "t", "tags": None}, status=400, body=errors("tags")),
])
case("errors-all-fields", "a validation failure names every invalid field", [
    create(A, {"title": "target"}, "a"),
    req(A, "POST", "/notes", {"title": "", "body": 7, "tags": "x"}, status=400,
        body=errors("title", "body", "tags")),
    req(A, "POST", "/notes", {"body": 7, "tags": [1]}, status=400,
        body=errors("title", "body", "tags")),
    req(A, "PUT", n("a"), {"title": 1, "tags": "x"}, status=400, body=errors("title", "tags")),
])
case("body-not-json", "invalid JSON is 400 {\"error\": ...}", [
    create(A, {"title": "target"}, "a"),
    req(A, "POST", "/notes", raw='{"title": ', status=400, body=ERROR),
    req(A, "POST", "/notes", raw="title=x", status=400, body=ERROR),
    req(A, "PUT", n("a"), raw='{"title": "x",}', status=400, body=ERROR),
    req(A, "PATCH", n("a"), raw="{", status=400, body=ERROR),
])
case("body-not-object", "JSON that is not an object is 400 {\"error\": ...}", [
    create(A, {"title": "target"}, "a"),
    req(A, "POST", "/notes", raw='[{"title": "x"}]', status=400, body=ERROR),
    req(A, "POST", "/notes", raw='"x"', status=400, body=ERROR),
    req(A, "POST", "/notes", raw="null", status=400, body=ERROR),
    req(A, "PUT", n("a"), raw="42", status=400, body=ERROR),
    req(A, "PATCH", n("a"), raw="[]", status=400, body=ERROR),
])

# --- routing and error bodies --
case("method-not-allowed", "a wrong method is 405 with a JSON body", [
    create(A, {"title": "target"}, "a"),
    req(A, "DELETE", "/notes", status=405, body=ANY),
    req(A, "PUT", "/notes", {"title": "x"}, status=405, body=ANY),
    req(A, "PATCH", "/notes", {"title": "x"}, status=405, body=ANY),
    req(A, "POST", n("a"), {"title": "x"}, status=405, body=ANY),
])
case("unknown-path", "an unknown path is 404 with a JSON body", [
    req(A, "GET", "/nope", status=404, body=ANY),
])
case("error-bodies-json", "the 403 and 404 of a note have JSON bodies", [
    # the statuses are the business of foreign-get and missing-note: only the body is checked
    create(A, {"title": "target"}, "a"),
    req(B, "GET", n("a"), body=ANY),
    req(A, "GET", f"/notes/{MISSING}", body=ANY),
])

# --- ids --
case("ids-increasing", "ids come from one increasing sequence shared by all users", [
    create(A, {"title": "i1"}, "i1", body=note(id=Type("int"))),
    create(B, {"title": "i2"}, "i2", body=note(id=Above("i1"))),
    create(A, {"title": "i3"}, "i3", body=note(id=Above("i2"))),
    req(A, "GET", n("i1"), status=200, body=note(title="i1")),
    req(B, "GET", n("i2"), status=200, body=note(title="i2")),
    req(A, "GET", n("i3"), status=200, body=note(title="i3")),
])
case("ids-not-reused", "the id of the newest note is not reused after it is deleted", [
    create(A, {"title": "older"}, "a"),
    create(A, {"title": "newest"}, "b"),
    delete(A, "b"),
    create(A, {"title": "next"}, "c", body=note(id=Above("b"))),
    req(A, "GET", n("b"), status=404),
])

# --- persistence (restart: SIGTERM, then the same DATA_DIR) --
case("data-dir-file", "the data is kept in a file under DATA_DIR", [
    create(A, {"title": "on disk"}, "a"),
    DATA_FILES,
])
case("persist-restart", "notes survive a restart with the same ids and owners", [
    create(A, {"title": "survivor", "body": "still here", "tags": ["p-keep"]}, "a"),
    create(B, {"title": "bob survivor"}, "b"),
    RESTART,
    req(A, "GET", n("a"), status=200, body=note(id=Var("a"), title="survivor", body="still here",
                                                tags=["p-keep"], owner="alice")),
    req(B, "GET", n("b"), status=200, body=note(id=Var("b"), title="bob survivor", owner="bob")),
])
case("persist-changes", "updates and deletions survive a restart", [
    create(A, {"title": "to change", "body": "v1"}, "a"),
    create(A, {"title": "to delete"}, "b"),
    create(A, {"title": "to replace", "tags": ["r"]}, "c"),
    # full bodies, so that the PUT and PATCH semantics do not matter here
    req(A, "PATCH", n("a"), {"title": "to change", "body": "v2", "tags": []}, status="2xx"),
    delete(A, "b"),
    req(A, "PUT", n("c"), {"title": "replaced", "body": "", "tags": []}, status="2xx"),
    RESTART,
    req(A, "GET", n("a"), status=200, body=note(title="to change", body="v2")),
    req(A, "GET", n("b"), status=404),
    req(A, "GET", n("c"), status=200, body=note(title="replaced", tags=[])),
])
case("ids-after-restart", "after a restart new ids continue the sequence (no reuse)", [
    create(A, {"title": "kept"}, "a"),
    create(A, {"title": "newest, deleted"}, "b"),
    delete(A, "b"),
    RESTART,
    create(A, {"title": "after restart"}, "c", body=note(id=Above("b"))),
    req(A, "GET", n("b"), status=404),
    req(A, "GET", n("a"), status=200, body=note(title="kept")),
])

# --- the server -----------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """The solution as a process this checker started; only ever killed by its pid."""

    def __init__(self, source, workdir, verbose=False):
        self.source = source
        self.workdir = workdir
        self.verbose = verbose
        self.proc = None
        self.port = None
        self.data_dir = None
        self.notes = []  # things worth saying that are not case failures (slow SIGTERM)

    def new_data_dir(self):
        self.data_dir = tempfile.mkdtemp(prefix="data-", dir=self.workdir)

    def start(self):
        self.port = free_port()
        env = dict(os.environ, PORT=str(self.port), DATA_DIR=self.data_dir,
                   PYTHONUNBUFFERED="1", PYTHONDONTWRITEBYTECODE="1")
        self.log = open(os.path.join(self.workdir, "server.log"), "ab")
        self.proc = subprocess.Popen([PYTHON, "solution.py"], cwd=os.path.join(self.workdir, "app"),
                                     env=env, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Fail(f"the server exited (status {self.proc.returncode}) before it was "
                           f"ready: {self.tail()}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=1.0)
                conn.request("GET", "/notes", headers={"Connection": "close"})
                conn.getresponse().read()
                conn.close()
                return
            except (OSError, http.client.HTTPException):
                time.sleep(POLL)
        raise Fail(f"the server did not answer HTTP within {START_TIMEOUT:.0f} s: {self.tail()}")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """SIGTERM, up to STOP_GRACE, then SIGKILL (the process, then its own group)."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            began = time.monotonic()
            try:
                self.proc.wait(STOP_GRACE)
            except subprocess.TimeoutExpired:
                self.notes.append(f"did not exit within {STOP_GRACE:.0f} s of SIGTERM")
                self.proc.kill()
                self.proc.wait()
            else:
                took = time.monotonic() - began
                if took > 1.0:
                    self.notes.append(f"took {took:.1f} s to exit after SIGTERM")
        try:  # anything it started in its own session (none of these solutions do)
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc = None
        self.log.close()

    def tail(self, limit=600):
        with open(os.path.join(self.workdir, "server.log"), "rb") as f:
            text = f.read().decode(errors="replace")
        text = text.strip().replace("\n", " | ")
        return text[-limit:] if text else "(no output)"


# --- running a case -------------------------------------------------------------------------

def substitute(value, vars):
    """{{name}} in strings (a string that is exactly {{name}} becomes the value itself)."""
    if isinstance(value, str):
        whole = re.fullmatch(r"\{\{(\w+)\}\}", value)
        if whole:
            return vars[whole.group(1)]
        return re.sub(r"\{\{(\w+)\}\}", lambda m: str(vars[m.group(1)]), value)
    if isinstance(value, list):
        return [substitute(v, vars) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, vars) for k, v in value.items()}
    return value


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def send(port, step, vars):
    """(status, headers as a dict with lower-case names, body bytes)."""
    path = substitute(step["path"], vars)
    headers = {"Host": f"{HOST}:{port}", "Connection": "close"}
    if step["user"] is not None:
        headers["Authorization"] = basic(step["user"], USERS[step["user"]])
    elif isinstance(step["auth"], tuple):
        headers["Authorization"] = basic(*step["auth"])
    elif isinstance(step["auth"], str):
        headers["Authorization"] = step["auth"]
    payload = None
    if step["json"] is not None:
        payload = json.dumps(substitute(step["json"], vars)).encode()
    elif step["raw"] is not None:
        payload = step["raw"].encode()
    if payload is not None:
        headers["Content-Type"] = "application/json"
        headers["Content-Length"] = str(len(payload))
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        conn.putrequest(step["method"], path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders(payload)
        response = conn.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    except (OSError, http.client.HTTPException) as exc:
        raise Fail(f"{step['method']} {path}: no complete answer ({type(exc).__name__}: {exc})")
    finally:
        conn.close()


def status_ok(expected, status):
    if expected is None:
        return True
    if expected == "2xx":
        return 200 <= status <= 299
    if isinstance(expected, list):
        return status in expected
    return status == expected


def run_step(server, step, vars):
    status, headers, raw = send(server.port, step, vars)
    what = f"{step['method']} {substitute(step['path'], vars)}"
    if step["user"] is not None:
        what += f" as {step['user']}"
    text = raw.decode(errors="replace")
    if not status_ok(step["status"], status):
        raise Fail(f"{what}: status {status}, expected {step['status']} "
                   f"(body {short(text, 100)})")
    for name, pattern in step["headers"].items():
        value = headers.get(name.lower())
        if value is None:
            raise Fail(f"{what}: no {name} header")
        if not re.search(pattern, value):
            raise Fail(f"{what}: {name}: {value!r} does not match {pattern!r}")
    if step["empty"] and raw:
        raise Fail(f"{what}: expected an empty body, got {short(text, 100)}")
    parsed = None
    if step["body"] is not None or step["capture"] or step["location"]:
        try:
            parsed = json.loads(raw)
        except ValueError:
            raise Fail(f"{what}: the body is not JSON: {short(text, 100)}") from None
    if step["body"] is not None:
        found = match(step["body"], parsed, vars)
        if found:
            raise Fail(f"{what}: {found}")
    for name, key in step["capture"].items():
        if not isinstance(parsed, dict) or key not in parsed:
            raise Fail(f"{what}: no {key} to capture in {short(parsed)}")
        vars[name] = parsed[key]
    if step["location"]:
        location = headers.get("location")
        note_id = parsed.get("id") if isinstance(parsed, dict) else None
        if location is None:
            raise Fail(f"{what}: no Location header")
        if not re.fullmatch(rf"(https?://[^/]+)?/notes/{note_id}", location):
            raise Fail(f"{what}: Location {location!r} is not /notes/{note_id}")


def run_case(server, case):
    vars = {}
    for step in case["steps"]:
        if step == RESTART:
            server.stop()
            server.start()
        elif step == DATA_FILES:
            files = [os.path.join(root, f) for root, _, names in os.walk(server.data_dir)
                     for f in names]
            if not files:
                raise Fail("DATA_DIR holds no file")
        else:
            run_step(server, step, vars)


def check_solution(path, only=None, verbose=False):
    """{case id: failure text} for every failed case, and notes."""
    workdir = tempfile.mkdtemp(prefix="crud-check-")
    os.mkdir(os.path.join(workdir, "app"))
    shutil.copy(path, os.path.join(workdir, "app", "solution.py"))
    server = Server(path, workdir, verbose)
    failures = {}
    try:
        server.new_data_dir()
        started = False
        for case in CASES:
            if only and case["id"] not in only:
                continue
            try:
                if case["fresh"] or not started:
                    server.stop()
                    if case["fresh"]:
                        server.new_data_dir()
                    server.start()
                    started = True
                elif not server.alive():
                    server.notes.append(f"the server had died before {case['id']}")
                    server.stop()
                    server.start()
                run_case(server, case)
            except Fail as exc:
                failures[case["id"]] = str(exc)
    finally:
        log = server.tail(2000)
        server.stop()
        if verbose and failures:
            server.notes.append("server output: " + log)
        shutil.rmtree(workdir, ignore_errors=True)
    return failures, server.notes


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("solutions", nargs="*")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--only", help="comma-separated case ids")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--list", action="store_true", help="print the case ids and exit")
    args = parser.parse_args()
    if args.list:
        for c in CASES:
            print(f"{c['id']:24} {c['rule']}")
        return 0
    if not args.solutions:
        parser.error("give at least one solution file")
    only = set(args.only.split(",")) if args.only else None

    runs = [(path, i) for i in range(args.repeat) for path in args.solutions]
    lock = threading.Lock()
    results = {}  # path -> list of (failures, notes), one per run
    began = time.monotonic()

    def one(job):
        path, i = job
        t0 = time.monotonic()
        failures, notes = check_solution(path, only, args.verbose)
        took = time.monotonic() - t0
        with lock:
            results.setdefault(path, []).append((failures, notes))
            name = os.path.relpath(path)
            verdict = "ok" if not failures else f"failed {len(failures)}"
            print(f"[run {i + 1}] {name}: {verdict} ({took:.1f} s)", flush=True)
            for case_id, why in failures.items():
                print(f"    {case_id}: {why}", flush=True)
            for text in notes:
                print(f"    note: {text}", flush=True)

    with ThreadPoolExecutor(args.jobs) as pool:
        list(pool.map(one, runs))

    bad = []
    table = []
    for path in args.solutions:
        accepted = "/accepted/" in os.path.abspath(path)
        per_run = [sorted(f) for f, _ in results[path]]
        if accepted and any(per_run):
            bad.append(f"{path}: accepted but failed {sorted(set().union(*map(set, per_run)))}")
        if not accepted:
            if not all(per_run):
                bad.append(f"{path}: rejected but passed every case in some run")
            table.append((os.path.splitext(os.path.basename(path))[0], per_run))

    if table:
        print("\nrejected solution -> failed cases")
        width = max(len(name) for name, _ in table)
        for name, per_run in sorted(table):
            first = per_run[0]
            stable = all(r == first for r in per_run)
            shown = ", ".join(first) if first else "(none)"
            print(f"  {name:{width}}  {shown}{'' if stable else '   UNSTABLE: ' + str(per_run)}")
    print(f"\n{len(args.solutions)} solutions x {args.repeat} runs, {len(CASES)} cases, "
          f"{time.monotonic() - began:.1f} s")
    for line in bad:
        print("PROBLEM:", line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
