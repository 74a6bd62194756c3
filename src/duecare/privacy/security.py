"""Security headers on every response, the pre-sign-in CSRF cookie, and rate limits.

Rate limits count in process memory for one process (SQLite, tests), or in the database table
`rate_limit_hits` when the app runs on PostgreSQL, so `duecare serve --workers N` enforces one limit across
every worker (`shared_store`, kept by the app factory in `app.state.rate_store`)."""

from __future__ import annotations

import contextvars
import hashlib
import random
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
        app_state = getattr(scope.get("app"), "state", None)
        store_token = _current.set(getattr(app_state, "rate_store", None))
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

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            _current.reset(store_token)


class DatabaseHits:
    """Every limiter's hits in one table of the shared database: one limit across every web worker.

    A hit is one short transaction of its own (committed whatever the request does next). On PostgreSQL a
    transaction-scoped advisory lock on the key serialises concurrent hits of one key, so N workers never let
    more than `limit` attempts through in a window. Keys are stored as SHA-256 digests only."""

    SWEEP_EVERY = 500  # about one hit in this many also drops every expired row

    def __init__(self, url: str) -> None:
        from duecare.kit.db import get_engine

        self.engine = get_engine(url)
        self.postgres = self.engine.dialect.name == "postgresql"
        self.horizon = 3600.0  # the longest window of any limiter (sweeps keep rows this long)

    def hit(self, name: str, key: str, limit: int, window_s: float) -> bool:
        from sqlalchemy import delete, func, insert, select, text

        from duecare.privacy.models import RateHit

        digest = hashlib.sha256(f"{name}|{key}".encode()).hexdigest()
        t = time.time()
        self.horizon = max(self.horizon, window_s)
        with self.engine.begin() as conn:
            if self.postgres:
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"),
                             {"k": int.from_bytes(bytes.fromhex(digest[:16]), "big", signed=True)})
            conn.execute(delete(RateHit).where(RateHit.key_hash == digest, RateHit.at <= t - window_s))
            used = conn.scalar(select(func.count()).select_from(RateHit).where(RateHit.key_hash == digest)) or 0
            if used >= limit:
                return False
            conn.execute(insert(RateHit).values(key_hash=digest, at=t))
            if random.random() < 1 / self.SWEEP_EVERY:  # noqa: S311 - load spreading, not security
                conn.execute(delete(RateHit).where(RateHit.at <= t - self.horizon))
        return True

    def recent(self, name: str, key: str, window_s: float) -> list[float]:
        """The key's hits inside the window, oldest first (for 'tries left' and 'try again in')."""
        from sqlalchemy import select

        from duecare.privacy.models import RateHit

        digest = hashlib.sha256(f"{name}|{key}".encode()).hexdigest()
        with self.engine.begin() as conn:
            return sorted(conn.scalars(select(RateHit.at).where(RateHit.key_hash == digest,
                                                               RateHit.at > time.time() - window_s)))

    def failure(self, name: str, key: str, max_failures: int, lockout_s: float) -> float | None:
        """Count one failed sign-in of `key`; the wall-clock time its lock ends when it is (or becomes) locked.

        Two kinds of rows of the same table: failures (`name|fail|key`) and locks (`name|lock|key`). A lock lasts
        `lockout_s`; failures count from the last lock on, like a real account's counter (reset when it locks).
        One transaction under the key's advisory lock, so two workers never both miss the fifth failure."""
        from sqlalchemy import delete, func, insert, select, text

        from duecare.privacy.models import RateHit

        fail = hashlib.sha256(f"{name}|fail|{key}".encode()).hexdigest()
        lock = hashlib.sha256(f"{name}|lock|{key}".encode()).hexdigest()
        t = time.time()
        self.horizon = max(self.horizon, lockout_s)
        with self.engine.begin() as conn:
            if self.postgres:
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"),
                             {"k": int.from_bytes(bytes.fromhex(fail[:16]), "big", signed=True)})
            locked_at = conn.scalar(select(func.max(RateHit.at)).where(RateHit.key_hash == lock,
                                                                      RateHit.at > t - lockout_s))
            if locked_at is not None:
                return float(locked_at) + lockout_s
            conn.execute(delete(RateHit).where(RateHit.key_hash == fail, RateHit.at <= t - self.horizon))
            count = conn.scalar(select(func.count()).select_from(RateHit).where(RateHit.key_hash == fail)) or 0
            if count + 1 >= max_failures:
                conn.execute(delete(RateHit).where(RateHit.key_hash.in_([fail, lock])))
                conn.execute(insert(RateHit).values(key_hash=lock, at=t))
                return t + lockout_s
            conn.execute(insert(RateHit).values(key_hash=fail, at=t))
        return None

    def reset(self) -> None:
        from sqlalchemy import delete

        from duecare.privacy.models import RateHit

        with self.engine.begin() as conn:
            conn.execute(delete(RateHit))


_stores: list[DatabaseHits] = []  # every store made, so reset_limits() can clear them (tests)
_current: contextvars.ContextVar[DatabaseHits | None] = contextvars.ContextVar("duecare_rate_store", default=None)


def shared_store(url: str | None) -> DatabaseHits | None:
    """The store an app on `url` counts in: the database when it is PostgreSQL (several workers), else None
    (process memory). The app keeps it in `app.state.rate_store`; SecurityMiddleware makes it current."""
    if not url or not url.startswith("postgresql"):
        return None
    store = DatabaseHits(url)
    _stores.append(store)
    return store


class RateLimiter:
    """Sliding-window counter per key: in the shared database store when one is set, else in process memory."""

    _names: dict[str, int] = {}

    def __init__(self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic,
                 name: str | None = None) -> None:
        self.limit, self.window, self.clock = limit, window_s, clock
        self.name = name or f"limiter-{len(RateLimiter._names)}"
        RateLimiter._names[self.name] = limit
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> bool:
        """Count one attempt; False if the key is over its limit (the attempt is refused)."""
        store = _current.get()
        if store is not None and self.clock is time.monotonic:  # an injected clock (tests) keeps memory
            return store.hit(self.name, key, self.limit, self.window)
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

    def _recent(self, key: str) -> tuple[list[float], float]:
        """The key's hits inside the window, oldest first, and the clock reading they compare with."""
        store = _current.get()
        if store is not None and self.clock is time.monotonic:
            return store.recent(self.name, key, self.window), time.time()
        t = self.clock()
        with self._lock:
            return [h for h in self._hits.get(key, ()) if h > t - self.window], t

    def remaining(self, key: str) -> int:
        """How many more attempts the key has in the current window."""
        return max(self.limit - len(self._recent(key)[0]), 0)

    def retry_after(self, key: str) -> float:
        """Seconds until the key may try again (0 when it may now)."""
        q, t = self._recent(key)
        return 0.0 if len(q) < self.limit else max(q[len(q) - self.limit] + self.window - t, 0.0)

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()


# Sign-in: per IP and account, and per IP alone (password spraying across accounts).
LOGIN_PER_ACCOUNT = RateLimiter(limit=10, window_s=15 * 60, name="login-account")
LOGIN_PER_IP = RateLimiter(limit=50, window_s=15 * 60, name="login-ip")
# Borrower codes: each request sends a message, so fewer.
CODE_PER_ACCOUNT = RateLimiter(limit=3, window_s=10 * 60, name="code-account")
CODE_PER_IP = RateLimiter(limit=20, window_s=10 * 60, name="code-ip")
# ... and per number across every address: five addresses cannot flood one phone with codes.
CODE_PER_PHONE = RateLimiter(limit=3, window_s=10 * 60, name="code-phone")


class Lockout:
    """Failed sign-ins of names that are not accounts, locked like real accounts (privacy.auth) so the lockout
    answer does not tell who exists: in the shared database store when one is set (every worker sees the same
    count and lock), else in process memory. Times are wall-clock seconds."""

    def __init__(self, name: str, max_failures: int, lockout_s: float) -> None:
        self.name, self.max_failures, self.lockout_s = name, max_failures, lockout_s
        self._memory: dict[str, tuple[int, float | None]] = {}
        self._lock = threading.Lock()

    def failure(self, key: str) -> float | None:
        """Count one failure of `key`; the time its lock ends if it is (or just became) locked, else None."""
        store = _current.get()
        if store is not None:
            return store.failure(self.name, key, self.max_failures, self.lockout_s)
        t = time.time()
        with self._lock:
            count, until = self._memory.get(key, (0, None))
            if until is not None and until > t:
                return until
            if len(self._memory) > 100_000:  # bound memory under a spray
                self._memory.clear()
            if count + 1 >= self.max_failures:
                self._memory[key] = (0, t + self.lockout_s)
                return t + self.lockout_s
            self._memory[key] = (count + 1, None)
            return None

    def reset(self) -> None:
        with self._lock:
            self._memory.clear()


# Failures and lockouts of usernames that do not exist (5 failures lock for 15 minutes, as privacy.auth does).
GHOST_LOCKS = Lockout("ghost-login", max_failures=5, lockout_s=15 * 60)


def reset_limits() -> None:
    for limiter in (LOGIN_PER_ACCOUNT, LOGIN_PER_IP, CODE_PER_ACCOUNT, CODE_PER_IP, CODE_PER_PHONE):
        limiter.reset()
    GHOST_LOCKS.reset()
    for store in _stores:
        try:
            store.reset()
        except Exception:  # noqa: BLE001 - a test database that is gone has nothing left to reset
            continue
