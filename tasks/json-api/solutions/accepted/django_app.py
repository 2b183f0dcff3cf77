"""Invoice totals API with Django in one file: settings, URLconf and views, served by wsgiref.

Run as `python solution.py` with PORT set. There is no middleware (so no CSRF check on the
JSON POST), and handler404 plus View.http_method_not_allowed keep 404 and 405 JSON.
"""

import json
import os
import re
import sys
from decimal import ROUND_HALF_UP, Decimal
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="not-secret: nothing here is signed",
    ROOT_URLCONF=__name__,
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    USE_TZ=True,
)

from django.core.wsgi import get_wsgi_application  # noqa: E402  (after settings)
from django.http import JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views import View  # noqa: E402

CENT = Decimal("0.01")
PRICE = re.compile(r"[0-9]+(\.[0-9]{1,2})?")
CURRENCY = re.compile(r"[A-Z]{3}")
MAX_ITEMS = 100


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
        prefix = f"items[{i}]"
        if not isinstance(item, dict):
            fail(prefix, "must be an object")
            continue
        sku = item.get("sku")
        if not isinstance(sku, str) or not 1 <= len(sku) <= 32 or not sku.strip():
            fail(f"{prefix}.sku", "must be 1 to 32 characters, not only whitespace")
        price = item.get("unit_price")
        if not isinstance(price, str) or not PRICE.fullmatch(price):
            fail(f"{prefix}.unit_price", "must be a decimal string such as \"12.50\"")
        quantity = item.get("quantity")
        if not is_int(quantity) or not 1 <= quantity <= 1000:
            fail(f"{prefix}.quantity", "must be an integer from 1 to 1000")
    return errors


def money(amount):
    return format(amount.quantize(CENT), "f")


class JsonView(View):
    def http_method_not_allowed(self, request, *args, **kwargs):
        return JsonResponse({"error": f"method {request.method} not allowed"}, status=405)


class HealthView(JsonView):
    def get(self, request):
        return JsonResponse({"status": "ok"})


class InvoiceTotalView(JsonView):
    def post(self, request):
        if request.content_type != "application/json":
            return JsonResponse({"error": "Content-Type must be application/json"}, status=415)
        try:
            data = json.loads(request.body)
        except ValueError:
            return JsonResponse({"error": "the body is not valid JSON"}, status=400)
        if not isinstance(data, dict):
            return JsonResponse({"error": "the body must be a JSON object"}, status=400)
        errors = validate(data)
        if errors:
            return JsonResponse({"errors": errors}, status=422)

        items = data["items"]
        subtotal = sum((Decimal(it["unit_price"]) * it["quantity"] for it in items), Decimal(0))
        percent = Decimal(str(data.get("discount_percent", 0)))
        discount = (subtotal * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        return JsonResponse({
            "currency": data.get("currency", "USD"),
            "item_count": sum(it["quantity"] for it in items),
            "subtotal": money(subtotal),
            "discount": money(discount),
            "total": money(subtotal - discount),
        })


def not_found(request, exception):
    return JsonResponse({"error": "not found"}, status=404)


urlpatterns = [
    path("health", HealthView.as_view()),
    path("invoices/total", InvoiceTotalView.as_view()),
]
handler404 = not_found


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


if __name__ == "__main__":
    port = int(os.environ["PORT"])
    httpd = make_server("127.0.0.1", port, get_wsgi_application(),
                        server_class=ThreadingWSGIServer, handler_class=QuietHandler)
    print(f"serving on http://127.0.0.1:{port}", file=sys.stderr)
    httpd.serve_forever()
