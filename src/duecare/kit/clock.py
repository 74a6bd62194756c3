"""The one clock: what every page, the portal, the API, the visit workflow, the outbox and the batch call "now".

A clock is any object with `now() -> datetime` (timezone-aware, UTC) that can also be called (`clock()`), so a
plain function is one too. Three kinds:
- `SystemClock`: real time (production);
- `DemoClock`: real time shifted by the demo's offset (kit/democlock.py), or pinned by `DUECARE_DEMO_NOW`, both
  honoured only in a demo run (`DUECARE_DEMO=1`);
- `PinnedClock`: a fixed moment a test moves forward explicitly.

The composition root (duecare/bootstrap.py) builds the process's clock once with `from_settings` and hands it
to the web app (`app.state.clock`, made current for each request by `ClockScope`), the CLI (a Typer callback) and
the outbox worker. Code that is not handed one calls `now()`, which reads the clock made current by `use(...)`,
else the one the settings describe: demo mode is honoured everywhere. Durations are measured with
`time.monotonic`, never with this clock.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from duecare.kit.errors import UserError

if TYPE_CHECKING:
    from duecare.kit.settings import Settings

# The settings (pydantic-settings) and the demo's offset file are read when a clock is first asked the time, not
# at import: `duecare decide --case` never asks, and starts faster for it.


@runtime_checkable
class Clock(Protocol):
    def now(self) -> datetime: ...

    def __call__(self) -> datetime: ...


class SystemClock:
    """Real time, UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now()


def _pinned_demo_moment(text: str) -> datetime:
    from duecare.kit.settings import demo_mode

    if not demo_mode():
        # A pinned clock would backdate audit times: it is refused outside a demo run.
        raise UserError("DUECARE_DEMO_NOW is only honoured in a demo run (set DUECARE_DEMO=1); unset it",
                        place="DUECARE_DEMO_NOW")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UserError("DUECARE_DEMO_NOW must be ISO 8601 with an offset, e.g. 2026-11-25T10:00:00+08:00",
                        place="DUECARE_DEMO_NOW") from None
    if moment.tzinfo is None:
        raise UserError("DUECARE_DEMO_NOW needs a UTC offset", place="DUECARE_DEMO_NOW")
    return moment.astimezone(UTC)


class DemoClock:
    """The demo's shared clock: `DUECARE_DEMO_NOW` if set, else real time plus the offset every process of the
    demo reads from its data directory (re-read at each call: `duecare demo advance` moves it from outside)."""

    def now(self) -> datetime:
        from duecare.kit import democlock
        from duecare.kit.settings import get_settings

        pinned = get_settings().demo_now
        if pinned:
            return _pinned_demo_moment(pinned)
        return datetime.now(UTC) + democlock.offset()

    def __call__(self) -> datetime:
        return self.now()


@dataclass
class PinnedClock:
    """A fixed moment; tests move it forward explicitly."""

    moment: datetime

    def now(self) -> datetime:
        return self.moment

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **kw: float) -> datetime:
        self.moment = self.moment + timedelta(**kw)
        return self.moment


SYSTEM = SystemClock()
DEMO = DemoClock()


def from_settings(settings: Settings | None = None) -> Clock:
    """The clock the environment asks for: the demo's clock in a demo run (or when DUECARE_DEMO_NOW is set, which
    it refuses outside one), real time otherwise."""
    from duecare.kit.settings import get_settings

    s = settings or get_settings()
    return DEMO if (s.demo or s.demo_codes or s.demo_now) else SYSTEM


class SettingsClock:
    """The clock the settings ask for at each call: a process whose environment turns into a demo run (`duecare
    demo` sets DUECARE_DEMO=1 after start-up) moves onto the demo's clock."""

    def now(self) -> datetime:
        return from_settings().now()

    def __call__(self) -> datetime:
        return self.now()


SETTINGS = SettingsClock()


_current: ContextVar[Callable[[], datetime] | None] = ContextVar("duecare_clock", default=None)


def current() -> Callable[[], datetime]:
    """The clock in use here: the one made current by `use`, else the settings' clock."""
    found = _current.get()
    return found if found is not None else SETTINGS


def now() -> datetime:
    """Now, on the current clock (aware, UTC)."""
    return current()()


def today() -> date:
    """Today's UTC date on the current clock."""
    return now().date()


@contextmanager
def use(clock: Callable[[], datetime] | None) -> Iterator[None]:
    """Make `clock` the current one inside the block (None: the settings' clock; `now` itself: keep the current
    one, which `now` would otherwise call forever)."""
    token = _current.set(_current.get() if clock is now else clock)
    try:
        yield
    finally:
        _current.reset(token)


Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class ClockScope:
    """ASGI middleware: each request and WebSocket runs on the app's clock (`app.state.clock`, which the
    composition root sets and a test may replace)."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = getattr(scope.get("app"), "state", None)
        with use(getattr(state, "clock", None)):
            await self.app(scope, receive, send)
