"""Invoice totals API with aiohttp; a middleware turns aiohttp's text 404/405 into JSON."""

import json
import os
import re
from decimal import ROUND_HALF_UP, Decimal

from aiohttp import web

CENT = Decimal("0.01")
PRICE = re.compile(r"[0-9]+(\.[0-9]{1,2})?")
CURRENCY = re.compile(r"[A-Z]{3}")
MAX_ITEMS = 100

routes = web.RouteTableDef()


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


@web.middleware
async def json_errors(request, handler):
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return web.json_response({"error": exc.reason}, status=exc.status)


@routes.get("/health")
async def health(request):
    return web.json_response({"status": "ok"})


@routes.post("/invoices/total")
async def invoices_total(request):
    if request.content_type != "application/json":
        return web.json_response({"error": "Content-Type must be application/json"}, status=415)
    try:
        data = json.loads(await request.read())
    except ValueError:
        return web.json_response({"error": "the body is not valid JSON"}, status=400)
    if not isinstance(data, dict):
        return web.json_response({"error": "the body must be a JSON object"}, status=400)
    errors = validate(data)
    if errors:
        return web.json_response({"errors": errors}, status=422)

    items = data["items"]
    subtotal = sum((Decimal(it["unit_price"]) * it["quantity"] for it in items), Decimal(0))
    percent = Decimal(str(data.get("discount_percent", 0)))
    discount = (subtotal * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return web.json_response({
        "currency": data.get("currency", "USD"),
        "item_count": sum(it["quantity"] for it in items),
        "subtotal": money(subtotal),
        "discount": money(discount),
        "total": money(subtotal - discount),
    })


def make_app():
    app = web.Application(middlewares=[json_errors])
    app.add_routes(routes)
    return app


if __name__ == "__main__":
    web.run_app(make_app(), host="127.0.0.1", port=int(os.environ["PORT"]), print=None)
