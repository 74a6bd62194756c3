"""Tables of the home-visit workflow: the visit case, its event timeline, the notice texts, the borrower's
preferred times, the scoped report, follow-ups and the message requests handed to the contact channels.

The ledger keeps the facts the policy reads (notices, consents, approvals, promises, holds, visits); these
tables keep what the workflow needs beside them. A visit's timeline is read from `visit_events`, which is
append-only like the consents.
"""

from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from duecare.kit.db import Base, UtcDateTime
from duecare.kit.fields import PersonalText
from duecare.ledger.models import AppendOnlyError, enum_type

ID = String(64)


class VisitState(StrEnum):
    PROPOSED = "proposed"
    NOTICE_SENT = "notice_sent"
    CONSENTED = "consented"
    DECLINED = "declined"
    EXPIRED = "expired"
    APPROVED = "approved"
    REJECTED = "rejected"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"  # both agents checked in at the door
    ON_HOLD = "on_hold"  # the gate closed for a temporary reason (promise pending, hardship review)
    REPORTED = "reported"
    REVIEWED = "reviewed"
    CANCELLED = "cancelled"


class Outcome(StrEnum):
    MET_BORROWER = "met_borrower"
    NOT_HOME = "not_home"
    MOVED = "moved"
    REFUSED = "refused"
    THIRD_PARTY_ONLY = "third_party_only"


class VisitCase(Base):
    """One proposed home visit for one loan, from proposal to review; `state` changes only through flows.py."""

    __tablename__ = "visit_cases"
    __table_args__ = (
        CheckConstraint("agent_a IS NULL OR agent_a <> agent_b", name="two_distinct_agents"),
        CheckConstraint("window_end IS NULL OR window_end > window_start", name="window_ordered"),
        Index("ix_visit_cases_borrower_state", "borrower_id", "state"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id"))
    loan_id: Mapped[str] = mapped_column(ForeignKey("loans.id"), index=True)
    state: Mapped[VisitState] = mapped_column(enum_type(VisitState, "state"))
    pack: Mapped[str] = mapped_column(String(8))
    policy_version: Mapped[str] = mapped_column(String(128))
    proposed_by: Mapped[str] = mapped_column(String(128))
    proposed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    notice_id: Mapped[str | None] = mapped_column(ForeignKey("notices.id"))
    approval_id: Mapped[str | None] = mapped_column(ForeignKey("approvals.id"))
    ledger_visit_id: Mapped[str | None] = mapped_column(ForeignKey("visits.id"))
    agent_a: Mapped[str | None] = mapped_column(ForeignKey("staff_users.id"))
    agent_b: Mapped[str | None] = mapped_column(ForeignKey("staff_users.id"))
    window_start: Mapped[datetime | None] = mapped_column(UtcDateTime())  # the window told to the borrower
    window_end: Mapped[datetime | None] = mapped_column(UtcDateTime())
    planned_arrival: Mapped[datetime | None] = mapped_column(UtcDateTime())  # from the pair's day route
    route_order: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[Outcome | None] = mapped_column(enum_type(Outcome, "outcome"))
    close_reason: Mapped[str | None] = mapped_column(String(500))  # reason codes, never personal data
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    held_from: Mapped[str | None] = mapped_column(String(16))  # the state an on_hold visit resumes towards
    # Evidence of the visit itself: both agents check in at the door and out when they leave.
    checked_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    checked_in_by: Mapped[str | None] = mapped_column(String(140))  # "F1,F2": both agents, comma-separated
    checked_out_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    checked_out_by: Mapped[str | None] = mapped_column(String(140))


class VisitEvent(Base):
    """One transition of a visit with the gate evaluation it was checked against. Append-only."""

    __tablename__ = "visit_events"
    __table_args__ = (Index("ix_visit_events_visit_seq", "visit_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    visit_id: Mapped[str] = mapped_column(ForeignKey("visit_cases.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(128))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of reason codes
    rule_id: Mapped[str | None] = mapped_column(String(128))
    legal_basis: Mapped[str | None] = mapped_column(String(500))
    gate_json: Mapped[str | None] = mapped_column("gate", Text)  # decision JSON: codes and numbers only
    gate_digest: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(PersonalText())


@event.listens_for(VisitEvent, "before_update")
def _event_is_append_only(_mapper: object, _connection: object, target: VisitEvent) -> None:
    raise AppendOnlyError(f"visit event {target.id} cannot be changed; append a new event instead")


@event.listens_for(VisitEvent, "before_delete")
def _event_is_not_deleted(_mapper: object, _connection: object, target: VisitEvent) -> None:
    raise AppendOnlyError(f"visit event {target.id} cannot be deleted; the timeline is evidence")


class NoticeDocument(Base):
    """The exact text a visit notice showed: canonical text (encrypted: it names the borrower) and its hash."""

    __tablename__ = "visit_notice_documents"

    notice_id: Mapped[str] = mapped_column(ForeignKey("notices.id"), primary_key=True)
    visit_id: Mapped[str] = mapped_column(ForeignKey("visit_cases.id"), index=True)
    template_version: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    version_hash: Mapped[str] = mapped_column(String(64))
    canonical_text: Mapped[str] = mapped_column(PersonalText())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class VisitPreference(Base):
    """A time the borrower said suits a visit (local weekday and hours). The latest statement replaces older."""

    __tablename__ = "visit_preferences"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("end_time > start_time", name="hours_ordered"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id"), index=True)
    stated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    start_time: Mapped[time] = mapped_column(Time())
    end_time: Mapped[time] = mapped_column(Time())
    channel: Mapped[str] = mapped_column(String(20))


class VisitReport(Base):
    """The field agents' scoped report; stored only after the scope and the free-text scan accepted it."""

    __tablename__ = "visit_reports"

    visit_id: Mapped[str] = mapped_column(ForeignKey("visit_cases.id"), primary_key=True)
    outcome: Mapped[Outcome] = mapped_column(enum_type(Outcome, "outcome"))
    fields_json: Mapped[str] = mapped_column("fields", PersonalText())
    notes: Mapped[str | None] = mapped_column(PersonalText())
    recording_ref: Mapped[str | None] = mapped_column(String(256))
    filed_by: Mapped[str] = mapped_column(ForeignKey("staff_users.id"))
    filed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    scope_version: Mapped[str] = mapped_column(String(64))


class FollowUp(Base):
    """What a visit changed in the case: a promise, a plan proposal, a hardship hold or a referral."""

    __tablename__ = "visit_follow_ups"
    __table_args__ = (
        CheckConstraint("kind IN ('promise', 'plan_proposal', 'hardship_hold', 'referral', 'do_not_return')",
                        name="kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    visit_id: Mapped[str] = mapped_column(ForeignKey("visit_cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str | None] = mapped_column(String(64))  # the ledger row it created (promise / hold id)
    details: Mapped[str | None] = mapped_column(PersonalText())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ConsentForm(Base):
    """A signed consent form or a recorded call statement that staff uploaded for a visit notice. It makes a
    grant only once a second person — neither the visit's proposer nor the uploader — has verified it."""

    __tablename__ = "visit_consent_forms"
    __table_args__ = (
        CheckConstraint("kind IN ('signed_form', 'recorded_statement')", name="kind"),
        CheckConstraint("status IN ('pending', 'verified', 'rejected')", name="status"),
        CheckConstraint("verified_by IS NULL OR verified_by <> uploaded_by", name="second_person"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    visit_id: Mapped[str] = mapped_column(ForeignKey("visit_cases.id"), index=True)
    notice_id: Mapped[str] = mapped_column(ForeignKey("notices.id"))
    kind: Mapped[str] = mapped_column(String(20))
    document_sha256: Mapped[str] = mapped_column(String(64))  # the uploaded file's hash (the file stays outside)
    document_ref: Mapped[str] = mapped_column(PersonalText())  # where the signed document is kept
    signed_at: Mapped[datetime] = mapped_column(UtcDateTime())  # when the borrower signed / spoke
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(16), default="pending")
    verified_by: Mapped[str | None] = mapped_column(String(64))
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    consent_id: Mapped[str | None] = mapped_column(ForeignKey("consents.id"))


class VisitMessage(Base):
    """A request to tell someone something (notice, summary, cancellation), for the contact channels to
    deliver; the workflow never delivers itself. One row per idempotency key."""

    __tablename__ = "visit_messages"
    __table_args__ = (
        UniqueConstraint("idempotency_key"),
        CheckConstraint("recipient_kind IN ('borrower', 'staff')", name="recipient_kind"),
        CheckConstraint("status IN ('pending', 'queued', 'sent', 'failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(128))
    visit_id: Mapped[str] = mapped_column(ForeignKey("visit_cases.id"), index=True)
    recipient_kind: Mapped[str] = mapped_column(String(16))
    recipient_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))  # portal | sms | email | letter | staff_inbox
    kind: Mapped[str] = mapped_column(String(32))  # visit_notice | visit_cancelled | visit_summary | ...
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(PersonalText())
    # pending (written) → queued (an outbox task holds it) → sent | failed; portal and staff inbox: sent at once.
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The contact task delivering it (visits/delivery.py); no foreign key: the outbox owns its table's life.
    task_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ReportCorrection(Base):
    """A borrower's request to correct one fact of a visit report (PIPL Art. 46), reviewed by a person.
    Applied, the report holds the new value; this row keeps the original (encrypted) and who decided."""

    __tablename__ = "visit_report_corrections"
    __table_args__ = (CheckConstraint("status IN ('requested', 'applied', 'rejected')", name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    visit_id: Mapped[str] = mapped_column(ForeignKey("visit_cases.id"), index=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("subject_requests.id"), unique=True)
    field: Mapped[str] = mapped_column(String(40))
    before: Mapped[str | None] = mapped_column(PersonalText())  # the value as filed (JSON)
    after: Mapped[str] = mapped_column(PersonalText())  # the value asked for (JSON)
    reason: Mapped[str | None] = mapped_column(PersonalText())
    status: Mapped[str] = mapped_column(String(16), default="requested")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decision_note: Mapped[str | None] = mapped_column(PersonalText())

# --- remote alternatives to a visit (issue 17): documents, video/phone appointments, the remote report ---------

class RemoteDocument(Base):
    """A document the borrower uploaded as proof of income or hardship for a remote alternative. Checked by its
    content (magic bytes, a clean PDF parse, images re-encoded without metadata) before it is stored; the
    content is encrypted at rest (base64 inside `PersonalText`) and deleted after `delete_after` (pack)."""

    __tablename__ = "remote_documents"
    __table_args__ = (
        CheckConstraint("kind IN ('income', 'hardship', 'other')", name="kind"),
        CheckConstraint("content_type IN ('application/pdf', 'image/jpeg', 'image/png')", name="content_type"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    alternative_id: Mapped[str] = mapped_column(ForeignKey("alternatives.id"), index=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    content_type: Mapped[str] = mapped_column(String(32))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))  # of the stored (cleaned) bytes: integrity, never a lookup
    content: Mapped[str | None] = mapped_column(PersonalText())  # None once deleted by retention
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    delete_after: Mapped[datetime] = mapped_column(UtcDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class AppointmentState(StrEnum):
    BOOKED = "booked"
    DONE = "done"
    CANCELLED = "cancelled"


class Appointment(Base):
    """A video call (browser to browser, WebRTC) or phone appointment booked in one of the borrower's
    preferred times. The borrower's consent to the call is separate from any visit consent; nothing is
    recorded. Join tokens are derived (HMAC, expiring, bound to the appointment and the participant)."""

    __tablename__ = "remote_appointments"
    __table_args__ = (CheckConstraint("mode IN ('video', 'phone')", name="mode"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    alternative_id: Mapped[str] = mapped_column(ForeignKey("alternatives.id"), index=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id"), index=True)
    loan_id: Mapped[str | None] = mapped_column(ForeignKey("loans.id"))
    mode: Mapped[str] = mapped_column(String(8))
    state: Mapped[AppointmentState] = mapped_column(enum_type(AppointmentState, "state"))
    slot_start: Mapped[datetime] = mapped_column(UtcDateTime())
    slot_end: Mapped[datetime] = mapped_column(UtcDateTime())
    agent_id: Mapped[str | None] = mapped_column(ForeignKey("staff_users.id"))
    booked_at: Mapped[datetime] = mapped_column(UtcDateTime())
    call_consent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # the borrower's consent to the call
    connected_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class RemoteReport(Base):
    """The same scoped report a visit files (`visits.report.validate_report`), for a remote alternative: its
    `source` says how the situation was learnt. Filing it verifies the alternative (`verified_remotely`)."""

    __tablename__ = "remote_reports"
    __table_args__ = (
        CheckConstraint("source IN ('video', 'phone', 'documents', 'questionnaire', 'plan')", name="source"),
    )

    alternative_id: Mapped[str] = mapped_column(ForeignKey("alternatives.id"), primary_key=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id"), index=True)
    source: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[Outcome] = mapped_column(enum_type(Outcome, "outcome"))
    fields_json: Mapped[str] = mapped_column("fields", PersonalText())
    notes: Mapped[str | None] = mapped_column(PersonalText())
    filed_by: Mapped[str] = mapped_column(ForeignKey("staff_users.id"))
    filed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    scope_version: Mapped[str] = mapped_column(String(64))
