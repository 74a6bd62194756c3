"""Server-side sessions. The cookie carries a random token; the table keeps only its SHA-256, so a copy of
the database does not let anyone sign in. Sessions expire (absolute and idle) and are revoked on sign-out."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

# Session lifetimes run on real time (kit.clock.SYSTEM), never on the demo's shifted clock: advancing the demo
# by days must not sign everyone out, and a pinned clock would never expire a session.
from duecare.kit.clock import SYSTEM
from duecare.kit.settings import get_settings
from duecare.privacy.models import AuthSession

SESSION_COOKIE = "duecare_session"
CSRF_COOKIE = "duecare_csrf"
ABSOLUTE = {"staff": timedelta(hours=10), "borrower": timedelta(hours=1)}
IDLE = timedelta(minutes=30)


def aware(dt: datetime) -> datetime:
    """SQLite returns naive datetimes; every time we store is UTC."""
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_https(request: Request) -> bool:
    if request.url.scheme == "https":
        return True
    trust = get_settings().trust_proxy
    return trust and request.headers.get("x-forwarded-proto", "").lower() == "https"


def create_session(db: Session, *, kind: str, subject_id: str, role: str, stage: str = "full") -> str:
    """A new session; returns the token for the cookie (never stored in clear)."""
    token = secrets.token_urlsafe(32)
    t = SYSTEM.now()
    db.add(
        AuthSession(
            token_hash=token_hash(token),
            kind=kind,
            subject_id=subject_id,
            role=role,
            stage=stage,
            csrf_token=secrets.token_urlsafe(32),
            created_at=t,
            expires_at=t + ABSOLUTE[kind],
            last_seen_at=t,
        )
    )
    db.flush()
    return token


def load_session(db: Session, token: str | None) -> AuthSession | None:
    """The live session for a cookie token, or None (unknown, expired or idle too long)."""
    if not token or len(token) > 128:
        return None
    row = db.get(AuthSession, token_hash(token))
    if row is None:
        return None
    t = SYSTEM.now()
    if aware(row.expires_at) <= t or aware(row.last_seen_at) + IDLE <= t:
        db.delete(row)
        db.flush()
        return None
    if t - aware(row.last_seen_at) > timedelta(minutes=1):
        row.last_seen_at = t
    return row


def revoke(db: Session, token: str | None) -> None:
    if token:
        db.execute(delete(AuthSession).where(AuthSession.token_hash == token_hash(token)))


def revoke_all(db: Session, kind: str, subject_id: str) -> None:
    """Sign a person out everywhere (password change, lockout by admin, role change)."""
    db.execute(delete(AuthSession).where(AuthSession.kind == kind, AuthSession.subject_id == subject_id))


def set_session_cookie(response: Response, request: Request, token: str, kind: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(ABSOLUTE[kind].total_seconds()),
        httponly=True,
        samesite="lax",
        secure=is_https(request),
        path="/",
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=is_https(request))
