"""Invoice totals API with the standard library only: http.server + ThreadingHTTPServer."""

import json
import os
import re
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

CENT = Decimal("0.01")
PRICE = re.compile(r"[0-9]+(\.[0-9]{1,2})?")
CURRENCY = re.compile(r"[A-Z]{3}")
MAX_ITEMS = 100


class ApiError(Exception):
    def __init__(self, status, body):
        super().__init__(status)
        self.status = status
        self.body = body


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def validate(data):
    errors = []

    def fail(field, message):
        errors.append({"field": field, "message": message})

    currency = data.get("currency", "USD")
    if not isinstance(currency, str) or not CURRENCY.fullmatch(currency):
        fail("currency", "must be 3 uppercase letters")

    discount = data.get("discount_percent", 0)
    if not is_number(discount) or not 0 <= discount <= 100:
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
    percent = Decimal(str(data.get("discount_percent", 0)))
    discount = (subtotal * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return {
        "currency": data.get("currency", "USD"),
        "item_count": sum(it["quantity"] for it in items),
        "subtotal": money(subtotal),
        "discount": money(discount),
        "total": money(subtotal - discount),
    }


def health(handler):
    return 200, {"status": "ok"}


def invoices_total(handler):
    media_type = handler.headers.get("Content-Type", "").split(";")[0].strip()
    if media_type != "application/json":
        raise ApiError(415, {"error": "Content-Type must be application/json"})
    try:
        data = json.loads(handler.body)
    except ValueError:  # JSONDecodeError, and UnicodeDecodeError for bytes that are not UTF-8
        raise ApiError(400, {"error": "the body is not valid JSON"}) from None
    if not isinstance(data, dict):
        raise ApiError(400, {"error": "the body must be a JSON object"})
    errors = validate(data)
    if errors:
        raise ApiError(422, {"errors": errors})
    return 200, invoice(data)


ROUTES = {
    "/health": {"GET": health},
    "/invoices/total": {"POST": invoices_total},
}


class Handler(BaseHTTPRequestHandler):
    def dispatch(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.body = self.rfile.read(length) if length > 0 else b""
        methods = ROUTES.get(urlsplit(self.path).path)
        try:
            if methods is None:
                raise ApiError(404, {"error": "not found"})
            view = methods.get(self.command)
            if view is None:
                raise ApiError(405, {"error": f"method {self.command} not allowed"})
            status, body = view(self)
        except ApiError as exc:
            status, body = exc.status, exc.body
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = dispatch

    def log_message(self, format, *args):  # keep stderr quiet
        pass


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler)
    server.serve_forever()
