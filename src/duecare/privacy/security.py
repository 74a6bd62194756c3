"""Security headers on every response, the pre-sign-in CSRF cookie, and in-process rate limits."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.datastructures import MutableHeaders

from duecare.privacy.sessions import CSRF_COOKIE

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]
]

DEFAULT_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class SecurityMiddleware:
    """Pure ASGI: adds the headers below and, if a page asked for one, the double-submit CSRF cookie."""

    def __init__(self, app: ASGIApp, csp: str = DEFAULT_CSP, hsts: bool = True) -> None:
        self.app, self.csp, self.hsts = app, csp, hsts

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        https = scope.get("scheme") == "https"
        path: str = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                h = MutableHeaders(scope=message)
                h.setdefault("Content-Security-Policy", self.csp)
                h.setdefault("X-Content-Type-Options", "nosniff")
                h.setdefault("X-Frame-Options", "DENY")
                h.setdefault("Referrer-Policy", "no-referrer")  # one-time sign-in links must not leak
                h.setdefault("Permissions-Policy", "camera=(), microphone=(), payment=()")
                h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
                if not path.startswith("/static"):
                    h.setdefault("Cache-Control", "no-store")  # pages carry personal data
                if https and self.hsts:
                    h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
                token = state.get("new_csrf_cookie")
                if token:
                    secure = "; Secure" if https else ""
                    h.append("Set-Cookie", f"{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax{secure}")
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RateLimiter:
    """Sliding-window counter per key, in process memory (one web process; see the threat model)."""

    def __init__(self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window_s, clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> bool:
        """Count one attempt; False if the key is over its limit (the attempt is refused)."""
        t = self.clock()
        with self._lock:
            q = self._hits.setdefault(key, deque())
            while q and q[0] <= t - self.window:
                q.popleft()
            if len(q) >= self.limit:
                return False
            q.append(t)
            if len(self._hits) > 100_000:  # bound memory under a spray attack
                self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > t - self.window}
            return True

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()


# Sign-in: per IP and account, and per IP alone (password spraying across accounts).
LOGIN_PER_ACCOUNT = RateLimiter(limit=10, window_s=15 * 60)
LOGIN_PER_IP = RateLimiter(limit=50, window_s=15 * 60)
# Borrower codes: each request sends a message, so fewer.
CODE_PER_ACCOUNT = RateLimiter(limit=3, window_s=10 * 60)
CODE_PER_IP = RateLimiter(limit=20, window_s=10 * 60)
# ... and per number across every address: five addresses cannot flood one phone with codes.
CODE_PER_PHONE = RateLimiter(limit=3, window_s=10 * 60)


# Failures and lockouts of usernames that do not exist: they lock like real ones (privacy.auth), in memory.
GHOST_LOCKS: dict[str, tuple[int, Any]] = {}


def reset_limits() -> None:
    for limiter in (LOGIN_PER_ACCOUNT, LOGIN_PER_IP, CODE_PER_ACCOUNT, CODE_PER_IP, CODE_PER_PHONE):
        limiter.reset()
    GHOST_LOCKS.clear()
