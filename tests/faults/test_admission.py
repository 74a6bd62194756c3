"""Admission control on `duecare serve --workers 2` with PostgreSQL (issue 16): more slow requests than a worker
may hold are answered 503 with `Retry-After` at once, never 500, `/healthz` still answers, and the service is
normal once the slowness ends. Real processes on loopback, a PostgreSQL cluster of the test's own.

The requests are made slow for real: the test holds an ACCESS EXCLUSIVE lock on `auth_sessions`, so every
signed-in request waits in the database for its session row. With `DUECARE_MAX_IN_FLIGHT=3` the two workers
admit at most 6 of them; the others must be refused while the lock is still held (before anything was released:
an order of events, not a timing)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from duecare.privacy.sessions import SESSION_COOKIE

from .pgcluster import pg_bin
from .test_server_faults import _database, _seed, cluster, serving  # noqa: F401 (the cluster fixture)

pytestmark = [pytest.mark.postgres, pytest.mark.slow,
              pytest.mark.skipif(pg_bin() is None, reason="PostgreSQL binaries not found")]

LIMIT, WORKERS, CLIENTS = 3, 2, 24


def test_more_slow_requests_than_the_limit_get_fast_503s_and_service_resumes(cluster, tmp_path: Path) -> None:  # noqa: F811
    url = _database(cluster)
    token, _ = _seed(url)
    cookie = {"cookie": f"{SESSION_COOKIE}={token}"}
    answers: list[tuple[int, str | None, str, str, bool]] = []  # status, Retry-After, type, body, lock still held
    lock_held = threading.Event()
    done = threading.Lock()

    def ask(i: int, base: str) -> None:
        accept = "text/html" if i % 2 else "application/json"
        try:
            r = httpx.get(f"{base}/console/cases/F1", headers={**cookie, "accept": accept}, timeout=120)
            status, retry, kind, body = r.status_code, r.headers.get("retry-after"), r.headers.get(
                "content-type", ""), r.text
        except httpx.HTTPError as exc:
            status, retry, kind, body = 0, None, "", type(exc).__name__
        with done:
            answers.append((status, retry, kind, body, lock_held.is_set()))

    env = {"DUECARE_MAX_IN_FLIGHT": str(LIMIT), "DUECARE_OVERLOAD_RETRY_AFTER": "2"}
    with serving(url, "--workers", str(WORKERS), env=env, timeout_s=300, log=tmp_path / "serve.log") as (base, _):
        assert httpx.get(f"{base}/console/cases/F1", headers={**cookie, "accept": "text/html"},
                         timeout=60).status_code == 200
        locker = create_engine(url)
        with locker.connect() as conn:
            conn.execute(text("LOCK TABLE auth_sessions IN ACCESS EXCLUSIVE MODE"))
            lock_held.set()
            threads = [threading.Thread(target=ask, args=(i, base), daemon=True) for i in range(CLIENTS)]
            for t in threads:
                t.start()
            deadline = time.monotonic() + 120  # wait for the refusals (they come back while requests are stuck)
            while time.monotonic() < deadline:
                with done:
                    if len(answers) >= CLIENTS - LIMIT * WORKERS:
                        break
                time.sleep(0.05)
            health = httpx.get(f"{base}/healthz", timeout=30)  # never refused, even now
            lock_held.clear()
            conn.rollback()  # the lock goes: the admitted requests carry on
        locker.dispose()
        for t in threads:
            t.join(timeout=120)
        after = [httpx.get(f"{base}/console/cases/F1", headers={**cookie, "accept": "text/html"}, timeout=60)
                 for _ in range(5)]

    assert health.status_code == 200
    assert len(answers) == CLIENTS
    statuses = sorted(a[0] for a in answers)
    refused = [a for a in answers if a[0] == 503]
    served = [a for a in answers if a[0] == 200]
    assert set(statuses) <= {200, 503}, statuses  # never a 500, never a dropped connection
    assert len(served) <= LIMIT * WORKERS and len(refused) >= CLIENTS - LIMIT * WORKERS, statuses
    assert all(a[4] for a in refused)  # every refusal came while the admitted requests were still stuck
    assert not any(a[4] for a in served)  # and nothing was served before the lock went
    for _, retry, kind, body, _ in refused:
        assert retry == "2"
        if kind.startswith("text/html"):
            assert 'data-testid="error-page"' in body
        else:
            assert kind.startswith("application/json") and '"code": "overloaded"' in body
    assert {r.status_code for r in after} == {200}
