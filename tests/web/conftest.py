"""Web fixtures: a seeded SQLite database, the app, and (for `browser` tests) a live server and Chromium."""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import web_factories as f
from web_live import CHROMIUM_ARGS, Live

from duecare.kit.db import unit_of_work
from duecare.ledger.models import Notice
from duecare.privacy import auth
from duecare.privacy.permissions import Actor
from duecare.privacy.security import reset_limits
from duecare.visits import service


@dataclass(frozen=True)
class World:
    url: str
    visit_borrower: str  # B1: has a notice to consent to and withdraw
    visit_phone: str
    plan_borrower: str  # B2: in arrears, reachable
    plan_phone: str
    approval_visit: str  # B3's visit: consented, waiting for a supervisor
    notice_b1: str


def seed(url: str) -> World:
    """Three borrowers, a staff member per role; two visits opened through the real workflow."""
    now = datetime.now(UTC)
    with unit_of_work(url) as db:
        for role in ("agent", "supervisor", "compliance", "analyst", "admin", "field_agent"):
            f.staff(db, role)
        f.staff(db, "field_agent", "web-field_agent-2")
        f.visit_eligible(db, "B1", "13800000001")
        f.in_arrears(db, "B2", "13800000002")
        f.visit_eligible(db, "B3", "13800000003")
        for b in ("B1", "B2", "B3"):
            f.assign(db, b, "web-agent")
        agent = Actor(kind="staff", id="web-agent", role="agent")
        ctx = service.Ctx(session=db, actor=agent, at=now - timedelta(minutes=10))
        v1 = service.send_notice(ctx, service.propose(ctx, "L-B1").visit.id).visit
        v3 = service.send_notice(ctx, service.propose(ctx, "L-B3").visit.id).visit
        b3 = Actor(kind="borrower", id="B3", role="borrower")
        notice3 = db.get(Notice, v3.notice_id)
        answered = service.answer(service.Ctx(session=db, actor=b3, at=now - timedelta(minutes=5)), v3.id, "granted", channel="portal",
                       evidence="test", notice_version_hash=notice3.version_hash)
        assert not answered.stopped, answered.stopped
        return World(url, "B1", "13800000001", "B2", "13800000002", v3.id, v1.notice_id or "")


@pytest.fixture
def world(sqlite_url: str) -> World:
    reset_limits()
    auth.set_code_sender(auth.demo_code_sender)
    yield seed(sqlite_url)
    auth.set_code_sender(None)


@pytest.fixture
def client(world: World) -> Iterator[object]:
    from fastapi.testclient import TestClient

    from duecare.app.factory import create_app

    with TestClient(create_app(world.url), headers={"accept": "text/html"}) as c:
        yield c


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live(new_database) -> Iterator[Live]:  # type: ignore[no-untyped-def]
    """The app under uvicorn in a background thread, on a free port, with its own SQLite database."""
    import uvicorn

    from duecare.app.factory import create_app

    reset_limits()
    auth.set_code_sender(auth.demo_code_sender)
    world = seed(new_database("sqlite"))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(world.url), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    yield Live(f"http://127.0.0.1:{port}", world)
    server.should_exit = True
    thread.join(timeout=10)
    auth.set_code_sender(None)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian's chromium is missing: run `make system-deps` (never a browser download)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()
