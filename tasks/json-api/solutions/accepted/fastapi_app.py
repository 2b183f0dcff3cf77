"""Invoice totals API with FastAPI + uvicorn, validated by a strict pydantic model.

The body is read by hand rather than declared as a parameter, because FastAPI's own body
handling answers 422 for malformed JSON and for a wrong Content-Type, where the contract wants
400 and 415. FastAPI's default 404 and 405 responses are already JSON.
"""

import json
import os
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError, field_validator

CENT = Decimal("0.01")

app = FastAPI()


class Item(BaseModel):
    sku: Annotated[str, Field(min_length=1, max_length=32)]
    unit_price: Annotated[str, Field(pattern=r"^[0-9]+(\.[0-9]{1,2})?$")]
    quantity: Annotated[int, Field(ge=1, le=1000)]

    @field_validator("sku")
    @classmethod
    def not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be only whitespace")
        return value


class InvoiceRequest(BaseModel):
    # Strict: no "12" -> 12, no true -> 1, no 2.0 -> 2. Unknown keys are ignored (the default).
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USD"
    discount_percent: Annotated[float, Field(ge=0, le=100)] = 0
    items: Annotated[list[Item], Field(min_length=1, max_length=100)]


def field_path(loc) -> str:
    """("items", 0, "quantity") -> "items[0].quantity"."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def money(amount: Decimal) -> str:
    return format(amount.quantize(CENT), "f")


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


@app.get("/health")
async def health():
    return {"status": "ok"}


@app.post("/invoices/total")
async def invoices_total(request: Request):
    media_type = request.headers.get("content-type", "").split(";")[0].strip()
    if media_type != "application/json":
        return error(415, "Content-Type must be application/json")
    try:
        data = json.loads(await request.body())
    except ValueError:
        return error(400, "the body is not valid JSON")
    if not isinstance(data, dict):
        return error(400, "the body must be a JSON object")
    try:
        invoice = InvoiceRequest.model_validate(data, strict=True)
    except ValidationError as exc:
        errors, seen = [], set()
        for err in exc.errors():
            path = field_path(err["loc"])
            if path not in seen:  # one entry per field
                seen.add(path)
                errors.append({"field": path, "message": err["msg"]})
        return JSONResponse({"errors": errors}, status_code=422)

    subtotal = sum((Decimal(it.unit_price) * it.quantity for it in invoice.items), Decimal(0))
    percent = Decimal(str(invoice.discount_percent))
    discount = (subtotal * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return {
        "currency": invoice.currency,
        "item_count": sum(it.quantity for it in invoice.items),
        "subtotal": money(subtotal),
        "discount": money(discount),
        "total": money(subtotal - discount),
    }


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(os.environ["PORT"]), log_level="warning")
