"""Fixtures of the privacy suite: a migrated database, an app with the privacy routers, signed-in clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from duecare.kit.db import session_factory
from duecare.kit.fields import reset_keyring
from duecare.privacy import auth_routes, rights_routes
from duecare.privacy.security import SecurityMiddleware, reset_limits
from duecare.privacy.sessions import SESSION_COOKIE, create_session
from duecare.web import errors


@pytest.fixture(autouse=True)
def _fresh_limits() -> Iterator[None]:
    reset_limits()
    yield
    reset_limits()


@pytest.fixture
def own_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A key file of this test alone (for tests that rotate keys)."""
    path = tmp_path / "keys.json"
    monkeypatch.setenv("DUECARE_KEY_FILE", str(path))
    reset_keyring()
    yield path
    reset_keyring()


@pytest.fixture
def db(sqlite_url: str) -> Iterator[Session]:
    session = session_factory(sqlite_url)()
    yield session
    session.rollback()
    session.close()


def privacy_app(url: str) -> FastAPI:
    """The privacy routers alone, mounted the way the web app mounts them."""
    app = FastAPI()
    app.add_middleware(SecurityMiddleware)
    errors.install(app)  # the app's one error handler, as create_app installs it
    app.include_router(auth_routes.router)
    app.include_router(rights_routes.router)
    app.state.session_factory = session_factory(url)
    return app


@pytest.fixture
def app(sqlite_url: str) -> FastAPI:
    return privacy_app(sqlite_url)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


SignIn = Callable[[TestClient, str, str], str]


@pytest.fixture
def sign_in(sqlite_url: str) -> SignIn:
    """Give a client a live session for (role, id) without a password round trip; returns its CSRF token."""

    def _sign_in(client: TestClient, role: str, subject_id: str) -> str:
        with session_factory(sqlite_url)() as s:
            kind = "borrower" if role == "borrower" else "staff"
            token = create_session(s, kind=kind, subject_id=subject_id, role=role)
            s.commit()
            from duecare.privacy.models import AuthSession
            from duecare.privacy.sessions import token_hash

            csrf = s.get(AuthSession, token_hash(token)).csrf_token  # type: ignore[union-attr]
        client.cookies.set(SESSION_COOKIE, token)
        return csrf

    return _sign_in
