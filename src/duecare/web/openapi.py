"""The OpenAPI description with every answer an operation can give, added centrally from what each route is.

FastAPI lists a route's success answer and its 422; the rest comes from how the app is built, so it is added
here once rather than in ~160 decorators:
- every operation: 422 (invalid input) and its errors in both forms `web.errors` answers (`ErrorBody` JSON,
  or the HTML error page when the caller asks for text/html);
- a route that needs a permission: 401 (not signed in; a browser is sent to sign in: 303) and 403 (role);
- an unsafe method (POST, PUT, PATCH, DELETE): 403 (CSRF), 404, 409 (state), 413 (body limit), and 303 (a form
  post redirects to its page);
- a path with parameters: 404;
- a signed webhook (contacts, payments): 401 (signature) and 503 (no secret configured);
- the few routes with answers of their own (rate limits, lockouts, providers): `EXTRA` below;
- a page (a handler that returns a rendered `Response` from the console, portal or web pages): its success
  answer is text/html, not JSON.
"""

from __future__ import annotations

import inspect
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response

from duecare.privacy.deps import iter_routes
from duecare.privacy.permissions import PUBLIC
from duecare.web.errors import ErrorBody

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PAGE_MODULES = ("duecare.console", "duecare.portal", "duecare.web")
WEBHOOK_DEPENDENCIES = frozenset({"SignedWebhook", "SignedPaymentCallback"})  # their Requirement classes
REASONS = {
    303: "See Other: a form post went through (or a browser must sign in first)",
    400: "Bad request",
    401: "Not signed in (or, for a webhook, a bad signature)",
    403: "Your role may not do this, or the CSRF token is missing or wrong",
    404: "No such thing, or not yours to see",
    409: "The thing is not in a state that allows this now",
    413: "The body is larger than this route accepts",
    415: "The body is not of a type this route accepts",
    422: "Invalid input",
    423: "Account locked for a while",
    429: "Too many tries: wait and retry",
    503: "Switched off by configuration, or a provider does not answer",
}
# Answers a route gives of its own (rate limits, lockouts, providers, checked formats), by (method, path).
EXTRA: dict[tuple[str, str], frozenset[int]] = {
    ("POST", "/auth/login"): frozenset({401, 423, 429}),
    ("POST", "/auth/totp"): frozenset({401, 429}),
    ("POST", "/auth/totp/setup"): frozenset({429}),
    ("POST", "/auth/borrower/code"): frozenset({429, 503}),
    ("POST", "/auth/borrower/verify"): frozenset({401, 429}),
    ("POST", "/console/signin"): frozenset({401, 423, 429}),
    ("POST", "/portal/signin"): frozenset({429, 503}),
    ("POST", "/portal/signin/verify"): frozenset({401, 429}),
    ("GET", "/portal/pay/{loan_id}"): frozenset({503}),
    ("GET", "/portal/pay/return"): frozenset({404}),  # the intent named is not the borrower's
    ("GET", "/portal/video"): frozenset({404}),  # the signed-in borrower's record is gone
    ("POST", "/portal/pay/{loan_id}"): frozenset({503}),
    ("POST", "/portal/contact-preferences"): frozenset({415}),
    ("POST", "/portal/documents"): frozenset({400, 415}),  # more parts than the form has; not a PDF, JPEG or PNG
    ("POST", "/api/v1/calls:analyze"): frozenset({413}),
    ("POST", "/api/v1/calls:transcribe"): frozenset({413}),
    # a PDF needs a font that covers Chinese (kit/fonts.py): without one installed, 503 naming the package
    ("GET", "/visit-register.pdf"): frozenset({503}),
    ("GET", "/visits/{visit_id}/notice"): frozenset({503}),
    ("GET", "/portal/visits/{visit_id}/notice"): frozenset({503}),
}


def _error_content() -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}},
            "text/html": {"schema": {"type": "string"}}}


def _is_page(endpoint: Any, response_class: Any) -> bool:
    """A handler of the pages that returns a rendered Response (not JSON, not a file it labels itself)."""
    if not str(getattr(endpoint, "__module__", "")).startswith(PAGE_MODULES):
        return False
    returns = inspect.signature(endpoint).return_annotation
    return returns in (Response, "Response") and response_class in (JSONResponse, None) or returns == "str"


def _dependency_names(dependant: Any) -> set[str]:
    call = dependant.call
    names = {getattr(call, "__name__", None) or type(call).__name__}
    for sub in dependant.dependencies:
        names |= _dependency_names(sub)
    return names


def codes_for(method: str, path: str, permission: str | None, *, webhook: bool, page: bool) -> set[int]:
    """Every status code an operation can answer besides its success."""
    codes = {422}
    if permission is not None and permission != PUBLIC:
        codes |= {303, 401, 403}
    if method in UNSAFE:
        codes |= {303, 403, 404, 409, 413}
    if "{" in path:
        codes.add(404)
    if webhook:
        codes |= {401, 503}
    if page:
        codes.add(303)
    return codes | EXTRA.get((method, path), frozenset())


def build(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document with the declared answers (cached on the app like FastAPI's own)."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["ErrorBody"] = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    for info, context in zip(iter_routes(app), _contexts(app), strict=True):
        if not info.is_api or info.path not in schema.get("paths", {}):
            continue
        original = getattr(context, "original_route", context)
        dependant = getattr(original, "dependant", None)
        webhook = dependant is not None and bool(_dependency_names(dependant) & WEBHOOK_DEPENDENCIES)
        response_class = getattr(original, "response_class", None)
        page = _is_page(info.endpoint, getattr(response_class, "value", response_class))  # unwrap FastAPI's default
        for method in info.methods:
            operation = schema["paths"][info.path].get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            if page:
                for status, answer in responses.items():
                    if status.startswith("2"):
                        answer["content"] = {"text/html": {"schema": {"type": "string"}}}
            permission = info.permissions[0] if len(info.permissions) == 1 else None
            for code in sorted(codes_for(method, info.path, permission, webhook=webhook, page=page)):
                if code == 303:
                    responses.setdefault("303", {"description": REASONS[303]})
                    continue
                responses[str(code)] = {"description": REASONS[code], "content": _error_content()}
    schema["components"]["schemas"].pop("HTTPValidationError", None)
    schema["components"]["schemas"].pop("ValidationError", None)
    app.openapi_schema = schema
    return schema


def _contexts(app: FastAPI) -> list[Any]:
    """The app's routes as `iter_routes` walks them (routers FastAPI keeps nested included)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI flattens included routers into app.routes
        return list(app.routes)
    return list(iter_route_contexts(app.routes))


def install(app: FastAPI) -> None:
    """Serve this description at /openapi.json (and to /docs)."""

    def openapi() -> dict[str, Any]:
        return build(app)

    app.openapi = openapi  # type: ignore[method-assign]
