"""'Tries left' and 'try again in' read the same counts the limit uses: process memory, or the shared
database store of `serve --workers` (the portal's sign-in page shows both to a borrower who mistyped a code)."""

from __future__ import annotations

from duecare.privacy import security
from duecare.privacy.security import DatabaseHits, RateLimiter


def _check(limiter: RateLimiter) -> None:
    assert limiter.remaining("k") == 3 and limiter.retry_after("k") == 0.0
    assert limiter.hit("k") and limiter.hit("k")
    assert limiter.remaining("k") == 1 and limiter.retry_after("k") == 0.0
    assert limiter.hit("k") and not limiter.hit("k")
    assert limiter.remaining("k") == 0 and 0 < limiter.retry_after("k") <= 60
    assert limiter.remaining("other") == 3


def test_in_process_memory() -> None:
    _check(RateLimiter(limit=3, window_s=60, name="t-left-memory"))


def test_in_the_shared_database_store(sqlite_url: str) -> None:
    token = security._current.set(DatabaseHits(sqlite_url))
    try:
        limiter = RateLimiter(limit=3, window_s=60, name="t-left-db")
        _check(limiter)
        assert limiter._hits == {}  # counted in the database, not in this process
    finally:
        security._current.reset(token)
