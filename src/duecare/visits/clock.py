"""The workflow's clock. Real time (shifted by the demo clock's offset in a demo run: kit/democlock.py), unless
`DUECARE_DEMO_NOW` (ISO 8601 with offset) pins it for a demo run;
the web app may set `app.state.clock` (tests advance a fake clock there)."""

from __future__ import annotations

from datetime import UTC, datetime

from duecare.kit import democlock
from duecare.kit.errors import UserError
from duecare.kit.settings import demo_mode, get_settings


def now() -> datetime:
    pinned = get_settings().demo_now
    if not pinned:
        return datetime.now(UTC) + democlock.offset()  # the demo's shared clock (zero outside demo mode)
    if not demo_mode():
        # A pinned clock would backdate audit times: it is refused outside a demo run.
        raise UserError("DUECARE_DEMO_NOW is only honoured in a demo run (set DUECARE_DEMO=1); unset it",
                        place="DUECARE_DEMO_NOW")
    try:
        moment = datetime.fromisoformat(pinned)
    except ValueError:
        raise UserError("DUECARE_DEMO_NOW must be ISO 8601 with an offset, e.g. 2026-11-25T10:00:00+08:00",
                        place="DUECARE_DEMO_NOW") from None
    if moment.tzinfo is None:
        raise UserError("DUECARE_DEMO_NOW needs a UTC offset", place="DUECARE_DEMO_NOW")
    return moment.astimezone(UTC)
