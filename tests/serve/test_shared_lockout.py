"""A name that is not an account locks like a real one across server processes (issue 16 items 4 and 6).

The lockout of unknown usernames used to live in each process's memory: under `serve --workers 2` a sixth try on
the other worker answered "wrong password" where a real account answers "locked", which tells who exists. Here two
servers share one PostgreSQL database (one with `--workers 2`, one single process, so the tries provably land in
different processes) and the tries alternate between them."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from duecare.kit.db import unit_of_work
from duecare.privacy.auth import create_staff
from duecare.privacy.models import RateHit

from .servers import serving

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

PASSWORD = "a long enough password"


def _try(client: httpx.Client, username: str) -> int:
    csrf = client.get("/auth/csrf").json()["csrf_token"]
    return client.post("/auth/login", data={"username": username, "password": "not the password",
                                            "csrf_token": csrf}).status_code


def test_an_unknown_name_locks_across_processes_exactly_like_a_real_account(pg_url: str, tmp_path: Path) -> None:
    with unit_of_work(pg_url) as db:
        create_staff(db, id="s-lock", username="real-lock", password=PASSWORD, role="agent")
    env = {"DUECARE_DATA_DIR": str(tmp_path)}
    answers = {}
    with (serving(pg_url, "--workers", "2", env=env) as (base_a, _), serving(pg_url, env=env) as (base_b, _),
          httpx.Client(base_url=base_a, timeout=30) as a, httpx.Client(base_url=base_b, timeout=30) as b):
        for name in ("real-lock", "nobody-by-this-name"):
            answers[name] = [_try((a, b)[i % 2], name) for i in range(8)]
    # 5 failures in a row lock for 15 minutes; the 5th answers "locked", then every try on either server
    assert answers["real-lock"] == [401, 401, 401, 401, 423, 423, 423, 423], answers
    assert answers["nobody-by-this-name"] == answers["real-lock"], answers
    engine = create_engine(pg_url)
    with engine.connect() as conn:  # the unknown name's lock is a row of the shared store, as a digest only
        hashes = conn.scalars(select(RateHit.key_hash)).all()
        assert (conn.scalar(select(func.count()).select_from(RateHit)) or 0) >= 1
    engine.dispose()
    assert all("nobody" not in h for h in hashes)
