"""Every route x every role against the one permission matrix (privacy/permissions.py).

The app under test is the whole web app (`duecare.app.factory:create_app`). A route that declares no permission, declares a name the matrix does not know, is public
without being on the allow-list, lets in a role the matrix does not list, or refuses a role the matrix lists,
fails here.
"""

from __future__ import annotations

import re
from fnmatch import fnmatch

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from duecare.app.factory import create_app
from duecare.kit.db import session_factory
from duecare.privacy.deps import RouteInfo, iter_routes
from duecare.privacy.permissions import AUTHENTICATED, MATRIX, PUBLIC, PUBLIC_ROUTES, ROLES, roles_for
from duecare.privacy.sessions import SESSION_COOKIE, create_session

DENIAL = "your role may not"


def _app(url: str) -> FastAPI:
    return create_app(url)


@pytest.fixture
def routes(sqlite_url: str) -> tuple[FastAPI, list[RouteInfo]]:
    app = _app(sqlite_url)
    return app, list(iter_routes(app))


def _public_ok(path: str) -> bool:
    return any(fnmatch(path, pattern) for pattern in PUBLIC_ROUTES)


def test_the_whole_web_app_is_under_test(routes: tuple[FastAPI, list[RouteInfo]]) -> None:
    paths = {r.path for r in routes[1]}
    assert "/auth/login" in paths and "/privacy/me/export" in paths and "/healthz" in paths


def test_every_route_declares_exactly_one_known_permission(routes: tuple[FastAPI, list[RouteInfo]]) -> None:
    problems = []
    for r in routes[1]:
        if not r.is_api:
            if not _public_ok(r.path):
                problems.append(f"{r.path}: not an API route and not on the public allow-list")
            continue
        if len(r.permissions) != 1:
            problems.append(f"{r.methods} {r.path}: declares {list(r.permissions) or 'no permission'}")
            continue
        perm = r.permissions[0]
        if perm == PUBLIC and not _public_ok(r.path):
            problems.append(f"{r.methods} {r.path}: public but not on PUBLIC_ROUTES")
        elif perm not in (PUBLIC, AUTHENTICATED) and perm not in MATRIX:
            problems.append(f"{r.methods} {r.path}: unknown permission {perm!r}")
    assert problems == []


def test_a_route_without_a_permission_fails_the_check() -> None:
    """The check above would catch a forgotten `require`: shown on a deliberately bad app."""
    bad = FastAPI()

    @bad.get("/cases/{borrower_id}")
    def leaky(borrower_id: str) -> dict[str, str]:
        return {"id": borrower_id}

    infos = [r for r in iter_routes(bad) if r.path == "/cases/{borrower_id}"]
    assert infos and infos[0].permissions == ()


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_route_x_role_matches_the_matrix(routes: tuple[FastAPI, list[RouteInfo]], sqlite_url: str) -> None:
    app, infos = routes
    failures: list[str] = []
    checked = 0
    factory = session_factory(sqlite_url)
    with TestClient(app, raise_server_exceptions=False) as client:
        for r in infos:
            if not r.is_api or not r.permissions:
                continue
            perm = r.permissions[0]
            for method in r.methods:
                if method == "HEAD":
                    continue
                for role in (*ROLES, None):
                    client.cookies.clear()
                    headers = {"accept": "application/json"}
                    if role is not None:  # a fresh session each time: some routes sign out
                        with factory() as db:
                            kind = "borrower" if role == "borrower" else "staff"
                            token = create_session(db, kind=kind, subject_id=f"matrix-{role}", role=role)
                            from duecare.privacy.models import AuthSession
                            from duecare.privacy.sessions import token_hash

                            row = db.get(AuthSession, token_hash(token))
                            assert row is not None
                            headers["x-csrf-token"] = row.csrf_token
                            db.commit()
                        client.cookies.set(SESSION_COOKIE, token)
                    else:
                        headers["x-csrf-token"] = client.get("/auth/csrf").json()["csrf_token"]
                    resp = client.request(method, _concrete(r.path), headers=headers)
                    checked += 1
                    refused = resp.status_code == 401 or (resp.status_code == 403 and DENIAL in resp.text)
                    # A role outside the matrix must be stopped before the handler: 401/403, or 503 from a
                    # signed-webhook requirement with no secret configured (it lets nobody in then).
                    stopped = resp.status_code in (401, 403, 503)
                    if perm == PUBLIC:
                        continue  # anyone may call it; its own answers (401 for a wrong code) are not denials
                    should_pass = False if role is None else role in roles_for(perm)
                    if should_pass and refused:
                        failures.append(f"{method} {r.path} [{perm}] refused {role}: {resp.status_code}")
                    if not should_pass and not stopped:
                        failures.append(f"{method} {r.path} [{perm}] let {role} in: {resp.status_code}")
    assert checked > 0
    assert failures == [], "\n".join(failures)
