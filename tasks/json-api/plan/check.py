#!/usr/bin/env python3
"""Independent checker for the json-api task.

    check.py FILE.py [FILE.py ...]     run every case against each solution, PASS/FAIL per case
    check.py --all                     every accepted and rejected solution, with a summary
    check.py --plan                    print the case table (markdown) used in case-plan.md

Each solution is copied to a fresh folder as solution.py and started there as
`python solution.py` with PORT=<free port> in /tmp/ja/venv; the checker waits until GET /health
answers 200, runs the cases with http.client (one connection per request, Host 127.0.0.1:PORT),
then stops the server with SIGTERM (SIGKILL after 3 s).
"""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VENV_PYTHON = os.environ.get("JA_PYTHON", "/tmp/ja/venv/bin/python")
TASK = Path("/work/main/tasks/json-api")
JSON = {"Content-Type": "application/json"}

# ------------------------------------------------------------------------------------------
# Cases


def item(sku="A-1", unit_price="12.50", quantity=2, **extra):
    d = {"sku": sku, "unit_price": unit_price, "quantity": quantity}
    d.update(extra)
    return d


def drop(d, key):
    d = dict(d)
    del d[key]
    return d


EXAMPLE = {"currency": "EUR", "discount_percent": 10, "items": [item()]}
EXAMPLE_OUT = {"currency": "EUR", "item_count": 2, "subtotal": "25.00", "discount": "2.50",
               "total": "22.50"}


def ok(currency, item_count, subtotal, discount, total):
    return {"currency": currency, "item_count": item_count, "subtotal": subtotal,
            "discount": discount, "total": total}


CASES = []


def case(id, title, group, method, path, expect, body=None, headers=None, raw=None,
         catches=(), status=None):
    """expect: ("invoice", {...}) | ("health",) | ("error", status) | ("fields", {...})
    | ("any-json", status). body is JSON-encoded; raw is sent as bytes instead."""
    if raw is None and body is not None:
        raw = json.dumps(body).encode()
    if headers is None:
        headers = dict(JSON) if raw is not None else {}
    CASES.append(dict(id=id, title=title, group=group, method=method, path=path,
                      headers=headers, raw=raw, body=body, expect=expect,
                      catches=list(catches)))


def post(id, title, body, expect, group="basic", **kw):
    case(id, title, group, "POST", "/invoices/total", expect, body=body, **kw)


def fields(id, title, body, paths, group="validation", **kw):
    post(id, title, body, ("fields", set(paths)), group=group, **kw)


# --- success ------------------------------------------------------------------------------
case("health", "GET /health answers {\"status\": \"ok\"}", "basic", "GET", "/health",
     ("health",))
post("example", "The statement's example", EXAMPLE, ("invoice", EXAMPLE_OUT),
     catches=["no_two_decimals"])
post("defaults", "currency defaults to USD and discount_percent to 0; a whole price",
     {"items": [item("B-7", "12", 3)]}, ("invoice", ok("USD", 3, "36.00", "0.00", "36.00")),
     catches=["no_two_decimals", "currency_default_missing"])
post("item-count", "item_count is the sum of quantities, not the number of lines",
     {"currency": "GBP", "items": [item("A", "1.00", 2), item("B", "2.50", 5), item("C", "0.99", 1)]},
     ("invoice", ok("GBP", 8, "15.49", "0.00", "15.49")), catches=["item_count_is_len"])
post("cents-sum", "0.10 + 0.20 is 0.30 exactly",
     {"items": [item("A", "0.10", 1), item("B", "0.20", 1)]},
     ("invoice", ok("USD", 2, "0.30", "0.00", "0.30")), catches=["no_two_decimals"])
post("half-up-tie", "A discount of exactly half a cent rounds up (0.025 -> 0.03)",
     {"discount_percent": 50, "items": [item("A", "0.05", 1)]},
     ("invoice", ok("USD", 1, "0.05", "0.03", "0.02")), group="money",
     catches=["bankers_rounding", "rounds_total_not_discount"])
post("half-up-tie-even", "Half a cent above an even cent rounds up (1.005 -> 1.01)",
     {"discount_percent": 5, "items": [item("A", "20.10", 1)]},
     ("invoice", ok("USD", 1, "20.10", "1.01", "19.09")), group="money",
     catches=["bankers_rounding", "rounds_total_not_discount", "float_arithmetic"])
post("float-tie", "A tie that a binary float puts below the half cent (0.575 -> 0.58)",
     {"discount_percent": 50, "items": [item("A", "1.15", 1)]},
     ("invoice", ok("USD", 1, "1.15", "0.58", "0.57")), group="money",
     catches=["float_arithmetic", "rounds_total_not_discount"])
post("float-tie-2", "Another float tie (2.675 -> 2.68)",
     {"discount_percent": 10, "items": [item("A", "26.75", 1)]},
     ("invoice", ok("USD", 1, "26.75", "2.68", "24.07")), group="money",
     catches=["float_arithmetic", "rounds_total_not_discount"])
post("fractional-percent", "discount_percent may have a fraction: 12.5% of 0.12 is 0.015 -> 0.02",
     {"discount_percent": 12.5, "items": [item("A", "0.12", 1)]},
     ("invoice", ok("USD", 1, "0.12", "0.02", "0.10")), group="money",
     catches=["float_arithmetic", "integer_discount_only", "rounds_total_not_discount"])
post("percent-digits", "0.15% of 10.00 is 0.015 -> 0.02 (the percent's digits, not its binary float)",
     {"discount_percent": 0.15, "items": [item("A", "10.00", 1)]},
     ("invoice", ok("USD", 1, "10.00", "0.02", "9.98")), group="money",
     catches=["decimal_from_float", "float_arithmetic", "integer_discount_only",
              "rounds_total_not_discount"])
post("full-discount", "discount_percent 100 is allowed: the total is 0.00",
     {"discount_percent": 100, "items": [item("A", "19.99", 3)]},
     ("invoice", ok("USD", 3, "59.97", "59.97", "0.00")), group="money",
     catches=["discount_bound_exclusive"])
post("price-forms", "unit_price \"0\", \"007\" and \"12.5\" are valid",
     {"items": [item("A", "0", 1), item("B", "007", 2), item("C", "12.5", 1)]},
     ("invoice", ok("USD", 4, "26.50", "0.00", "26.50")), catches=["no_two_decimals"])
post("quantity-bounds", "quantity 1 and 1000 are valid",
     {"items": [item("A", "0.01", 1000), item("B", "5", 1)]},
     ("invoice", ok("USD", 1001, "15.00", "0.00", "15.00")), catches=["quantity_off_by_one"])
post("hundred-items", "100 items are allowed",
     {"discount_percent": 33, "items": [item(f"S-{i}", "1.01", 1) for i in range(100)]},
     ("invoice", ok("USD", 100, "101.00", "33.33", "67.67")))
post("sku-edges", "A sku of 32 characters, or with spaces around text, is valid",
     {"currency": "JPY", "items": [item("X" * 32, "1", 1), item(" a ", "1", 1), item("b", "1", 1)]},
     ("invoice", ok("JPY", 3, "3.00", "0.00", "3.00")))
post("unknown-fields", "Unknown fields, at the top and in items, are ignored",
     {"customer": {"id": 7}, "note": "rush", "items": [item("A", "2.00", 1, color="red", tags=[1])]},
     ("invoice", ok("USD", 1, "2.00", "0.00", "2.00")), catches=["rejects_unknown_fields"])
post("charset", "Content-Type application/json; charset=utf-8 is JSON",
     EXAMPLE, ("invoice", EXAMPLE_OUT),
     headers={"Content-Type": "application/json; charset=utf-8"},
     catches=["exact_content_type"])

# --- 400 / 415 ----------------------------------------------------------------------------
post("bad-json", "A body that is not valid JSON is 400",
     None, ("error", 400), raw=b'{"items": [', group="errors",
     catches=["crashes_on_bad_json"])
post("empty-body", "An empty body is not valid JSON: 400",
     None, ("error", 400), raw=b"", group="errors", catches=["crashes_on_bad_json"])
post("array-body", "A JSON array is not an object: 400",
     [item()], ("error", 400), group="errors", catches=["crashes_on_array_body"])
post("null-body", "JSON null is not an object: 400",
     None, ("error", 400), raw=b"null", group="errors")
post("string-body", "A JSON string is not an object: 400",
     "items", ("error", 400), group="errors", catches=["crashes_on_array_body"])
post("not-utf8", "Bytes that are not UTF-8 are not valid JSON: 400",
     None, ("error", 400), raw=b'{"items": "\xff"}', group="advanced",
     catches=["only_jsondecodeerror"])
post("text-plain", "A JSON body sent as text/plain is 415, not 400 or 200",
     EXAMPLE, ("error", 415), headers={"Content-Type": "text/plain"}, group="errors",
     catches=["returns_400_not_415", "ignores_content_type"])
post("no-content-type", "A JSON body without Content-Type is 415",
     EXAMPLE, ("error", 415), headers={}, group="errors",
     catches=["returns_400_not_415", "ignores_content_type"])
post("form-content-type", "A form Content-Type is 415",
     EXAMPLE, ("error", 415), headers={"Content-Type": "application/x-www-form-urlencoded"},
     group="errors", catches=["returns_400_not_415", "ignores_content_type"])

# --- 422: items ---------------------------------------------------------------------------
fields("items-missing", "A missing items is reported as items", {"currency": "EUR"}, ["items"])
fields("items-empty", "An empty items list is reported as items", {"items": []}, ["items"],
       catches=["accepts_empty_items"])
fields("items-not-list", "items that is an object is reported as items", {"items": item()}, ["items"])
fields("items-null", "items null is reported as items", {"items": None}, ["items"],
)
fields("items-too-many", "101 items are reported as items alone",
       {"items": [item(f"S-{i}", "1", 1) for i in range(101)]}, ["items"],
       catches=["no_item_limit"])
fields("item-not-object", "An item that is not an object is reported as items[i]",
       {"items": [item(), "A-1", item(), 7, None]}, ["items[1]", "items[3]", "items[4]"])
fields("quantity-bool", "quantity true is not an integer", {"items": [item(quantity=True)]},
       ["items[0].quantity"], catches=["accepts_bool_quantity"])
fields("quantity-float", "quantity 2.0 is not an integer", {"items": [item(quantity=2.0)]},
       ["items[0].quantity"], catches=["accepts_float_quantity"])
fields("quantity-string", "quantity \"2\" is not an integer", {"items": [item(quantity="2")]},
       ["items[0].quantity"])
fields("quantity-range", "quantity 0, 1001 and -1 are out of range",
       {"items": [item(quantity=0), item(quantity=1001), item(quantity=-1)]},
       ["items[0].quantity", "items[1].quantity", "items[2].quantity"],
       catches=["first_error_only"])
fields("quantity-null-missing", "quantity null or missing is invalid",
       {"items": [item(quantity=None), drop(item(), "quantity")]},
       ["items[0].quantity", "items[1].quantity"], catches=["first_error_only"])
fields("price-number", "unit_price 12.5 as a JSON number is invalid",
       {"items": [item(unit_price=12.5)]}, ["items[0].unit_price"],
       catches=["accepts_numeric_price"])
fields("price-int", "unit_price 12 as a JSON number is invalid",
       {"items": [item(unit_price=12)]}, ["items[0].unit_price"],
       catches=["accepts_numeric_price"])
BAD_PRICES = ["12.505", "-1", "12.", ".5", "1e2", " 12", "", "1,50", "12.5.0", "12 "]
fields("price-format", "unit_price strings that do not match ^[0-9]+(\\.[0-9]{1,2})?$",
       {"items": [item(f"P{i}", p, 1) for i, p in enumerate(BAD_PRICES)]},
       [f"items[{i}].unit_price" for i in range(len(BAD_PRICES))],
       catches=["unanchored_price_regex", "first_error_only"])
fields("price-null-missing", "unit_price null or missing is invalid",
       {"items": [item(unit_price=None), drop(item(), "unit_price")]},
       ["items[0].unit_price", "items[1].unit_price"], catches=["first_error_only"])
fields("sku-whitespace", "A sku of only whitespace is invalid",
       {"items": [item(sku="   "), item(sku="\t\n")]}, ["items[0].sku", "items[1].sku"],
       catches=["whitespace_sku"])
fields("sku-length", "A sku of 33 characters, or empty, is invalid",
       {"items": [item(sku="X" * 33), item(sku="")]}, ["items[0].sku", "items[1].sku"],
       catches=["first_error_only"])
fields("sku-type", "A sku that is a number, null or missing is invalid",
       {"items": [item(sku=123), item(sku=None), drop(item(), "sku")]},
       ["items[0].sku", "items[1].sku", "items[2].sku"], catches=["first_error_only"])
fields("two-errors-one-item", "Two invalid fields of one item are both reported",
       {"items": [item(sku="", quantity=0)]}, ["items[0].sku", "items[0].quantity"],
       catches=["first_error_only"])
fields("index-ten", "Paths use the item's index, also past 9",
       {"items": [item(f"S-{i}", "1", 1) for i in range(10)]
        + [item("S-10", "1", 0), item("S-11", "1.234", 1)]},
       ["items[10].quantity", "items[11].unit_price"], catches=["unanchored_price_regex"])

# --- 422: currency and discount -----------------------------------------------------------
fields("currency-lowercase", "currency \"eur\" is invalid", {"currency": "eur", "items": [item()]},
       ["currency"], catches=["currency_case_insensitive"])
fields("currency-length", "currency \"EURO\" is invalid", {"currency": "EURO", "items": [item()]},
       ["currency"])
fields("currency-number", "currency 978 is invalid", {"currency": 978, "items": [item()]},
       ["currency"])
fields("currency-null", "currency null is invalid (not the default)",
       {"currency": None, "items": [item()]}, ["currency"], catches=["null_means_default"])
fields("discount-above", "discount_percent 101 is invalid",
       {"discount_percent": 101, "items": [item()]}, ["discount_percent"],
       catches=["ignores_discount_bound"])
fields("discount-negative", "discount_percent -5 is invalid",
       {"discount_percent": -5, "items": [item()]}, ["discount_percent"],
       catches=["ignores_discount_bound"])
fields("discount-just-above", "discount_percent 100.01 is invalid",
       {"discount_percent": 100.01, "items": [item()]}, ["discount_percent"],
       catches=["ignores_discount_bound"])
fields("discount-string", "discount_percent \"10\" is invalid",
       {"discount_percent": "10", "items": [item()]}, ["discount_percent"],
       catches=["accepts_string_discount"])
fields("discount-bool", "discount_percent true is invalid",
       {"discount_percent": True, "items": [item()]}, ["discount_percent"],
       catches=["accepts_bool_discount"])
fields("discount-null", "discount_percent null is invalid (not the default)",
       {"discount_percent": None, "items": [item()]}, ["discount_percent"],
       catches=["null_means_default"])
fields("every-field", "Every invalid field is reported, at every level",
       {"currency": "eu", "discount_percent": 150,
        "items": [item(sku="", unit_price=1, quantity=0), "x", item(),
                  item(unit_price="1.999", quantity=True)]},
       ["currency", "discount_percent", "items[0].sku", "items[0].unit_price",
        "items[0].quantity", "items[1]", "items[3].unit_price", "items[3].quantity"],
       catches=["first_error_only", "accepts_bool_quantity", "accepts_numeric_price",
                "ignores_discount_bound", "unanchored_price_regex"])

# --- 404 / 405 ----------------------------------------------------------------------------
case("unknown-path", "GET on an unknown path is 404 with a JSON body", "routing", "GET",
     "/invoices", ("any-json", 404), catches=["html_errors"])
case("unknown-path-post", "POST on an unknown path is 404 with a JSON body", "routing", "POST",
     "/total", ("any-json", 404), body=EXAMPLE, catches=["html_errors"])
case("root", "GET / is 404 with a JSON body", "routing", "GET", "/", ("any-json", 404),
     catches=["html_errors"])
case("get-total", "GET /invoices/total is 405 with a JSON body", "routing", "GET",
     "/invoices/total", ("any-json", 405), catches=["html_errors", "no_405"])
case("post-health", "POST /health is 405 with a JSON body", "routing", "POST", "/health",
     ("any-json", 405), body={}, catches=["html_errors", "no_405"])
case("delete-total", "DELETE /invoices/total is 405 with a JSON body", "advanced", "DELETE",
     "/invoices/total", ("any-json", 405), catches=["html_errors", "no_405"])

# Mistakes whose cases follow from the data: derived here rather than listed by hand.
for c in CASES:
    kind, want = c["expect"][0], (c["expect"][1:] or [None])[0]
    derived = []
    if kind == "invoice":
        derived.append("extra_response_keys")  # every success has exactly five keys
        if any(want[k] != str(float(want[k])) for k in ("subtotal", "discount", "total")):
            derived.append("no_two_decimals")  # "22.50" printed as "22.5"
        if want["item_count"] != len(c["body"]["items"]):
            derived.append("item_count_is_len")
        if "currency" not in c["body"]:
            derived.append("currency_default_missing")
    if kind == "fields":
        if len(want) > 1:
            derived.append("first_error_only")
        if any("[" in f for f in want):
            derived.append("dotted_paths")  # items.0.quantity instead of items[0].quantity
    if kind == "error" and want == 400 and c["raw"] is not None:
        try:
            json.loads(c["raw"])
        except ValueError:
            derived.append("crashes_on_bad_json")  # json.loads without try
    c["catches"] += [d for d in derived if d not in c["catches"]]


# ------------------------------------------------------------------------------------------
# Comparing


def strict_equal(a, b):
    """JSON equality that tells 1 from 1.0 from true."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(strict_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(strict_equal(x, y) for x, y in zip(a, b))
    return a == b


def judge(c, status, headers, body):
    """Return None when the response is right, else a reason."""
    kind = c["expect"][0]
    want_status = {"invoice": 200, "health": 200, "fields": 422}.get(kind) or c["expect"][1]
    short = body[:200]
    if status != want_status:
        return f"status {status}, expected {want_status}; body {short!r}"
    try:
        doc = json.loads(body)
    except ValueError:
        return f"body is not JSON: {short!r}"
    if kind == "health":
        return None if strict_equal(doc, {"status": "ok"}) else f"body {doc!r}"
    if kind == "invoice":
        media = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if media != "application/json":
            return f"Content-Type {headers.get('Content-Type')!r}"
        want = c["expect"][1]
        return None if strict_equal(doc, want) else f"body {doc!r}, expected {want!r}"
    if kind == "error":
        if isinstance(doc, dict) and isinstance(doc.get("error"), str):
            return None
        return f"expected {{\"error\": <string>}}, got {doc!r}"[:300]
    if kind == "fields":
        if not (isinstance(doc, dict) and isinstance(doc.get("errors"), list)):
            return f"expected {{\"errors\": [...]}}, got {doc!r}"[:300]
        got = set()
        for e in doc["errors"]:
            if not (isinstance(e, dict) and isinstance(e.get("field"), str)
                    and isinstance(e.get("message"), str)):
                return f"error entry {e!r} is not {{\"field\": str, \"message\": str}}"
            got.add(e["field"])
        want = c["expect"][1]
        if got != want:
            return (f"fields {sorted(got)}, expected {sorted(want)}"
                    f" (missing {sorted(want - got)}, unexpected {sorted(got - want)})")
        return None
    if kind == "any-json":
        return None
    raise AssertionError(kind)


# ------------------------------------------------------------------------------------------
# Running


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, headers=None, raw=None, timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        if raw is not None or method in ("POST", "PUT", "PATCH"):
            conn.putheader("Content-Length", str(len(raw or b"")))
        conn.endheaders(raw or None)
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, resp.headers, body
    finally:
        conn.close()


def start(solution, port):
    work = Path(tempfile.mkdtemp(prefix="ja-run-"))
    shutil.copy(solution, work / "solution.py")
    env = dict(os.environ, PORT=str(port), PYTHONDONTWRITEBYTECODE="1")
    log = open(work / "server.log", "wb")
    proc = subprocess.Popen([VENV_PYTHON, "solution.py"], cwd=work, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    return proc, work


def wait_ready(proc, port, limit=20.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            if request(port, "GET", "/health", timeout=1)[0] == 200:
                return True
        except OSError:
            pass
        time.sleep(0.02)
    return False


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run(solution, verbose=True):
    """Return {case id: None (pass) or reason}."""
    port = free_port()
    proc, work = start(solution, port)
    results = {}
    try:
        if not wait_ready(proc, port):
            reason = "server did not answer GET /health: " + (work / "server.log").read_text()[-500:]
            results = {c["id"]: reason for c in CASES}
        else:
            for c in CASES:
                try:
                    status, headers, body = request(port, c["method"], c["path"], c["headers"], c["raw"])
                    results[c["id"]] = judge(c, status, headers, body.decode("utf-8", "replace"))
                except (OSError, http.client.HTTPException) as exc:
                    results[c["id"]] = f"no response: {exc!r}"
    finally:
        stop(proc)
        shutil.rmtree(work, ignore_errors=True)
    if verbose:
        print(f"== {solution}")
        for c in CASES:
            r = results[c["id"]]
            print(f"  {'PASS' if r is None else 'FAIL'} {c['id']}" + ("" if r is None else f": {r}"))
        n = sum(r is None for r in results.values())
        print(f"  {n} passed, {len(results) - n} failed")
    return results


def intended(name):
    """The cases a rejected solution is meant to fail (from the cases' `catches`)."""
    return {c["id"] for c in CASES if name in c["catches"]}


def run_all():
    accepted = sorted((TASK / "solutions/accepted").glob("*.py"))
    rejected = sorted((TASK / "solutions/rejected").glob("*.py"))
    ok_all = True
    summary = []
    for path in accepted:
        res = run(path)
        failed = sorted(k for k, v in res.items() if v is not None)
        good = not failed
        ok_all &= good
        summary.append(f"{'OK ' if good else 'BAD'} accepted/{path.name}: "
                       f"{len(res) - len(failed)}/{len(res)} passed" + (f", failed {failed}" if failed else ""))
    for path in rejected:
        res = run(path)
        failed = {k for k, v in res.items() if v is not None}
        want = intended(path.stem)
        good = bool(want) and want <= failed
        exact = failed == want
        ok_all &= good
        line = (f"{'OK ' if good else 'BAD'} rejected/{path.name}: fails {len(failed)} "
                f"({'exactly the intended' if exact else 'intended ' + str(sorted(want))})")
        if failed - want:
            line += f"; also {sorted(failed - want)}"
        if want - failed:
            line += f"; NOT failing {sorted(want - failed)}"
        summary.append(line)
    print("\n== summary")
    print("\n".join(summary))
    return ok_all


def plan():
    print("| id | group | request | expected | catches |")
    print("|---|---|---|---|---|")
    for c in CASES:
        hdr = ", ".join(f"{k}: {v}" for k, v in c["headers"].items())
        if c["raw"] is None:
            body = ""
        elif c["body"] is not None and len(c["raw"]) <= 700:
            body = "`" + c["raw"].decode() + "`"
        elif c["body"] is not None:
            body = "(" + c["title"] + "; generated, see check.py)"
        else:
            body = "raw `" + repr(c["raw"])[2:-1] + "`"
        req = f"{c['method']} {c['path']}" + (f" [{hdr}]" if hdr else " [no Content-Type]" if c["raw"] is not None else "") + (f" {body}" if body else "")
        kind = c["expect"][0]
        if kind == "invoice":
            exp = "200 `" + json.dumps(c["expect"][1]) + "`"
        elif kind == "health":
            exp = '200 `{"status": "ok"}`'
        elif kind == "error":
            exp = f'{c["expect"][1]} `{{"error": <string>}}`'
        elif kind == "fields":
            exp = "422 fields = {" + ", ".join(f"`{f}`" for f in sorted(c["expect"][1])) + "}"
        else:
            exp = f"{c['expect'][1]}, any JSON"
        catches = ", ".join(c["catches"])
        print(f"| `{c['id']}` | {c['group']} | {req.replace('|', '&#124;')} | {exp} | {catches} |")


if __name__ == "__main__":
    args = sys.argv[1:]
    if args == ["--plan"]:
        plan()
    elif args == ["--json"]:
        out = []
        for c in CASES:
            kind, *rest = c["expect"]
            exp = {"kind": kind}
            if kind == "invoice":
                exp.update(status=200, body=rest[0])
            elif kind == "health":
                exp.update(status=200, body={"status": "ok"})
            elif kind == "fields":
                exp.update(status=422, fields=sorted(rest[0]))
            else:
                exp.update(status=rest[0])
            out.append({"id": c["id"], "title": c["title"], "group": c["group"],
                        "request": {"method": c["method"], "path": c["path"], "headers": c["headers"],
                                    "body": None if c["raw"] is None else c["raw"].decode("latin-1"),
                                    "body_is_latin1_bytes": c["raw"] is not None and not c["raw"].isascii()},
                        "expect": exp, "catches": c["catches"]})
        print(json.dumps(out, indent=1))
    elif args == ["--all"]:
        sys.exit(0 if run_all() else 1)
    elif args:
        bad = [a for a in args if any(v is not None for v in run(a).values())]
        sys.exit(1 if bad else 0)
    else:
        print(__doc__)
