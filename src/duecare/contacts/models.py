"""The outbox: decision records, contact tasks (one per idempotency key), suppressions and inbound receipts.

A task's life is a small state machine (`flows.py`): pending → claimed → sending → sent | skipped | dead,
with `claimed`/`sending` held under a lease that expires, so a killed worker's task is taken over.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from duecare.kit.db import Base, UtcDateTime
from duecare.kit.fields import PersonalText
from duecare.ledger.models import enum_type

ID = String(64)


class TaskStatus(StrEnum):
    PENDING = "pending"    # waiting for not_before / next_attempt_at
    CLAIMED = "claimed"    # leased by a worker, nothing delivered yet
    SENDING = "sending"    # a delivery attempt has started (attempt_id set): the outcome may be unknown
    SENT = "sent"          # the channel accepted it
    SKIPPED = "skipped"    # no longer lawful or no longer decided at send time (reason kept)
    DEAD = "dead"          # gave up; a person must look (reason kept)


class SuppressionReason(StrEnum):
    OPT_OUT = "opt_out"          # STOP, unsubscribe or its Chinese equivalent on that channel
    WRONG_PARTY = "wrong_party"  # someone else answered on that address: never use it again
    INVALID = "invalid"          # the provider says the address does not exist


class DecisionRecord(Base):
    """What one batch run decided for one loan (the outbox's transaction partner)."""

    __tablename__ = "decisions"

    run_id: Mapped[str] = mapped_column(ID, primary_key=True)
    loan_id: Mapped[str] = mapped_column(ID, primary_key=True)
    borrower_id: Mapped[str] = mapped_column(ID, index=True)
    pack: Mapped[str | None] = mapped_column(String(8))
    action: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    not_before: Mapped[datetime] = mapped_column(UtcDateTime())
    policy_version: Mapped[str] = mapped_column(String(128))
    variant: Mapped[str | None] = mapped_column(String(16))
    ladder_line: Mapped[str | None] = mapped_column(String(64))
    reasons_json: Mapped[str] = mapped_column("reasons", Text, default="[]")
    blocked_json: Mapped[str] = mapped_column("blocked_rules", Text, default="[]")
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ContactTask(Base):
    """One message (or agent call, or letter) to deliver exactly once."""

    __tablename__ = "contact_tasks"
    __table_args__ = (
        UniqueConstraint("loan_id", "action", "local_day", "policy_version", name="uq_contact_tasks_idempotency"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index("ix_contact_tasks_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    run_id: Mapped[str] = mapped_column(ID)
    # None for a transactional message about the borrower, not a loan (a sign-in code: contacts/signin.py).
    loan_id: Mapped[str | None] = mapped_column(ForeignKey("loans.id"), index=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))  # sms | email | voice | letter
    local_day: Mapped[date] = mapped_column(Date)
    policy_version: Mapped[str] = mapped_column(String(128))
    pack: Mapped[str | None] = mapped_column(String(8))
    not_before: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[TaskStatus] = mapped_column(enum_type(TaskStatus, "status"), default=TaskStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    attempt_id: Mapped[str | None] = mapped_column(String(64))  # set before delivering (fencing token)
    provider_ref: Mapped[str | None] = mapped_column(String(128))
    reason: Mapped[str | None] = mapped_column(String(500))  # skip / dead / last-error reason, no personal data
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Suppression(Base):
    """An address that must not be used on a channel (opt-out, wrong party, invalid), keyed by its hash."""

    __tablename__ = "contact_suppressions"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    address_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    borrower_id: Mapped[str | None] = mapped_column(ForeignKey("borrowers.id"), index=True)
    reason: Mapped[SuppressionReason] = mapped_column(enum_type(SuppressionReason, "reason"))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    source: Mapped[str] = mapped_column(String(64))


class InboundEvent(Base):
    """A signed webhook delivery (receipt or reply), kept once per provider event id."""

    __tablename__ = "contact_inbound"

    provider: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # receipt | reply
    task_id: Mapped[int | None] = mapped_column(ForeignKey("contact_tasks.id"))
    borrower_id: Mapped[str | None] = mapped_column(ForeignKey("borrowers.id"))
    body: Mapped[str | None] = mapped_column(PersonalText())  # a reply's text is personal data
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CallQueueItem(Base):
    """A call an agent should make (the voice channel delivers into this queue)."""

    __tablename__ = "call_queue"

    task_id: Mapped[int] = mapped_column(ForeignKey("contact_tasks.id"), primary_key=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id"), index=True)
    loan_id: Mapped[str] = mapped_column(ForeignKey("loans.id"))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | done | cancelled
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TaskPayload(Base):
    """The secret content of a transactional task (a sign-in code), encrypted, deleted once the task ends."""

    __tablename__ = "contact_task_payloads"

    task_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                         ForeignKey("contact_tasks.id", ondelete="CASCADE"), primary_key=True,
                                         autoincrement=False)
    payload: Mapped[str] = mapped_column(PersonalText())  # JSON; never logged
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ContactPreference(Base):
    """What a borrower stated about when and how to be contacted (the guardrails honour it).

    `hours` and `channels_refused` are JSON in the case file's shape (`ledger.casefile.ContactPreferences`):
    windows in the borrower's local time and the remote channels they refused. Not identifying, so plain text:
    `ledger.repository.store_frames` reads it for every decision.
    """

    __tablename__ = "contact_preferences"

    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id", ondelete="CASCADE"), primary_key=True)
    hours: Mapped[str] = mapped_column(Text, default="[]")
    channels_refused: Mapped[str] = mapped_column(Text, default="[]")
    stated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    source: Mapped[str] = mapped_column(String(16))  # portal | agent | ingest
    recorded_by: Mapped[str | None] = mapped_column(ID)


class LetterText(Base):
    """The exact text of a delivered letter, beside its notice record (what the borrower received)."""

    __tablename__ = "letter_texts"

    notice_id: Mapped[str] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"), primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("contact_tasks.id"))
    language: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(PersonalText())
    body: Mapped[str] = mapped_column(PersonalText())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
