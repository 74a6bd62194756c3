"""The workflow clock may be pinned only in a demo run: a pinned clock would backdate audit times."""

from __future__ import annotations

import pytest

from duecare.kit import clock
from duecare.kit.errors import UserError


def test_pinned_clock_is_refused_outside_a_demo(monkeypatch):
    monkeypatch.delenv("DUECARE_DEMO", raising=False)
    monkeypatch.delenv("DUECARE_DEMO_CODES", raising=False)
    monkeypatch.setenv("DUECARE_DEMO_NOW", "2026-11-25T10:00:00+08:00")
    with pytest.raises(UserError, match="demo run"):
        clock.now()


def test_pinned_clock_is_honoured_in_a_demo(monkeypatch):
    monkeypatch.setenv("DUECARE_DEMO", "1")
    monkeypatch.setenv("DUECARE_DEMO_NOW", "2026-11-25T10:00:00+08:00")
    assert clock.now().isoformat() == "2026-11-25T02:00:00+00:00"
