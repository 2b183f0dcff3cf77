"""REJECTED: isinstance(x, (int, float)) lets true through as discount_percent.

Otherwise like accepted/flask_app.py: Invoice totals API with Flask: validation by hand, Decimal money, JSON for every error.
"""

import os
import re
from decimal import ROUND_HALF_UP, Decimal

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

app = Flask(__name__)

CENT = Decimal("0.01")
PRICE = re.compile(r"[0-9]+(\.[0-9]{1,2})?")
CURRENCY = re.compile(r"[A-Z]{3}")
MAX_ITEMS = 100


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def validate(data):
    """Return the list of errors, one per invalid field."""
    errors = []

    def fail(field, message):
        errors.append({"field": field, "message": message})

    currency = data.get("currency", "USD")
    if not isinstance(currency, str) or not CURRENCY.fullmatch(currency):
        fail("currency", "must be 3 uppercase letters")

    discount = data.get("discount_percent", 0)
    if not isinstance(discount, (int, float)) or not 0 <= discount <= 100:
        fail("discount_percent", "must be a number from 0 to 100")

    items = data.get("items")
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_ITEMS:
        fail("items", f"must be a list of 1 to {MAX_ITEMS} items")
        items = []
    for i, item in enumerate(items):
        path = f"items[{i}]"
        if not isinstance(item, dict):
            fail(path, "must be an object")
            continue
        sku = item.get("sku")
        if not isinstance(sku, str) or not 1 <= len(sku) <= 32 or not sku.strip():
            fail(f"{path}.sku", "must be 1 to 32 characters, not only whitespace")
        price = item.get("unit_price")
        if not isinstance(price, str) or not PRICE.fullmatch(price):
            fail(f"{path}.unit_price", "must be a decimal string such as \"12.50\"")
        quantity = item.get("quantity")
        if not is_int(quantity) or not 1 <= quantity <= 1000:
            fail(f"{path}.quantity", "must be an integer from 1 to 1000")
    return errors


def money(amount):
    return format(amount.quantize(CENT), "f")


def invoice(data):
    items = data["items"]
    subtotal = sum((Decimal(it["unit_price"]) * it["quantity"] for it in items), Decimal(0))
    percent = Decimal(str(data.get("discount_percent", 0)))  # str(): the digits as written
    discount = (subtotal * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return {
        "currency": data.get("currency", "USD"),
        "item_count": sum(it["quantity"] for it in items),
        "subtotal": money(subtotal),
        "discount": money(discount),
        "total": money(subtotal - discount),
    }


@app.errorhandler(HTTPException)
def http_error(exc):
    """404, 405 and any other HTTP error as JSON instead of Flask's HTML page."""
    return jsonify(error=exc.description), exc.code


@app.get("/health")
def health():
    return jsonify(status="ok")


@app.post("/invoices/total")
def invoices_total():
    if request.mimetype != "application/json":
        return jsonify(error="Content-Type must be application/json"), 415
    data = request.get_json(silent=True)  # None for a body that is not JSON (or is null)
    if not isinstance(data, dict):
        return jsonify(error="the body must be a JSON object"), 400
    errors = validate(data)
    if errors:
        return jsonify(errors=errors), 422
    return jsonify(invoice(data))


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ["PORT"]))
