"""The demo's clock: real time shifted by an offset kept in the demo's data directory.

`duecare demo --as-of` sets the offset so that "now" starts at the chosen moment; `duecare demo advance
--days N` (or the console's demo control) moves it forward, so a journey can pass a 3-day notice period
in minutes. Every process of the demo (server, CLI) reads the same file, so they share one clock. Outside
demo mode (`DUECARE_DEMO=1`) the offset is always zero: production time is never shifted.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from duecare.kit.errors import UserError
from duecare.kit.i18n import N_
from duecare.kit.settings import demo_mode, get_settings

FILE = "demo-clock.json"
MAX_ADVANCE_DAYS = 366
# The form's `days`, published as its pattern: more than 0 and at most MAX_ADVANCE_DAYS, as the buttons send it
# (1, 3, or the fraction of a day to a visit's slot, "%.4f").
DAYS_PATTERN = (r"^(?:(?:[1-9]|[1-9][0-9]|[12][0-9]{2}|3[0-5][0-9]|36[0-5])(?:\.[0-9]{1,6})?|366(?:\.0{1,6})?"
                r"|0?\.[0-9]{0,5}[1-9][0-9]{0,5})$")


def clock_file() -> Path:
    return get_settings().data_dir / FILE


def offset() -> timedelta:
    """How far the demo's clock is ahead of (or behind) real time; zero outside demo mode."""
    if not demo_mode():
        return timedelta(0)
    try:
        seconds = json.loads(clock_file().read_text(encoding="utf-8"))["offset_seconds"]
    except (OSError, ValueError, KeyError, TypeError):
        return timedelta(0)
    return timedelta(seconds=float(seconds))


def _write(delta: timedelta) -> None:
    path = clock_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"offset_seconds": delta.total_seconds()}), encoding="utf-8")
    os.replace(tmp, path)  # atomic: a reader sees the old or the new offset, never half a file


def _require_demo() -> None:
    if not demo_mode():
        raise UserError(N_("the demo clock exists only in a demo run (DUECARE_DEMO=1)"), place="demo clock")


def parse_moment(text: str) -> datetime:
    """ISO 8601 with an offset (`2026-12-01T10:00:00+08:00`), or a date (10:00 UTC of that day)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(N_("{text!r} is not a moment: use ISO 8601, e.g. 2026-12-01T10:00:00+08:00 or 2026-12-01"),
                        place="--as-of", text=text) from None
    if len(text) == 10:
        moment = moment.replace(hour=10, tzinfo=UTC)
    if moment.tzinfo is None:
        raise UserError(N_("{text!r} has no UTC offset: add one, e.g. +08:00"), place="--as-of", text=text)
    return moment.astimezone(UTC)


def start_at(moment: datetime) -> None:
    """Make the demo's "now" this moment (it then runs on with real time)."""
    _require_demo()
    _write(moment.astimezone(UTC) - datetime.now(UTC))


def advance(days: float) -> datetime:
    """Move the demo's clock forward; returns the new demo time."""
    _require_demo()
    if not 0 < days <= MAX_ADVANCE_DAYS:
        raise UserError(N_("more than 0 and at most {max_advance_days}"),
                        place="--days", max_advance_days=MAX_ADVANCE_DAYS)
    _write(offset() + timedelta(days=days))
    return datetime.now(UTC) + offset()
