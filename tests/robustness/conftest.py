"""A whole web app on a fresh SQLite database and clients signed in as a given role."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from duecare.kit.db import session_factory
from duecare.privacy.models import AuthSession
from duecare.privacy.security import reset_limits
from duecare.privacy.sessions import SESSION_COOKIE, create_session, token_hash

Client = Callable[[str, str], TestClient]


@pytest.fixture(autouse=True)
def _fresh_limits() -> Iterator[None]:
    reset_limits()
    yield
    reset_limits()


@pytest.fixture
def signed_in(sqlite_url: str) -> Iterator[Client]:
    """`signed_in(role, id)`: a client of the whole app with a live session; CSRF header set."""
    from duecare.app.factory import create_app

    app = create_app(sqlite_url)
    clients: list[TestClient] = []

    def make(role: str, subject_id: str) -> TestClient:
        client = TestClient(app, raise_server_exceptions=False)
        with session_factory(sqlite_url)() as s:
            kind = "borrower" if role == "borrower" else "staff"
            token = create_session(s, kind=kind, subject_id=subject_id, role=role)
            s.commit()
            csrf = s.get(AuthSession, token_hash(token)).csrf_token  # type: ignore[union-attr]
        client.cookies.set(SESSION_COOKIE, token)
        client.headers["X-CSRF-Token"] = csrf
        client.headers["Accept"] = "application/json"
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.close()
