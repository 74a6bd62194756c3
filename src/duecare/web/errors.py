"""The one place errors become answers: JSON for API calls, the HTML error page for pages.

Services raise the kind of error that says what happened (`duecare.kit.errors`: NotFound 404, Conflict and
TransitionError 409, UserError 422, Forbidden 403, TooMany 429, Unavailable 503); FastAPI raises HTTPException
and RequestValidationError. `install(app)` registers one handler for each, so a router never translates errors.

An API caller (no `text/html` in Accept) gets `ErrorBody` JSON: `{"error": message, "code": ..., ...}`, always in
English. A browser gets the error page (`error.html`) with the message in the reader's language (a raised error's
message id translated with its fields filled after, an HTTPException's detail looked up in the catalogs, the
problems of a form as sentences naming each field's label: `web/problems.py`), or the sign-in page for a 401.
Never plain text, never a stack trace or a server path: an unexpected failure is logged and answered with a
bare "internal error".
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from duecare.kit.errors import Message, UserError
from duecare.kit.i18n import translate
from duecare.web.i18n import request_locale
from duecare.web.problems import localised_value, validation_problems
from duecare.web.templating import render

log = logging.getLogger("duecare.web")


class ErrorBody(BaseModel):
    """Every error answer of the API."""

    model_config = ConfigDict(extra="allow")

    error: str = Field(description="What was wrong, in words a person can act on.")
    code: str | None = Field(default=None, description="A stable machine code (e.g. not_found, gate_closed).")
    problems: list[str] | None = Field(default=None, description="Invalid input: one line per field at fault.")
    unmet: list[str] | None = Field(default=None, description="A closed gate: every condition in the way.")
    reasons: list[dict[str, Any]] | None = Field(default=None, description="A refused report: why, per field.")


_PATH = re.compile(r"(?<![\w.])/(?:tmp|home|root|var|srv|opt|usr|private|Users)/[^\s'\"]*")


def _clean(message: str) -> str:
    """A message as shown to a caller: no server paths (a file name alone is kept)."""
    return _PATH.sub(lambda m: m.group(0).rsplit("/", 1)[-1] or "…", message)


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _sign_in_url(request: Request) -> str:
    path = request.url.path
    if path.startswith("/portal"):
        return "/portal/signin"
    return f"/console/signin?next={path}"


def shown(request: Request, what: BaseException | str) -> str:
    """A raised error's message (or a message id) as a page shows it, on the error page or a form shown again with
    why: in the reader's language, codes labelled, no server paths. Text without an id is looked up as it reads."""
    language = request_locale(request)
    if isinstance(what, UserError):
        return _clean(what.in_language(language, localised_value))
    first = what if isinstance(what, str) else what.args[0] if what.args else None
    if isinstance(first, Message):
        return _clean(first.in_language(language, localised_value))
    return _clean(translate(language, str(what))) if str(what) else ""


def answer(request: Request, status: int, message: str, *, code: str | None = None,
           headers: dict[str, str] | None = None, page_message: str | None = None, **extra: Any) -> Response:
    """The error answer for this request: JSON (`message`, English) or the HTML page (`page_message`: the message
    in the reader's language, else `message`); a 401 page sends the browser to sign in."""
    message = _clean(message)
    if not wants_html(request):
        body = {"error": message, **({"code": code} if code else {}), **extra}
        return JSONResponse(body, status_code=status, headers=headers)
    if status == 401:
        return RedirectResponse(_sign_in_url(request), status_code=303)
    detail = message if page_message is None else _clean(page_message)
    try:
        response: Response = render(request, "error.html", status_code=status, code=status, detail=detail)
    except Exception:  # the error page itself failed: a minimal page, never a plain-text trace
        log.exception("the error page failed to render")
        response = HTMLResponse(f'<!doctype html><title>{status}</title><h1 data-testid="error-page">{status}</h1>',
                                status_code=status)
    if headers:
        response.headers.update(headers)
    return response


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail: Any = exc.detail
    headers = dict(exc.headers) if exc.headers else None
    if isinstance(detail, dict):  # {"code", "message", ...}: the same shape as a raised error
        rest = {k: v for k, v in detail.items() if k not in ("code", "message", "error")}
        message = str(detail.get("message") or detail.get("error") or "")
        return answer(request, exc.status_code, message, code=detail.get("code"), headers=headers,
                      page_message=shown(request, message), **rest)
    text = detail if isinstance(detail, str) else str(detail)  # a Message keeps its id for the page
    return answer(request, exc.status_code, text, headers=headers, page_message=shown(request, text))


def _user_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, UserError)
    return answer(request, exc.status, str(exc), code=exc.code, page_message=shown(request, exc), **exc.extra())


def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if wants_html(request):
        lines = validation_problems(exc.errors(), request_locale(request))
        return answer(request, 422, "invalid input", page_message="; ".join(lines))
    problems = [f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors()]
    return answer(request, 422, "invalid input", code="invalid", problems=problems)


def _server_error(request: Request, exc: Exception) -> Response:
    """An unexpected failure: logged with its trace (no personal data in the message), answered without it."""
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    if not wants_html(request):
        return JSONResponse({"error": "internal error"}, status_code=500)
    return answer(request, 500, "")


def install(app: FastAPI) -> None:
    """Register the handlers on an app (the app shell does; so can a test app of one router)."""
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(UserError, _user_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _server_error)
