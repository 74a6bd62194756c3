"""FastAPI dependencies: the request's database session, the signed-in actor, and `require(permission)`.

Every route declares its permission::

    @router.get("/cases/{borrower_id}")
    def case(borrower_id: str, actor: Actor = Depends(require("cases.read")), db: Session = Depends(db_session)):
        ...

`require` also checks the CSRF token on every unsafe method (POST, PUT, PATCH, DELETE): a form field
`csrf_token` or a header `X-CSRF-Token`, equal to `csrf_token(request)`. The permission is kept on the
dependency object, so `route_permissions(app)` can list what every route declared (tests/privacy).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import Depends, HTTPException, Request
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from duecare.kit.db import session_factory
from duecare.kit.errors import Message
from duecare.kit.i18n import N_
from duecare.privacy.models import AuthSession
from duecare.privacy.permissions import AUTHENTICATED, PUBLIC, Actor, roles_for
from duecare.privacy.sessions import CSRF_COOKIE, SESSION_COOKIE, load_session

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _factory(request: Request) -> sessionmaker[Session]:
    factory = getattr(request.app.state, "session_factory", None)
    return factory if factory is not None else session_factory()


def db_session(request: Request) -> Iterator[Session]:
    """One session per request, committed when the handler returns cleanly (the boundary), else rolled back.

    The app may set `app.state.session_factory`; otherwise the settings' database is used. Used with
    function scope so the commit happens before the response is sent.
    """
    existing = getattr(request.state, "db", None)
    if existing is not None:
        yield existing
        return
    db = _factory(request)()
    request.state.db = db
    clock = getattr(request.app.state, "clock", None)
    if clock is not None:  # the app's injectable clock: re-checks a commit triggers (visits.recheck) use it
        db.info["duecare.clock"] = clock
    try:
        yield db
        db.commit()
    except BaseException:
        db.rollback()
        raise
    finally:
        request.state.db = None
        db.close()


DB = Depends(db_session, scope="function")


def session_row(request: Request, db: Session) -> AuthSession | None:
    if not hasattr(request.state, "auth_session"):
        request.state.auth_session = load_session(db, request.cookies.get(SESSION_COOKIE))
    row: AuthSession | None = request.state.auth_session
    return row


def actor_of(request: Request, db: Session) -> Actor | None:
    """The fully signed-in actor (a session still waiting for its TOTP code is not one)."""
    row = session_row(request, db)
    if row is None or row.stage != "full":
        return None
    return Actor(kind=row.kind, id=row.subject_id, role=row.role)


def csrf_token(request: Request, db: Session | None = None) -> str:
    """The token forms must echo: the session's own token, or (before sign-in) a double-submit cookie."""
    row = session_row(request, db) if db is not None else getattr(request.state, "auth_session", None)
    if row is not None:
        return row.csrf_token
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf_cookie", None)
    if not token:
        token = secrets.token_urlsafe(32)
        request.state.new_csrf_cookie = token  # SecurityMiddleware sets the cookie on the response
    return token


async def _sent_csrf(request: Request) -> str | None:
    """The token the request echoes: the header, else the form field (reading the form is async: done here)."""
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(FORM_TYPES):
        value = (await request.form()).get("csrf_token")
        sent = value if isinstance(value, str) else None
    return sent


def _csrf_matches(request: Request, db: Session, sent: str | None) -> bool:
    row = session_row(request, db)
    expected = row.csrf_token if row is not None else request.cookies.get(CSRF_COOKIE)
    return bool(sent and expected and hmac.compare_digest(sent.encode(), expected.encode()))


def _look_up_session(request: Request, db: Session, sent: str | None) -> tuple[Actor | None, bool]:
    """Load the request's session row in a worker thread, check the CSRF token, then end that short transaction:
    (the signed-in actor, whether the token holds; always true for a safe method).

    Database I/O never runs on the event loop (a loop waiting for a pooled connection cannot run the teardowns
    that give connections back). And the connection goes back to the pool before the request queues for the
    worker thread of its handler: a request holding a connection while it waits for a thread, when every
    thread is waiting for a connection, is a deadlock (it froze `serve --workers 2` under 20 req/s)."""
    row = session_row(request, db)
    csrf_ok = request.method not in UNSAFE_METHODS or _csrf_matches(request, db, sent)
    actor = Actor(kind=row.kind, id=row.subject_id, role=row.role) if row is not None and row.stage == "full" else None
    db.commit()
    return actor, csrf_ok


async def read_form(request: Request) -> FormData:
    """`form: FormData = FORM`: the request's form, read on the event loop so that the handler can be a plain
    `def` (run in the threadpool, where its database work belongs). The form is read once per request and
    shared with the CSRF check. A handler that needs the raw body takes `BODY` instead."""
    return await request.form()


async def read_body(request: Request) -> bytes:
    """`body: bytes = BODY`: the raw request body, read on the event loop (see `read_form`). A form body already
    parsed (by the CSRF check) cannot be read again: a route taking BODY checks the content type first."""
    return await request.body()


FORM = Depends(read_form)
BODY = Depends(read_body)


class Requirement:
    """`Depends(require("x"))`: 401 if not signed in, 403 if the role lacks x; returns the Actor."""

    def __init__(self, permission: str) -> None:
        if permission != PUBLIC:
            roles_for(permission)  # fail at import time on an unknown permission name
        self.permission = permission

    def __repr__(self) -> str:
        return f"require({self.permission!r})"

    async def __call__(self, request: Request, db: Session = DB) -> Actor | None:
        sent = await _sent_csrf(request) if request.method in UNSAFE_METHODS else None
        actor, csrf_ok = await run_in_threadpool(_look_up_session, request, db, sent)
        if not csrf_ok:
            raise HTTPException(status_code=403, detail=N_("CSRF token missing or wrong; reload the page and retry"))
        request.state.actor = actor
        request.state.permission = self.permission
        if self.permission == PUBLIC:
            return actor
        if actor is None:
            raise HTTPException(
                status_code=401, detail=N_("sign in first"), headers={"WWW-Authenticate": "Session"}
            )
        if actor.role not in roles_for(self.permission):
            raise HTTPException(status_code=403, detail=Message(N_("your role may not {permission}"),
                                                                permission=self.permission))
        return actor


_requirements: dict[str, Requirement] = {}


def require(permission: str) -> Any:
    """The dependency for a permission (one shared instance per name)."""
    if permission not in _requirements:
        _requirements[permission] = Requirement(permission)
    return _requirements[permission]


def _walk(dependant: Any) -> Iterator[Requirement]:
    if isinstance(dependant.call, Requirement):
        yield dependant.call
    for sub in dependant.dependencies:
        yield from _walk(sub)


@dataclass(frozen=True)
class RouteInfo:
    """One route of an app as the route x role test sees it."""

    path: str
    methods: tuple[str, ...]
    permissions: tuple[str, ...]  # declared with require(...); empty for non-API routes (docs, mounts)
    is_api: bool
    endpoint: Any = field(default=None, compare=False, repr=False)  # the handler (the action test reads it)


def iter_routes(app: Any) -> Iterator[RouteInfo]:
    """Every route of an app, including those of included routers (FastAPI may keep them nested)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI flattens included routers into app.routes
        contexts: Any = app.routes
    else:
        contexts = iter_route_contexts(app.routes)
    for rc in contexts:
        original = getattr(rc, "original_route", rc)
        path = str(getattr(rc, "path", None) or getattr(original, "path", ""))
        dependant = getattr(rc, "dependant", None) if isinstance(original, APIRoute) else None
        perms = tuple(sorted({r.permission for r in _walk(dependant)})) if dependant is not None else ()
        methods = tuple(sorted(getattr(rc, "methods", None) or ()))
        yield RouteInfo(path=path, methods=methods, permissions=perms, is_api=isinstance(original, APIRoute),
                        endpoint=getattr(original, "endpoint", None))


def route_permissions(app: Any) -> dict[tuple[str, str], list[str]]:
    """{(method, path): [declared permissions]} for every API route of an app or router."""
    found: dict[tuple[str, str], list[str]] = {}
    for info in iter_routes(app):
        if info.is_api:
            for method in info.methods:
                found[(method, info.path)] = list(info.permissions)
    return found


__all__ = [
    "AUTHENTICATED",
    "BODY",
    "DB",
    "FORM",
    "PUBLIC",
    "actor_of",
    "csrf_token",
    "db_session",
    "require",
    "route_permissions",
]
