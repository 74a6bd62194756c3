"""`duecare serve --workers N` on PostgreSQL: one rate limit across every worker (the `rate_limit_hits` table),
sessions shared, X-Forwarded-Proto believed only from trusted proxies, HSTS then (issue 16 item 6)."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from duecare.kit.db import unit_of_work
from duecare.privacy.auth import create_staff
from duecare.privacy.models import RateHit
from duecare.privacy.security import DatabaseHits, shared_store
from duecare.privacy.sessions import SESSION_COOKIE

from .servers import children, serving

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _hits(url: str, name: str, n: int, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    store = DatabaseHits(url)
    out.put([store.hit(name, "same-key", 5, 60.0) for _ in range(n)])


def test_two_processes_share_one_limit(pg_url: str) -> None:
    """Two processes (two workers) hitting one key at once: exactly `limit` attempts get through."""
    ctx = multiprocessing.get_context("fork")
    out: multiprocessing.Queue = ctx.Queue()  # type: ignore[type-arg]
    procs = [ctx.Process(target=_hits, args=(pg_url, "t-share", 6, out)) for _ in range(2)]
    for p in procs:
        p.start()
    results = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    assert sum(r.count(True) for r in results) == 5
    engine = create_engine(pg_url)
    with engine.connect() as conn:  # only digests are stored, never the key
        keys = conn.execute(select(RateHit.key_hash).distinct()).scalars().all()
    engine.dispose()
    assert keys and all(len(k) == 64 and "same-key" not in k for k in keys)


def test_sqlite_keeps_counting_in_memory(sqlite_url: str) -> None:
    assert shared_store(sqlite_url) is None


def _attempt(base: str, i: int) -> int:
    with httpx.Client(base_url=base, timeout=30) as c:  # a new connection each time: any worker may take it
        csrf = c.get("/auth/csrf").json()["csrf_token"]
        r = c.post("/auth/borrower/verify", data={"phone": "13800009999", "code": f"{i:06d}", "csrf_token": csrf})
        return r.status_code


def test_two_workers_share_rate_limits_sessions_and_trust_only_their_proxies(pg_url: str, tmp_path: Path) -> None:
    env = {"DUECARE_DATA_DIR": str(tmp_path)}
    with serving(pg_url, "--workers", "2", "--proxy-headers", "--forwarded-allow-ips", "127.0.0.1",
                 env=env) as (base, proc):
        deadline = time.monotonic() + 60
        while len(children(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        workers = [c for c in children(proc.pid) if Path(f"/proc/{c}/cmdline").exists()]
        assert len(workers) >= 2, workers  # uvicorn's supervisor and its two worker processes
        codes = [_attempt(base, i) for i in range(16)]
        # LOGIN_PER_ACCOUNT: 10 attempts per (address, number) in 15 minutes, counted once for both workers
        assert codes[:10] == [401] * 10 and set(codes[10:]) == {429}, codes
        engine = create_engine(pg_url)
        with engine.connect() as conn:
            assert (conn.scalar(select(func.count()).select_from(RateHit)) or 0) >= 10
        engine.dispose()
        # a session started on one connection (one worker) is honoured on 8 fresh ones (either worker)
        with unit_of_work(pg_url) as db:
            create_staff(db, id="s-workers", username="workers", password="a long enough password", role="agent")
        with httpx.Client(base_url=base, timeout=30) as c:
            csrf = c.get("/auth/csrf").json()["csrf_token"]
            assert c.post("/auth/login", data={"username": "workers", "password": "a long enough password",
                                               "csrf_token": csrf}).status_code in (200, 303)
            cookie = c.cookies.get(SESSION_COOKIE)
        assert cookie
        for _ in range(8):
            with httpx.Client(base_url=base, timeout=30, cookies={SESSION_COOKIE: cookie}) as fresh:
                assert fresh.get("/console", headers={"accept": "text/html"}).status_code == 200
        # behind a TLS proxy on a trusted address: https, so HSTS
        hsts = httpx.get(f"{base}/healthz", headers={"x-forwarded-proto": "https"}).headers
        assert "max-age=" in hsts.get("strict-transport-security", "")
        assert "strict-transport-security" not in httpx.get(f"{base}/healthz").headers
    # the same header from an address that is not a trusted proxy is ignored: no HSTS
    with serving(pg_url, "--proxy-headers", "--forwarded-allow-ips", "10.9.9.9", env=env) as (base, _):
        assert "strict-transport-security" not in httpx.get(
            f"{base}/healthz", headers={"x-forwarded-proto": "https"}).headers


def test_several_workers_refuse_sqlite(sqlite_url: str) -> None:
    import subprocess
    import sys

    from .servers import SRC

    done = subprocess.run([sys.executable, "-m", "duecare.cli", "serve", "--workers", "2", "--database-url",
                           sqlite_url], env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "PostgreSQL" in done.stderr
