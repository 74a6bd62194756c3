"""Admission control: a worker serves a bounded number of requests at once; beyond that it answers 503 at once
(issue 16).

Without a bound, a worker under more load than it can serve accepts every request; they wait for a database
connection (each worker's pool holds a few), time out after 30 s and are answered 503 anyway, having cost the
waiting, the memory and every other request's latency. So this pure ASGI middleware counts the requests in
flight in its worker (one event loop: a plain counter) and, past the limit, answers straight away with 503 and
`Retry-After` — the error page for a browser, the API's error JSON (`code: overloaded`) otherwise — before the
request reads its body, looks up its session or touches the database. The refusal is cheap and honest; the
requests admitted keep their latency.

The limit (`DUECARE_MAX_IN_FLIGHT`) defaults to the worker's database pool: its size plus its overflow (15
with SQLAlchemy's defaults), so an admitted request never waits for a connection. `/healthz` (the load
balancer's probe) and `/static` (files: no database) are never refused, and WebSocket connections are not
counted. Refusals are logged at most once a second, with how many there were (no request details).

A refusal must cost less than the request it turns away, so its answers are built once, when the app is made
(`OverloadAnswers`): the error page rendered once per language (`zh_CN`, `en`) and the API's `ErrorBody` JSON
encoded once. At refusal time the middleware only picks the language from the cookie or Accept-Language
header, writes the refused path into the page's language links (percent-encoded) and sends the bytes: no
template, no session, no database.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Receive, Scope, Send

from duecare.kit.i18n import LANG_COOKIE, LOCALES, bilingual, choose_locale, translate
from duecare.web.unavailable import wants_html

log = logging.getLogger("duecare.web")

MESSAGE = "the server is busy; try again in a moment"
EXEMPT_PREFIXES = ("/healthz", "/static/")
DEFAULT_LIMIT = 15  # SQLAlchemy's QueuePool defaults: pool_size 5 + max_overflow 10
_PATH_MARK = "/__duecare_refused_path__"  # rendered into the language links, replaced by the refused path


@dataclass(frozen=True)
class OverloadAnswers:
    """The bodies of a refusal, made once: the 503 page per locale and the API's error JSON."""

    pages: dict[str, bytes]
    api: bytes
    retry_after_s: int

    @classmethod
    def build(cls, retry_after_s: int) -> OverloadAnswers:
        from starlette.requests import Request

        from duecare.web.errors import ErrorBody
        from duecare.web.templating import render

        pages = {}
        for locale in LOCALES:
            scope = {"type": "http", "method": "GET", "path": _PATH_MARK, "query_string": b"", "root_path": "",
                     "scheme": "http", "server": ("localhost", 80),
                     "headers": [(b"cookie", f"{LANG_COOKIE}={locale}".encode())]}
            # no session, no actor, no demo clock: the same page for everyone refused in this language
            page = render(Request(scope), "error.html", status_code=503, code=503,
                          detail=translate(locale, MESSAGE), demo_now=None)
            pages[locale] = bytes(page.body)
        body = ErrorBody.model_validate({"error": bilingual(MESSAGE), "code": "overloaded", "retry_after": retry_after_s})
        api = json.dumps(body.model_dump(exclude_none=True), ensure_ascii=False).encode()
        return cls(pages=pages, api=api, retry_after_s=retry_after_s)

    def page(self, scope: Scope) -> bytes:
        """The page in the reader's language, its language links back to the refused path."""
        cookie, accept = "", ""
        for key, value in scope.get("headers", []):
            if key == b"cookie":
                cookie = value.decode("latin-1")
            elif key == b"accept-language":
                accept = value.decode("latin-1")
        chosen = cookie_parser(cookie).get(LANG_COOKIE) if LANG_COOKIE in cookie else None
        page = self.pages[choose_locale(chosen, accept)]
        return page.replace(_PATH_MARK.encode(), quote(str(scope.get("path") or "/"), safe="/").encode())


def pool_capacity(engine: Any) -> int:
    """The connections a worker's engine can hand out at once (pool size + overflow); the default when the pool
    does not say (SQLite's pools, NullPool)."""
    pool = getattr(engine, "pool", None)
    size = getattr(pool, "size", None)
    overflow = getattr(pool, "_max_overflow", None)
    if not callable(size) or not isinstance(overflow, int):
        return DEFAULT_LIMIT
    total = int(size()) + max(overflow, 0)
    return total if total > 0 else DEFAULT_LIMIT


class AdmissionMiddleware:
    """Answer 503 + Retry-After at once when `limit` requests are already in flight in this worker (0: no limit)."""

    def __init__(self, app: ASGIApp, limit: int, answers: OverloadAnswers) -> None:
        self.app, self.limit, self.answers = app, limit, answers
        self.retry_after = str(answers.retry_after_s).encode()
        self.in_flight = 0
        self.refused = 0  # since the process started (the log line reports it)
        self._logged_at = 0.0
        self._logged_refused = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.limit <= 0 or str(scope.get("path", "")).startswith(EXEMPT_PREFIXES):
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            await self._refuse(scope, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1

    async def _refuse(self, scope: Scope, send: Send) -> None:
        self.refused += 1
        now = time.monotonic()
        if now - self._logged_at >= 1.0:
            log.warning("overloaded: %d requests in flight (limit %d); refused %d with 503 since the last report",
                        self.in_flight, self.limit, self.refused - self._logged_refused)
            self._logged_at, self._logged_refused = now, self.refused
        if wants_html(scope):
            body, kind = self.answers.page(scope), b"text/html; charset=utf-8"
        else:
            body, kind = self.answers.api, b"application/json"
        await send({"type": "http.response.start", "status": 503,
                    "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode()),
                                (b"retry-after", self.retry_after), (b"cache-control", b"no-store")]})
        await send({"type": "http.response.body", "body": body})

