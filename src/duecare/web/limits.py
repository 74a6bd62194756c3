"""Request body limits, checked while the body streams in: nothing larger than the limit is read or written.

JSON and form bodies may be at most `MAX_BODY_BYTES` and JSON at most `MAX_JSON_DEPTH` levels deep (checked
before any parser sees it); multipart uploads at most `MAX_UPLOAD_BYTES`, and only with a session cookie. A declared Content-Length over the
limit is answered 413 at once; a body that grows past it while streaming stops the read with 413.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from duecare.kit.bounds import MAX_BODY_BYTES, MAX_UPLOAD_BYTES, UPLOAD_LIMITS, depth_error
from duecare.kit.i18n import bilingual
from duecare.privacy.sessions import SESSION_COOKIE


class BodyTooLarge(HTTPException):
    """Raised inside `receive` when the streamed body passes its limit (the app's handlers answer it 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _too_large(limit)["error"])


async def _answer(send: Send, status: int, payload: dict[str, Any]) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def _too_large(limit: int) -> dict[str, Any]:
    return {"error": bilingual("request body larger than {mb} MB", mb=limit // (1024 * 1024))}


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        content_type = headers.get("content-type", "").lower()
        limit = MAX_UPLOAD_BYTES if content_type.startswith("multipart/") else MAX_BODY_BYTES
        limit = min(limit, UPLOAD_LIMITS.get(scope.get("path", ""), limit))
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _answer(send, 413, _too_large(limit))
            return
        if content_type.startswith("multipart/") and f"{SESSION_COOKIE}=" not in headers.get("cookie", ""):
            # every upload route needs a signed-in user: nobody else gets 50 MB read (and spooled) first
            await _answer(send, 401, {"error": bilingual("sign in to upload")})
            return
        if "json" in content_type:
            await self._json(scope, receive, send, limit)
            return
        await self._streamed(scope, receive, send, limit)

    async def _json(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Read the whole (bounded) JSON body, refuse it if too deep, then hand it on unchanged."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _answer(send, 413, _too_large(limit))
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        problem = depth_error(body)
        if problem:
            await _answer(send, 422, {"error": "invalid input", "problems": [f"body: {problem}"]})
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _streamed(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Count bytes as the app reads them; past the limit the read fails and the answer is 413."""
        size = 0
        started = False

        async def counted() -> Message:
            nonlocal size
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if not started:
                await _answer(send, 413, _too_large(limit))
