"""The demo's one clock: `--as-of` starts it, `advance` and the console control move it for every process;
outside demo mode it never moves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from test_pages import staff_signs_in, token

from duecare.kit import clock, democlock
from duecare.kit.errors import UserError


@pytest.fixture
def demo_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DUECARE_DEMO", "1")
    monkeypatch.delenv("DUECARE_DEMO_NOW", raising=False)
    yield
    democlock.clock_file().unlink(missing_ok=True)


def test_the_demo_clock_starts_at_as_of_and_advances_by_whole_days(demo_env: None) -> None:
    democlock.start_at(democlock.parse_moment("2026-12-01T10:00:00+08:00"))
    assert abs(clock.now() - datetime(2026, 12, 1, 2, tzinfo=UTC)) < timedelta(seconds=5)
    democlock.advance(3)
    assert abs(clock.now() - datetime(2026, 12, 4, 2, tzinfo=UTC)) < timedelta(seconds=5)


def test_outside_demo_mode_the_clock_is_real_time_and_cannot_be_moved(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DUECARE_DEMO", raising=False)
    monkeypatch.delenv("DUECARE_DEMO_CODES", raising=False)
    with pytest.raises(UserError, match="only in a demo run"):
        democlock.advance(3)
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_a_bad_as_of_names_the_fix() -> None:
    with pytest.raises(UserError, match="ISO 8601"):
        democlock.parse_moment("next tuesday")


def test_the_console_control_moves_the_clock_only_in_demo_mode(client: Any, world: Any,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    staff_signs_in(client, "web-agent")
    page = client.get("/console/queue").text
    assert 'data-testid="demo-clock"' not in page
    r = client.post("/console/demo/clock", data={"days": "3", "csrf_token": token(page)})
    assert r.status_code == 404
    monkeypatch.setenv("DUECARE_DEMO", "1")
    try:
        page = client.get("/console/queue").text
        assert 'data-testid="demo-clock"' in page
        before = clock.now()
        r = client.post("/console/demo/clock", data={"days": "3", "next": "/console/queue",
                                                      "csrf_token": token(page)})
        assert r.status_code == 200 and str(r.url).endswith("/console/queue")
        assert clock.now() - before > timedelta(days=2, hours=23)
        shown = (clock.now().astimezone(democlock_zone())).strftime("%Y-%m-%d")
        assert f"{shown} " in r.text and "(Asia/Shanghai)" in r.text
    finally:
        democlock.clock_file().unlink(missing_ok=True)


def democlock_zone() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Shanghai")
