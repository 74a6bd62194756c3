"""A page form whose rules tie fields together, published as the operation's request body.

FastAPI declares a form field by field; a rule over two fields (a limit's `by` depends on its `kind`, a refusal
needs its reasons) is an `anyOf` of the combinations the handler accepts (not `oneOf`: a browser may send two at
once, as the callback-hours form sends its window with the clear button, and the handler takes that too). Such a
route reads `FORM` and declares its body with `openapi_extra=form_body(...)`, so what the schema allows is what
the handler takes.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

URLENCODED = "application/x-www-form-urlencoded"


def field(value: Any, **constraints: Any) -> dict[str, Any]:
    """A string field: `field(["a", "b"])` one of these, `field(None, maxLength=9)` any text within the bounds."""
    return {"type": "string", **({"enum": list(value)} if value is not None else {}), **constraints}


def choices(values: Any) -> dict[str, Any]:
    """A field sent once per ticked box (`days=mon&days=tue`): any of these, each at most once."""
    return {"type": "array", "items": {"type": "string", "enum": list(values)}, "uniqueItems": True}


def variant(required: list[str], **properties: dict[str, Any]) -> dict[str, Any]:
    """One combination of fields the handler accepts."""
    return {"type": "object", "properties": properties, "required": required}


def form_body(*variants: dict[str, Any]) -> dict[str, Any]:
    """`openapi_extra` of a route taking `FORM`: its url-encoded body is exactly one of these variants."""
    schema = variants[0] if len(variants) == 1 else {"type": "object", "anyOf": list(variants)}
    return {"requestBody": {"required": True, "content": {URLENCODED: {"schema": schema}}}}


def text(form: FormData, key: str, limit: int) -> str:
    """A text field of the form (missing or an upload: empty), cut at `limit` characters as the schema bounds it."""
    value = form.get(key)
    return value[:limit] if isinstance(value, str) else ""
