"""One clock: the composition root's clock is what pages, the worker and services read as now; tests pin it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from duecare.bootstrap import build
from duecare.contacts.worker import Worker
from duecare.kit import clock

MOMENT = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def test_a_pinned_clock_is_now_inside_use_and_moves_only_when_told() -> None:
    pinned = clock.PinnedClock(MOMENT)
    with clock.use(pinned):
        assert clock.now() == MOMENT and clock.today() == MOMENT.date()
        pinned.advance(days=2)
        assert clock.now() == datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    assert clock.current() is clock.SETTINGS


def test_using_now_itself_keeps_the_current_clock_instead_of_calling_itself() -> None:
    with clock.use(clock.PinnedClock(MOMENT)), clock.use(clock.now):
        assert clock.now() == MOMENT


def test_outside_a_demo_the_settings_clock_is_real_time(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DUECARE_DEMO", "DUECARE_DEMO_CODES", "DUECARE_DEMO_NOW"):
        monkeypatch.delenv(name, raising=False)
    before = datetime.now(UTC)
    assert before <= clock.now() <= datetime.now(UTC)
    assert clock.from_settings() is clock.SYSTEM


def test_the_demo_pins_the_settings_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUECARE_DEMO", "1")
    monkeypatch.setenv("DUECARE_DEMO_NOW", "2026-11-25T10:00:00+08:00")
    assert clock.from_settings() is clock.DEMO and build().clock.now() == MOMENT


def test_each_request_runs_on_the_apps_clock() -> None:
    app = FastAPI()
    app.state.clock = clock.PinnedClock(MOMENT)
    app.add_middleware(clock.ClockScope)

    @app.get("/now")
    def now_page() -> dict[str, str]:
        return {"now": clock.now().isoformat()}

    assert TestClient(app).get("/now").json() == {"now": MOMENT.isoformat()}


def test_the_worker_runs_its_threads_on_the_clock_of_the_root_that_made_it() -> None:
    root = build(clock=clock.PinnedClock(MOMENT))
    with clock.use(root.clock):
        worker = Worker("sqlite://", {}, name="probe")  # made where the root's clock is current
    seen: list[datetime] = []
    thread = threading.Thread(target=lambda: seen.append(worker.clock()))
    thread.start()
    thread.join()
    assert worker.clock is root.clock and seen == [MOMENT]
