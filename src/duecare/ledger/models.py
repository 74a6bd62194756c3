"""The operational store of the ledger: borrowers, their loans and everything that happened to them.

Conventions every domain can rely on:
- primary keys are the external ids of the portfolio files (strings, at most 64 characters);
- money is integer minor units in `*_minor` BigInteger columns (`kit.money`); the Decimal is a property;
- instants are `UtcDateTime` (aware in, UTC stored, aware UTC out); calendar dates are `Date`;
- personal data (names, phones, emails, addresses, home geo point, free text, evidence) is `PersonalText`,
  encrypted at rest; lookups go through keyed hashes (`BorrowerPhone`);
- `ingest_digest` is a keyed hash of the source row, so that re-ingesting an unchanged row writes nothing
  (the encrypted columns cannot be compared in SQL).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    event,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from duecare.kit.db import Base, UtcDateTime
from duecare.kit.fields import PersonalText
from duecare.kit.money import from_minor, to_minor
from duecare.ledger.enums import (
    FLAGS,
    AlternativeKind,
    AlternativeState,
    ApprovalDecision,
    Channel,
    ConsentDecision,
    Direction,
    HoldKind,
    Jurisdiction,
    Language,
    LimitBy,
    LimitChannel,
    LimitKind,
    Outcome,
    PromiseStatus,
    RiskBand,
    VisitStatus,
    enum_type,
)

# The vocabularies live in enums.py; they are re-exported here for callers that import them from models.
__all__ = [
    "FLAGS",
    "Alternative",
    "AlternativeKind",
    "AlternativeState",
    "AppendOnlyError",
    "ContactLimit",
    "LimitBy",
    "LimitChannel",
    "LimitKind",
    "Approval",
    "ApprovalDecision",
    "Borrower",
    "BorrowerName",
    "BorrowerPhone",
    "Channel",
    "Consent",
    "ConsentDecision",
    "ContactEvent",
    "Direction",
    "Hold",
    "HoldKind",
    "Installment",
    "Jurisdiction",
    "Language",
    "Loan",
    "Notice",
    "Outcome",
    "Payment",
    "Promise",
    "PromiseStatus",
    "RiskBand",
    "Visit",
    "VisitStatus",
    "enum_type",
]

ID = String(64)
DIGEST = String(64)


class Borrower(Base):
    """A person who owes; personal fields are encrypted, flags are plain booleans the policy reads."""

    __tablename__ = "borrowers"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(PersonalText())
    phones_json: Mapped[str] = mapped_column("phones", PersonalText())
    email: Mapped[str | None] = mapped_column(PersonalText())
    address: Mapped[str | None] = mapped_column(PersonalText())
    city: Mapped[str | None] = mapped_column(String(80))
    # The home geo point is a whereabouts (PIPL Art. 28): encrypted, as JSON [lat, lon].
    geo_json: Mapped[str | None] = mapped_column("geo", PersonalText())
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[Language] = mapped_column(enum_type(Language, "language"))
    jurisdiction: Mapped[Jurisdiction] = mapped_column(enum_type(Jurisdiction, "jurisdiction"))
    risk_band: Mapped[RiskBand | None] = mapped_column(enum_type(RiskBand, "risk_band"))
    vulnerable: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    dispute_open: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    hardship_open: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    deceased: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    bankrupt: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    represented_by_lawyer: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    do_not_contact: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    ingest_digest: Mapped[str | None] = mapped_column(DIGEST)

    loans: Mapped[list[Loan]] = relationship(back_populates="borrower", lazy="raise")

    @property
    def phones(self) -> list[str]:
        return list(json.loads(self.phones_json)) if self.phones_json else []

    @phones.setter
    def phones(self, value: list[str]) -> None:
        """Sets the encrypted list only; `repository.set_phones` also keeps the lookup index in step."""
        self.phones_json = json.dumps(list(value), ensure_ascii=False)

    @property
    def geo(self) -> tuple[float, float] | None:
        if not self.geo_json:
            return None
        lat, lon = json.loads(self.geo_json)
        return float(lat), float(lon)

    @geo.setter
    def geo(self, value: tuple[float, float] | None) -> None:
        self.geo_json = None if value is None else json.dumps([float(value[0]), float(value[1])])


class BorrowerPhone(Base):
    """Keyed hash of each phone number of a borrower: the only way to find a borrower by phone."""

    __tablename__ = "borrower_phone_index"

    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id", ondelete="CASCADE"), primary_key=True)
    phone_hash: Mapped[str] = mapped_column(DIGEST, primary_key=True, index=True)

    borrower: Mapped[Borrower] = relationship(lazy="raise")


class BorrowerName(Base):
    """Keyed hash of a borrower's normalised name (ledger/names.py): the only way to find a borrower by name."""

    __tablename__ = "borrower_name_index"

    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id", ondelete="CASCADE"), primary_key=True)
    name_hash: Mapped[str] = mapped_column(DIGEST, primary_key=True, index=True)

    borrower: Mapped[Borrower] = relationship(lazy="raise")


class Loan(Base):
    """One credit agreement of a borrower."""

    __tablename__ = "loans"
    __table_args__ = (
        CheckConstraint("principal_minor > 0", name="principal_positive"),
        CheckConstraint("interest_rate_bp >= 0 AND apr_bp >= 0 AND penalty_rate_bp >= 0 AND fees_minor >= 0 "
                        "AND late_fee_minor >= 0 AND grace_days >= 0", name="terms_not_negative"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    principal_minor: Mapped[int] = mapped_column(BigInteger)
    disbursed_on: Mapped[date] = mapped_column(Date)
    # Contract terms (ledger_0008); NULL = not on file. Rates in basis points a year (1825 = 18.25 %).
    interest_rate_bp: Mapped[int | None] = mapped_column(Integer)
    apr_bp: Mapped[int | None] = mapped_column(Integer)
    fees_minor: Mapped[int | None] = mapped_column(BigInteger)
    late_fee_minor: Mapped[int | None] = mapped_column(BigInteger)
    penalty_rate_bp: Mapped[int | None] = mapped_column(Integer)
    grace_days: Mapped[int | None] = mapped_column(Integer)
    ingest_digest: Mapped[str | None] = mapped_column(DIGEST)

    borrower: Mapped[Borrower] = relationship(back_populates="loans", lazy="raise")
    installments: Mapped[list[Installment]] = relationship(
        back_populates="loan", lazy="raise", order_by="Installment.seq")
    payments: Mapped[list[Payment]] = relationship(back_populates="loan", lazy="raise",
                                                   order_by="Payment.paid_at")

    @property
    def principal(self) -> Decimal:
        return from_minor(self.principal_minor)

    @principal.setter
    def principal(self, value: Decimal) -> None:
        self.principal_minor = to_minor(Decimal(value))


class Installment(Base):
    """A scheduled amount due on a local calendar date; `(loan_id, seq)` is the key."""

    __tablename__ = "installments"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("seq >= 1", name="seq_positive"),
    )

    loan_id: Mapped[str] = mapped_column(ForeignKey("loans.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    due_date: Mapped[date] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    ingest_digest: Mapped[str | None] = mapped_column(DIGEST)

    loan: Mapped[Loan] = relationship(back_populates="installments", lazy="raise")

    @property
    def amount(self) -> Decimal:
        return from_minor(self.amount_minor)

    @amount.setter
    def amount(self, value: Decimal) -> None:
        self.amount_minor = to_minor(Decimal(value))


class Payment(Base):
    """Money received for a loan at an instant."""

    __tablename__ = "payments"
    __table_args__ = (CheckConstraint("amount_minor > 0", name="amount_positive"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    loan_id: Mapped[str] = mapped_column(ForeignKey("loans.id"), index=True)
    paid_at: Mapped[datetime] = mapped_column(UtcDateTime())
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    ingest_digest: Mapped[str | None] = mapped_column(DIGEST)
    # Where the payment was learnt: `ledger` (the lender's payment file) or `portal` (confirmed by the payment
    # provider's signed callback, duecare/payments).
    source: Mapped[str] = mapped_column(String(16), default="ledger", server_default="ledger")

    loan: Mapped[Loan] = relationship(back_populates="payments", lazy="raise")

    @property
    def amount(self) -> Decimal:
        return from_minor(self.amount_minor)

    @amount.setter
    def amount(self, value: Decimal) -> None:
        self.amount_minor = to_minor(Decimal(value))


class ContactEvent(Base):
    """One attempt or conversation on a channel; belongs to the borrower, optionally narrowed to a loan."""

    __tablename__ = "contact_events"
    __table_args__ = (
        CheckConstraint("duration_s IS NULL OR duration_s >= 0", name="duration_not_negative"),
        Index("ix_contact_events_borrower_at", "borrower_id", "at"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id"))
    loan_id: Mapped[str | None] = mapped_column(ForeignKey("loans.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    channel: Mapped[Channel] = mapped_column(enum_type(Channel, "channel"))
    direction: Mapped[Direction] = mapped_column(enum_type(Direction, "direction"))
    outcome: Mapped[Outcome] = mapped_column(enum_type(Outcome, "outcome"))
    agent_id: Mapped[str | None] = mapped_column(ID)
    duration_s: Mapped[int | None] = mapped_column(Integer)
    ingest_digest: Mapped[str | None] = mapped_column(DIGEST)
    # The visit notice this event answers (a reply parsed into a consent record): an answer about the visit,
    # not a conversation about the debt, so no contact feature counts it (features.contacts).
    answers_notice_id: Mapped[str | None] = mapped_column(ID)

    borrower: Mapped[Borrower] = relationship(lazy="raise")
    loan: Mapped[Loan | None] = relationship(lazy="raise")


class Notice(Base):
    """A notice sent to a borrower (e.g. the visit notice); `version_hash` pins the exact text shown."""

    __tablename__ = "notices"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id"), index=True)
    loan_id: Mapped[str | None] = mapped_column(ForeignKey("loans.id"))
    kind: Mapped[str] = mapped_column(String(40))
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime())
    version_hash: Mapped[str | None] = mapped_column(DIGEST)
    ingest_digest: Mapped[str | None] = mapped_column(DIGEST)

    borrower: Mapped[Borrower] = relationship(lazy="raise")
    loan: Mapped[Loan | None] = relationship(lazy="raise")


class Consent(Base):
    """A borrower's decision about a purpose. Append-only: a withdrawal is a new row, never an update."""

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_borrower_purpose_at", "borrower_id", "purpose", "at"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id"))
    purpose: Mapped[str] = mapped_column(String(40))
    decision: Mapped[ConsentDecision] = mapped_column(enum_type(ConsentDecision, "decision"))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    notice_id: Mapped[str | None] = mapped_column(ForeignKey("notices.id"))
    notice_version_hash: Mapped[str | None] = mapped_column(DIGEST)
    channel: Mapped[str | None] = mapped_column(String(20))
    evidence: Mapped[str | None] = mapped_column(PersonalText())
    ingest_digest: Mapped[str | None] = mapped_column(DIGEST)

    borrower: Mapped[Borrower] = relationship(lazy="raise")
    notice: Mapped[Notice | None] = relationship(lazy="raise")


class AppendOnlyError(Exception):
    """An attempt to change or delete a row of an append-only table."""


@event.listens_for(Consent, "before_update")
def _consent_is_append_only(_mapper: object, _connection: object, target: Consent) -> None:
    raise AppendOnlyError(f"consent {target.id} cannot be changed; record a new consent row instead")


@event.listens_for(Consent, "before_delete")
def _consent_is_not_deleted(_mapper: object, _connection: object, target: Consent) -> None:
    raise AppendOnlyError(f"consent {target.id} cannot be deleted; consents are append-only evidence")


class Approval(Base):
    """A supervisor's decision on a visit notice."""

    __tablename__ = "approvals"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id"), index=True)
    notice_id: Mapped[str] = mapped_column(ForeignKey("notices.id"), index=True)
    decision: Mapped[ApprovalDecision] = mapped_column(enum_type(ApprovalDecision, "decision"))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    decided_by: Mapped[str] = mapped_column(ID)
    ingest_digest: Mapped[str | None] = mapped_column(DIGEST)

    borrower: Mapped[Borrower] = relationship(lazy="raise")
    notice: Mapped[Notice] = relationship(lazy="raise")


class Promise(Base):
    """A promise to pay an amount by a local date."""

    __tablename__ = "promises"
    __table_args__ = (CheckConstraint("amount_minor IS NULL OR amount_minor > 0", name="amount_positive"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id"), index=True)
    loan_id: Mapped[str | None] = mapped_column(ForeignKey("loans.id"))
    promised_date: Mapped[date] = mapped_column(Date)
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[PromiseStatus] = mapped_column(enum_type(PromiseStatus, "status"))
    ingest_digest: Mapped[str | None] = mapped_column(DIGEST)
    # When it was made here (console, portal, plan, call analysis, visit report); NULL when learnt from the
    # lender's promises file. Payments from then on settle it (policy/promises.py), written back here.
    made_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # The settlement of a promise made here, written with its status: the money that went to it and the
    # borrower-local day that money reached its amount (NULL until kept). NULL for the lender's promises.
    paid_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    kept_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    borrower: Mapped[Borrower] = relationship(lazy="raise")
    loan: Mapped[Loan | None] = relationship(lazy="raise")

    @property
    def amount(self) -> Decimal | None:
        return None if self.amount_minor is None else from_minor(self.amount_minor)

    @amount.setter
    def amount(self, value: Decimal | None) -> None:
        self.amount_minor = None if value is None else to_minor(Decimal(value))


class Hold(Base):
    """A period during which collection stops (for the borrower, or one loan when `loan_id` is set)."""

    __tablename__ = "holds"
    __table_args__ = (
        CheckConstraint("closed_at IS NULL OR closed_at >= opened_at", name="closed_after_opened"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id"), index=True)
    loan_id: Mapped[str | None] = mapped_column(ForeignKey("loans.id"))
    kind: Mapped[HoldKind] = mapped_column(enum_type(HoldKind, "kind"))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reason: Mapped[str | None] = mapped_column(PersonalText())

    borrower: Mapped[Borrower] = relationship(lazy="raise")
    loan: Mapped[Loan | None] = relationship(lazy="raise")


class Visit(Base):
    """A home visit as known to the ledger (the visit workflow keeps its own, richer records)."""

    __tablename__ = "visits"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id"), index=True)
    loan_id: Mapped[str | None] = mapped_column(ForeignKey("loans.id"))
    status: Mapped[VisitStatus] = mapped_column(enum_type(VisitStatus, "status"))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    # What the agents found (met_borrower, not_home, moved, refused, third_party_only); `refused` is the
    # borrower's "do not come back", which blocks new visits for the strategy's period.
    outcome: Mapped[str | None] = mapped_column(String(20))
    ingest_digest: Mapped[str | None] = mapped_column(DIGEST)

    borrower: Mapped[Borrower] = relationship(lazy="raise")
    loan: Mapped[Loan | None] = relationship(lazy="raise")


class Alternative(Base):
    """A remote alternative to a home visit the borrower chose (questionnaire, documents, video call, phone
    appointment, repayment plan). While `chosen` or `completed` it pauses the visit for the strategy's
    `alternative_pause_days`; once `verified` (a person confirmed the situation it established, `evidence_ref`
    naming what) it closes the visit need for `verified_remotely_days`."""

    __tablename__ = "alternatives"
    __table_args__ = (
        CheckConstraint("completed_at IS NULL OR completed_at >= chosen_at", name="completed_after_chosen"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id"), index=True)
    loan_id: Mapped[str | None] = mapped_column(ForeignKey("loans.id"))
    kind: Mapped[AlternativeKind] = mapped_column(enum_type(AlternativeKind, "kind"))
    state: Mapped[AlternativeState] = mapped_column(enum_type(AlternativeState, "state"))
    chosen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # What established the situation: e.g. `questionnaire:12`, `document:D3`, `video_report:R7` (never content).
    evidence_ref: Mapped[str | None] = mapped_column(String(200))
    notice_id: Mapped[str | None] = mapped_column(ID)
    ingest_digest: Mapped[str | None] = mapped_column(DIGEST)

    borrower: Mapped[Borrower] = relationship(lazy="raise")
    loan: Mapped[Loan | None] = relationship(lazy="raise")


class ContactLimit(Base):
    """A known limit on reaching the borrower on one channel, recorded by a person: the channel reaches them at
    work and the employer prohibits or the borrower refused contact there (`workplace`), or a third party reached
    on it objected (`third_party_objected`). Active from `at` until `lifted_at`; the guardrails never use the
    channel meanwhile where the pack's rule says so (us_workplace, cn_debtor_only)."""

    __tablename__ = "contact_limits"
    __table_args__ = (
        CheckConstraint("lifted_at IS NULL OR lifted_at >= at", name="lifted_after_set"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id"), index=True)
    kind: Mapped[LimitKind] = mapped_column(enum_type(LimitKind, "kind"))
    by: Mapped[LimitBy] = mapped_column(enum_type(LimitBy, "by"))
    channel: Mapped[LimitChannel] = mapped_column(enum_type(LimitChannel, "channel"))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    lifted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ingest_digest: Mapped[str | None] = mapped_column(DIGEST)

    borrower: Mapped[Borrower] = relationship(lazy="raise")


class BorrowerChange(Base):
    """A borrower whose decision facts were written at `at` (real time, UTC), or every borrower at once
    (`borrower_id` NULL: a drop ingested, a settlement of every promise). Written in the transaction of the write
    (`ledger.changes`), so a reader sees the change and its log together. Pages that keep decisions between
    requests (the work queue) re-decide exactly these borrowers; rows are kept for a day, then pruned."""

    __tablename__ = "borrower_changes"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    borrower_id: Mapped[str | None] = mapped_column(ID)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)

