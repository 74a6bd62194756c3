"""The overload refusal is cheap (issue 16 item 6): its page and JSON are made once, when the app is made, and a
refusal renders no template and sends no SQL. The app here is the real one on SQLite; a request is held in flight
the way a slow client holds it (its answer is not read: the app waits in `send`), so the next one is refused.
The multi-worker behaviour on PostgreSQL is tests/faults/test_admission.py."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import event

from duecare.app.factory import create_app
from duecare.kit.db import get_engine
from duecare.web import templating
from duecare.web.admission import DEFAULT_LIMIT, OverloadAnswers, pool_capacity
from duecare.web.errors import ErrorBody


def _scope(path: str, headers: dict[str, str]) -> dict[str, Any]:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
            "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
            "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
            "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80)}


async def _call(app: Any, path: str, headers: dict[str, str], hold: asyncio.Event | None = None,
                waiting: asyncio.Event | None = None) -> tuple[int, dict[bytes, bytes], bytes]:
    """One request through the whole ASGI app; with `hold`, its answer is not taken until the event is set
    (`waiting` is set when the app starts to wait)."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if hold is not None and message["type"] == "http.response.start":
            if waiting is not None:
                waiting.set()
            await hold.wait()
        sent.append(message)

    await app(_scope(path, headers), receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], dict(start["headers"]), body


def test_the_default_limit_is_the_database_pool(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DUECARE_MAX_IN_FLIGHT", raising=False)
    app = create_app(sqlite_url)
    engine = get_engine(sqlite_url)
    assert app.state.max_in_flight == pool_capacity(engine) == engine.pool.size() + engine.pool._max_overflow  # type: ignore[attr-defined]
    assert app.state.max_in_flight == DEFAULT_LIMIT  # SQLAlchemy's QueuePool: 5 + 10
    monkeypatch.setenv("DUECARE_MAX_IN_FLIGHT", "4")
    assert create_app(sqlite_url).state.max_in_flight == 4


def test_a_refusal_sends_the_prerendered_page_or_error_body_without_templates_or_sql(
        sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUECARE_MAX_IN_FLIGHT", "1")
    monkeypatch.setenv("DUECARE_OVERLOAD_RETRY_AFTER", "3")
    app = create_app(sqlite_url)
    answers: OverloadAnswers = app.state.overload_answers
    assert set(answers.pages) == {"zh_CN", "en"} and answers.retry_after_s == 3

    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    def no_templates(*_: Any, **__: Any) -> Any:
        raise AssertionError("a template was rendered for a refusal")

    async def scenario() -> list[tuple[int, dict[bytes, bytes], bytes]]:
        hold, waiting = asyncio.Event(), asyncio.Event()
        held = asyncio.create_task(_call(app, "/portal/signin", {"accept": "text/html"}, hold, waiting))
        await asyncio.wait_for(waiting.wait(), 120)  # its page is rendered, its answer not taken: still in flight
        assert _in_flight(app) == 1
        engine = get_engine(sqlite_url)
        event.listen(engine, "before_cursor_execute", count)
        monkeypatch.setattr(templating, "render", no_templates)
        monkeypatch.setattr(templating, "environment", no_templates)
        try:
            refused = [
                await _call(app, "/console/cases/B1", {"accept": "text/html"}),
                await _call(app, "/portal/loans/L-1", {"accept": "text/html,*/*", "accept-language": "en-GB,en"}),
                await _call(app, "/console/cases/B 2", {"accept": "text/html", "cookie": "x=1; duecare_lang=en",
                                                          "accept-language": "zh-CN"}),
                await _call(app, "/api/v1/decisions:evaluate", {"accept": "application/json"}),
            ]
        finally:
            event.remove(engine, "before_cursor_execute", count)
            monkeypatch.undo()
        hold.set()
        status, _, _ = await held
        assert status == 200
        return refused

    refused = asyncio.run(scenario())
    assert statements == []
    assert [r[0] for r in refused] == [503, 503, 503, 503]
    for _, headers, body in refused:
        assert headers[b"retry-after"] == b"3"
        assert headers[b"cache-control"] == b"no-store"
        assert headers[b"content-length"] == str(len(body)).encode()
    zh, en, en_cookie, api = refused
    assert zh[1][b"content-type"].startswith(b"text/html")
    assert b'<html lang="zh-CN">' in zh[2] and b'data-testid="error-page"' in zh[2]
    assert "服务器繁忙".encode() in zh[2]
    assert b"next=/console/cases/B1" in zh[2]  # the language link leads back to the refused page
    assert b'<html lang="en">' in en[2] and b"the server is busy" in en[2] and b"next=/portal/loans/L-1" in en[2]
    assert b'<html lang="en">' in en_cookie[2] and b"next=/console/cases/B%202" in en_cookie[2]
    assert en[2] == answers.pages["en"].replace(b"/__duecare_refused_path__", b"/portal/loans/L-1")
    assert api[1][b"content-type"] == b"application/json"
    error = ErrorBody.model_validate_json(api[2])
    assert error.code == "overloaded" and error.model_extra == {"retry_after": 3}
    assert "服务器繁忙" in error.error and "the server is busy" in error.error


def _in_flight(app: Any) -> int:
    """The admission middleware's counter, found in the built middleware stack."""
    layer = app.middleware_stack
    while layer is not None:
        if type(layer).__name__ == "AdmissionMiddleware":
            return int(layer.in_flight)
        layer = getattr(layer, "app", None)
    return -1
