"""Build solutions/rejected/*.py from the accepted ones: one small edit each, checked to apply once."""
from pathlib import Path

ACC = Path("/work/main/tasks/json-api/solutions/accepted")
REJ = Path("/work/main/tasks/json-api/solutions/rejected")
BASES = {n: (ACC / f"{n}_app.py").read_text() for n in ("flask", "stdlib", "fastapi")}

SPECS = []


def rej(name, base, doc, *edits):
    SPECS.append((name, base, doc, edits))


# The first line of each accepted file's docstring is replaced by the mistake's description.
rej("float_arithmetic", "flask",
    "REJECTED: money in binary floats, rounded with round(x, 2); cents go wrong at ties such as 1.15 * 50%.",
    ("from decimal import ROUND_HALF_UP, Decimal\n", ""),
    ("CENT = Decimal(\"0.01\")\n", ""),
    ("""def money(amount):
    return format(amount.quantize(CENT), "f")""", """def money(amount):
    return f"{amount:.2f}\""""),
    ("""    subtotal = sum((Decimal(it["unit_price"]) * it["quantity"] for it in items), Decimal(0))
    percent = Decimal(str(data.get("discount_percent", 0)))  # str(): the digits as written
    discount = (subtotal * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)""",
     """    subtotal = sum(float(it["unit_price"]) * it["quantity"] for it in items)
    percent = data.get("discount_percent", 0)
    discount = round(subtotal * percent / 100, 2)"""))

rej("no_two_decimals", "flask",
    "REJECTED: amounts are exact but printed as str(float(x)): \"22.5\", \"25.0\", not \"22.50\", \"25.00\".",
    ("""    return format(amount.quantize(CENT), "f")""", """    return str(float(amount))"""))

rej("bankers_rounding", "flask",
    "REJECTED: the discount is rounded with round(x, 2), which is half-even (banker's): 0.025 -> 0.02.",
    ("from decimal import ROUND_HALF_UP, Decimal\n", "from decimal import Decimal\n"),
    ("""    discount = (subtotal * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)""",
     """    discount = round(subtotal * percent / 100, 2)"""))

rej("rounds_total_not_discount", "flask",
    "REJECTED: rounds the total half-up and derives the discount from it, instead of rounding the discount.",
    ("""    discount = (subtotal * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)""",
     """    total = (subtotal * (100 - percent) / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    discount = subtotal - total"""))

rej("decimal_from_float", "flask",
    "REJECTED: Decimal(discount_percent) from the float itself: 0.15 becomes 0.1499999..., so 0.015 -> 0.01.",
    ("""    percent = Decimal(str(data.get("discount_percent", 0)))  # str(): the digits as written""",
     """    percent = Decimal(data.get("discount_percent", 0))"""))

rej("accepts_bool_quantity", "flask",
    "REJECTED: isinstance(quantity, int) lets true/false through (bool is an int in Python).",
    ("""        if not is_int(quantity) or not 1 <= quantity <= 1000:""",
     """        if not isinstance(quantity, int) or not 1 <= quantity <= 1000:"""))

rej("accepts_float_quantity", "flask",
    "REJECTED: a whole float such as 2.0 is accepted as a quantity.",
    ("""        if not is_int(quantity) or not 1 <= quantity <= 1000:""",
     """        if not is_number(quantity) or quantity != int(quantity) or not 1 <= quantity <= 1000:"""),
    ("""    subtotal = sum((Decimal(it["unit_price"]) * it["quantity"] for it in items), Decimal(0))""",
     """    subtotal = sum((Decimal(it["unit_price"]) * int(it["quantity"]) for it in items), Decimal(0))"""),
    ("""        "item_count": sum(it["quantity"] for it in items),""",
     """        "item_count": sum(int(it["quantity"]) for it in items),"""))

rej("accepts_numeric_price", "flask",
    "REJECTED: unit_price is matched as str(unit_price), so the JSON number 12.5 is accepted.",
    ("""        if not isinstance(price, str) or not PRICE.fullmatch(price):""",
     """        if price is None or not PRICE.fullmatch(str(price)):"""),
    ("""Decimal(it["unit_price"]) * it["quantity"]""", """Decimal(str(it["unit_price"])) * it["quantity"]"""))

rej("unanchored_price_regex", "flask",
    "REJECTED: unit_price checked with re.match, which anchors only the start: \"12.505\", \"12.\", \"1e2\" pass.",
    ("""        if not isinstance(price, str) or not PRICE.fullmatch(price):""",
     """        if not isinstance(price, str) or not PRICE.match(price):"""))

rej("first_error_only", "flask",
    "REJECTED: validation stops at the first invalid field, so only one error is ever reported.",
    ("""    def fail(field, message):
        errors.append({"field": field, "message": message})
""", """    def fail(field, message):
        if not errors:
            errors.append({"field": field, "message": message})
"""))

rej("crashes_on_bad_json", "flask",
    "REJECTED: json.loads on the raw body without a try: malformed JSON is a 500.",
    ("import os\n", "import json\nimport os\n"),
    ("""    data = request.get_json(silent=True)  # None for a body that is not JSON (or is null)""",
     """    data = json.loads(request.get_data())"""))

rej("crashes_on_array_body", "flask",
    "REJECTED: only a None from get_json is refused, so a JSON array or string body crashes with a 500.",
    ("""    if not isinstance(data, dict):
        return jsonify(error="the body must be a JSON object"), 400""",
     """    if data is None:
        return jsonify(error="the body must be a JSON object"), 400"""))

rej("returns_400_not_415", "flask",
    "REJECTED: no Content-Type check: get_json(silent=True) gives None for text/plain, answered as 400.",
    ("""    if request.mimetype != "application/json":
        return jsonify(error="Content-Type must be application/json"), 415
""", ""))

rej("ignores_content_type", "flask",
    "REJECTED: get_json(force=True) parses any body as JSON, so text/plain JSON is answered 200.",
    ("""    if request.mimetype != "application/json":
        return jsonify(error="Content-Type must be application/json"), 415
""", ""),
    ("request.get_json(silent=True)", "request.get_json(force=True, silent=True)"))

rej("exact_content_type", "flask",
    "REJECTED: Content-Type compared as a whole string, so \"application/json; charset=utf-8\" gets 415.",
    ("""    if request.mimetype != "application/json":""",
     """    if request.headers.get("Content-Type") != "application/json":"""))

rej("ignores_discount_bound", "flask",
    "REJECTED: discount_percent is type-checked but not bounded: 150 or -5 are accepted.",
    ("""    if not is_number(discount) or not 0 <= discount <= 100:""",
     """    if not is_number(discount):"""))

rej("discount_bound_exclusive", "flask",
    "REJECTED: the upper bound is exclusive, so discount_percent 100 is refused.",
    ("""    if not is_number(discount) or not 0 <= discount <= 100:""",
     """    if not is_number(discount) or not 0 <= discount < 100:"""))

rej("integer_discount_only", "flask",
    "REJECTED: discount_percent must be an int, so 12.5 or 0.15 are refused.",
    ("""    if not is_number(discount) or not 0 <= discount <= 100:""",
     """    if not is_int(discount) or not 0 <= discount <= 100:"""))

rej("accepts_string_discount", "flask",
    "REJECTED: discount_percent is anything Decimal() can read, so the string \"10\" is accepted.",
    ("from decimal import ROUND_HALF_UP, Decimal\n", "from decimal import ROUND_HALF_UP, Decimal, InvalidOperation\n"),
    ("""    if not is_number(discount) or not 0 <= discount <= 100:""",
     """    try:
        discount_ok = 0 <= Decimal(str(discount)) <= 100
    except InvalidOperation:
        discount_ok = False
    if not discount_ok:"""))

rej("accepts_bool_discount", "flask",
    "REJECTED: isinstance(x, (int, float)) lets true through as discount_percent.",
    ("""    if not is_number(discount) or not 0 <= discount <= 100:""",
     """    if not isinstance(discount, (int, float)) or not 0 <= discount <= 100:"""))

rej("null_means_default", "flask",
    "REJECTED: `data.get(key) or default` treats null currency/discount_percent as missing.",
    ("""    currency = data.get("currency", "USD")
    if not""", """    currency = data.get("currency") or "USD"
    if not"""),
    ("""    discount = data.get("discount_percent", 0)
    if not""", """    discount = data.get("discount_percent") or 0
    if not"""),
    ("""    percent = Decimal(str(data.get("discount_percent", 0)))""",
     """    percent = Decimal(str(data.get("discount_percent") or 0))"""),
    ("""        "currency": data.get("currency", "USD"),""", """        "currency": data.get("currency") or "USD","""))

rej("currency_case_insensitive", "flask",
    "REJECTED: currency is upper-cased before the check, so \"eur\" is accepted as EUR.",
    ("""    currency = data.get("currency", "USD")
    if not""", """    currency = data.get("currency", "USD")
    if isinstance(currency, str):
        currency = data["currency"] = currency.upper()
    if not"""))

rej("currency_default_missing", "flask",
    "REJECTED: the response's currency is data.get(\"currency\"), null when the request has none.",
    ("""        "currency": data.get("currency", "USD"),""", """        "currency": data.get("currency"),"""))

rej("whitespace_sku", "flask",
    "REJECTED: sku is checked for length only, so \"   \" is accepted.",
    ("""        if not isinstance(sku, str) or not 1 <= len(sku) <= 32 or not sku.strip():""",
     """        if not isinstance(sku, str) or not 1 <= len(sku) <= 32:"""))

rej("accepts_empty_items", "flask",
    "REJECTED: only the upper bound of items is checked, so an empty list gives a 0.00 invoice.",
    ("""    if not isinstance(items, list) or not 1 <= len(items) <= MAX_ITEMS:""",
     """    if not isinstance(items, list) or len(items) > MAX_ITEMS:"""))

rej("no_item_limit", "flask",
    "REJECTED: no upper bound on items: 101 items are totalled.",
    ("""    if not isinstance(items, list) or not 1 <= len(items) <= MAX_ITEMS:""",
     """    if not isinstance(items, list) or not items:"""))

rej("item_count_is_len", "flask",
    "REJECTED: item_count is the number of lines, not the sum of quantities.",
    ("""        "item_count": sum(it["quantity"] for it in items),""", """        "item_count": len(items),"""))

rej("quantity_off_by_one", "flask",
    "REJECTED: quantity must be below 1000, so 1000 is refused.",
    ("""        if not is_int(quantity) or not 1 <= quantity <= 1000:""",
     """        if not is_int(quantity) or not 1 <= quantity < 1000:"""))

rej("extra_response_keys", "flask",
    "REJECTED: the response echoes discount_percent too: six keys, not exactly five.",
    ("""        "total": money(subtotal - discount),
    }""", """        "total": money(subtotal - discount),
        "discount_percent": data.get("discount_percent", 0),
    }"""))

rej("html_errors", "flask",
    "REJECTED: no JSON error handler: Flask's default HTML pages for 404 and 405.",
    ("""@app.errorhandler(HTTPException)
def http_error(exc):
    \"\"\"404, 405 and any other HTTP error as JSON instead of Flask's HTML page.\"\"\"
    return jsonify(error=exc.description), exc.code


""", ""),
    ("from werkzeug.exceptions import HTTPException\n", ""))

rej("dotted_paths", "flask",
    "REJECTED: error paths written items.0.quantity (pydantic's loc joined by dots), not items[0].quantity.",
    ("""        path = f"items[{i}]\"""", """        path = f"items.{i}\""""))

rej("no_405", "stdlib",
    "REJECTED: routes keyed by (method, path), so a wrong method on a known path is 404, not 405.",
    ("""        methods = ROUTES.get(urlsplit(self.path).path)
        try:
            if methods is None:
                raise ApiError(404, {"error": "not found"})
            view = methods.get(self.command)
            if view is None:
                raise ApiError(405, {"error": f"method {self.command} not allowed"})
            status, body = view(self)""",
     """        view = ROUTES.get(urlsplit(self.path).path, {}).get(self.command)
        try:
            if view is None:
                raise ApiError(404, {"error": "not found"})
            status, body = view(self)"""))

rej("only_jsondecodeerror", "stdlib",
    "REJECTED: catches json.JSONDecodeError only; a body that is not UTF-8 raises UnicodeDecodeError and the connection drops.",
    ("""    except ValueError:  # JSONDecodeError, and UnicodeDecodeError for bytes that are not UTF-8""",
     """    except json.JSONDecodeError:"""))

rej("rejects_unknown_fields", "fastapi",
    "REJECTED: the pydantic models forbid extra fields, so unknown fields give 422 instead of being ignored.",
    ("from pydantic import BaseModel, Field", "from pydantic import BaseModel, ConfigDict, Field"),
    ("""class Item(BaseModel):
""", """class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")
"""),
    ("""class InvoiceRequest(BaseModel):
""", """class InvoiceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
"""))

if __name__ == "__main__":
    REJ.mkdir(parents=True, exist_ok=True)
    for name, base, doc, edits in SPECS:
        text = BASES[base]
        first, rest = text.split("\n", 1)
        assert first.startswith('"""'), name
        # Keep the accepted file's other docstring lines (if any); the first line names the mistake.
        text = '"""' + doc + ("\n" if first.endswith('"""') and first.count('"""') == 2 else "\n\n" + first[3:] + "\n") + rest
        if first.count('"""') == 2:
            text = '"""' + doc + '\n\nOtherwise like accepted/' + base + '_app.py: ' + first[3:-3] + '\n"""\n' + rest
        for old, new in edits:
            n = text.count(old)
            assert n == 1, (name, old, n)
            text = text.replace(old, new)
        (REJ / f"{name}.py").write_text(text)
    print(len(SPECS), "rejected solutions written")
