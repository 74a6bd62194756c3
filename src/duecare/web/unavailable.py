"""The database not answering is a 503 with a retry hint, never a 500 (issue 16 item 8).

While PostgreSQL restarts (or is unreachable, or a connection it held is cut), every request that needs it fails
with a driver error: connection refused, the server closing the connection, an admin shutdown, a pool that
cannot hand out a connection in time. None of those is a bug in the request, and the same request succeeds once
the database is back (the engine's pre-ping replaces connections the restart killed). So this pure ASGI
middleware, placed outside everything that touches the database (the session lookup, the shared rate limiter,
the handlers), answers such an error 503 with `Retry-After` — JSON for the API, the error page for a browser —
as long as no response has started. The transaction of that request was rolled back by its unit of work (or
never began); a write the client saw acknowledged was committed before its answer was sent.

Only the error's class names are logged: a driver message can quote the statement and its parameters.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy import exc as sa_exc
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from duecare.kit.i18n import bilingual

log = logging.getLogger("duecare.web")

RETRY_AFTER_S = 5
MESSAGE = "the database is not answering; try again in a few seconds"


def database_unavailable(exc: BaseException) -> bool:
    """A driver error that says the database cannot be reached or dropped the connection (transient)."""
    if isinstance(exc, sa_exc.DBAPIError):
        return bool(exc.connection_invalidated) or isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError)
    # the pool gave no connection in time; a session used after its connection died
    return isinstance(exc, sa_exc.TimeoutError | sa_exc.PendingRollbackError) or (
        isinstance(exc, sa_exc.StatementError) and exc.orig is not None and database_unavailable(exc.orig))


def wants_html(scope: Scope) -> bool:
    for key, value in scope.get("headers", []):
        if key == b"accept":
            return b"text/html" in value
    return False


def error_page(scope: Scope) -> bytes:
    """The app's error page with code 503; a minimal bilingual page if even that cannot be drawn."""
    from duecare.web.templating import render

    try:
        return bytes(render(Request(scope), "error.html", status_code=503, code=503, detail="").body)
    except Exception:  # the page needs nothing from the database, but never let the fallback fail
        log.exception("the 503 page failed to render")
        return (f'<!doctype html><title>503</title><h1 data-testid="error-page">503</h1>'
                f"<p>{bilingual(MESSAGE)}</p>").encode()


class DatabaseUnavailableMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started or not database_unavailable(exc):
                raise
            cause: Any = getattr(exc, "orig", None)
            log.warning("database unavailable on %s %s: %s%s; answered 503", scope.get("method"), scope.get("path"),
                        type(exc).__name__, f" ({type(cause).__name__})" if cause is not None else "")
            if wants_html(scope):
                body, kind = error_page(scope), b"text/html; charset=utf-8"
            else:
                body = json.dumps({"error": bilingual(MESSAGE), "code": "database_unavailable",
                                   "retry_after": RETRY_AFTER_S}, ensure_ascii=False).encode()
                kind = b"application/json"
            await send({"type": "http.response.start", "status": 503,
                        "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode()),
                                    (b"retry-after", str(RETRY_AFTER_S).encode()), (b"cache-control", b"no-store")]})
            await send({"type": "http.response.body", "body": body})
