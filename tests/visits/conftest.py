"""Fixtures of the visit workflow tests: a seeded store, a movable clock, and signed-in API clients."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from duecare.kit.clock import ClockScope
from duecare.kit.db import session_factory, unit_of_work
from duecare.privacy.models import AuthSession
from duecare.privacy.sessions import SESSION_COOKIE, create_session
from duecare.visits.routes import router
from duecare.web import errors

from .factories import AS_OF, assign, eligible_borrower, team


@dataclass
class FakeClock:
    """The workflow's now; tests move it forward explicitly."""

    now: datetime = AS_OF

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> datetime:
        self.now = self.now + timedelta(**kw)
        return self.now


def make_app(url: str, clock: FakeClock) -> FastAPI:
    """The visit router on a bare app (the same dependencies and error answers the web app uses)."""
    app = FastAPI()
    errors.install(app)
    app.state.session_factory = session_factory(url)
    app.state.clock = clock
    app.add_middleware(ClockScope)  # each request runs on app.state.clock, as in the web app
    app.include_router(router)
    return app


@dataclass
class Clients:
    url: str
    app: FastAPI
    _made: dict[str, TestClient] = field(default_factory=dict)

    def as_(self, kind: str, subject: str, role: str) -> TestClient:
        """A client signed in as a staff member or a borrower, sending its CSRF token on every request."""
        key = f"{kind}:{subject}"
        if key not in self._made:
            with unit_of_work(self.url) as s:
                token = create_session(s, kind=kind, subject_id=subject, role=role)
                from duecare.privacy.sessions import token_hash

                csrf = s.get(AuthSession, token_hash(token)).csrf_token  # type: ignore[union-attr]
            c = TestClient(self.app)
            c.cookies.set(SESSION_COOKIE, token)
            c.headers["X-CSRF-Token"] = csrf
            self._made[key] = c
        return self._made[key]

    def staff(self, sid: str, role: str) -> TestClient:
        return self.as_("staff", sid, role)

    def borrower(self, bid: str) -> TestClient:
        return self.as_("borrower", bid, "borrower")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def seeded(db_url: str) -> str:
    with unit_of_work(db_url) as s:
        team(s)
        eligible_borrower(s)
        assign(s, "B1", "A1")
    return db_url


@pytest.fixture
def api(seeded: str, clock: FakeClock) -> Iterator[Clients]:
    yield Clients(seeded, make_app(seeded, clock))
