"""Tables of the privacy domain: staff accounts, sessions, sign-in codes, assignments, audit chain, holds,
data-subject requests, human reviews and retention actions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    DDL,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from duecare.kit.db import Base, UtcDateTime
from duecare.kit.fields import PersonalText
from duecare.privacy.permissions import STAFF_ROLES

_ROLE_CHECK = "role IN (" + ", ".join(f"'{r}'" for r in STAFF_ROLES) + ")"


class StaffUser(Base):
    """A member of staff who signs in with a password (argon2) and optionally TOTP."""

    __tablename__ = "staff_users"
    __table_args__ = (CheckConstraint(_ROLE_CHECK, name="role"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(128), unique=True)
    display_name: Mapped[str | None] = mapped_column(PersonalText)
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(256))
    totp_secret: Mapped[str | None] = mapped_column(PersonalText)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)  # refuse a replayed TOTP code
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AuthSession(Base):
    """Server-side session: the cookie holds a random token, the table only its SHA-256."""

    __tablename__ = "auth_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # staff | borrower
    subject_id: Mapped[str] = mapped_column(String(64), index=True)  # staff id or borrower id
    role: Mapped[str] = mapped_column(String(32))
    stage: Mapped[str] = mapped_column(String(16), default="full")  # full | totp
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())


class BorrowerCode(Base):
    """A one-time sign-in code (6 digits) and link token for a borrower; only hashes are stored."""

    __tablename__ = "borrower_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    link_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Assignment(Base):
    """Which agent works which borrower's case: the data scope of agents and field agents."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("borrower_id", "agent_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id", ondelete="CASCADE"), index=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("staff_users.id"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AuditEvent(Base):
    """One link of the append-only, hash-chained audit trail (see privacy/audit.py)."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))  # ISO 8601 UTC, hashed exactly as stored
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str] = mapped_column(String(128), index=True)
    rule_id: Mapped[str | None] = mapped_column(String(128))
    legal_basis: Mapped[str | None] = mapped_column(String(256))
    trace_id: Mapped[str | None] = mapped_column(String(64))
    before_digest: Mapped[str | None] = mapped_column(String(64))
    after_digest: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """One row: the last seq and hash. Appenders lock it (row lock) so the chain never forks."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))


class LegalHold(Base):
    """A reason to keep a borrower's data past retention (litigation, regulator inquiry, open dispute)."""

    __tablename__ = "legal_holds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(256))
    placed_by: Mapped[str] = mapped_column(String(64))
    placed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    released_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class RetentionAction(Base):
    """A borrower anonymised by `duecare retention run` (so it is done once, and can be reported)."""

    __tablename__ = "retention_actions"

    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id", ondelete="CASCADE"), primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(8))
    last_activity: Mapped[date] = mapped_column(Date)
    keep_until: Mapped[date] = mapped_column(Date)
    anonymised_at: Mapped[datetime] = mapped_column(UtcDateTime())
    fields_cleared: Mapped[int] = mapped_column(Integer)


class SubjectRequest(Base):
    """A data-subject request (access, correction, deletion) with its legal deadline."""

    __tablename__ = "subject_requests"
    __table_args__ = (
        CheckConstraint("kind IN ('access', 'correction', 'deletion')", name="kind"),
        CheckConstraint("status IN ('received', 'in_progress', 'completed', 'refused')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="received")
    jurisdiction: Mapped[str] = mapped_column(String(8))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    deadline: Mapped[date] = mapped_column(Date)
    deadline_source: Mapped[str] = mapped_column(String(256))
    details: Mapped[str | None] = mapped_column(PersonalText)  # e.g. the correction asked for
    outcome: Mapped[str | None] = mapped_column(PersonalText)  # what was done / reasons for refusal
    handled_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ReviewRequest(Base):
    """A borrower's request for human review of an automated decision (PIPL Art. 24, GDPR Art. 22)."""

    __tablename__ = "review_requests"
    __table_args__ = (CheckConstraint("status IN ('pending', 'upheld', 'changed')", name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id", ondelete="CASCADE"), index=True)
    decision_ref: Mapped[str] = mapped_column(String(128))  # e.g. "decision:<loan_id>:<as_of>"
    decision_summary: Mapped[str | None] = mapped_column(Text)  # the explanation shown to the borrower
    reason: Mapped[str | None] = mapped_column(PersonalText)  # the borrower's own words
    status: Mapped[str] = mapped_column(String(16), default="pending")
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    reviewer_id: Mapped[str | None] = mapped_column(String(64))
    reviewer_note: Mapped[str | None] = mapped_column(PersonalText)
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


# The audit trail is append-only in the database too: UPDATE and DELETE are refused by triggers.
# (An attacker with DDL rights can drop them; `duecare audit verify` is what detects that tampering.)
SQLITE_AUDIT_TRIGGERS = [
    (
        "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
    ),
    (
        "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
    ),
]
PG_AUDIT_TRIGGERS = [
    (
        "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$"
    ),
    (
        "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
        "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
    ),
]


def _ddl(sql: str, dialect: str) -> DDL:
    return DDL(sql).execute_if(dialect=dialect)  # type: ignore[no-untyped-call]


for _sql in SQLITE_AUDIT_TRIGGERS:
    event.listen(AuditEvent.__table__, "after_create", _ddl(_sql, "sqlite"))
for _sql in PG_AUDIT_TRIGGERS:
    event.listen(AuditEvent.__table__, "after_create", _ddl(_sql, "postgresql"))


class RateHit(Base):
    """One counted attempt of a rate limiter, shared by every web worker (privacy.security.DatabaseHits).

    `key_hash` is the SHA-256 of the limiter's name and its key (an address, a phone, a username): no personal
    data in clear. `at` is wall-clock seconds since the epoch (every worker reads the same clock)."""

    __tablename__ = "rate_limit_hits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_hash: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[float] = mapped_column(Float, index=True)
