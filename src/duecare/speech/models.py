"""Stored call analyses: what a call said (intents, promise, hardship), what the agent did (QA), and what was
written into the case because of it (contact event, promise, hold, follow-ups). The transcript and quoted
evidence are personal data, encrypted at rest; codes and turn numbers are plain so they can be counted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from duecare.kit.db import Base, UtcDateTime
from duecare.kit.fields import PersonalText

ID = String(64)


class CallAnalysis(Base):
    """One analysed call of a borrower (saved once per borrower and transcript: `digest`)."""

    __tablename__ = "call_analyses"
    __table_args__ = (UniqueConstraint("borrower_id", "digest", name="uq_call_analyses_borrower_digest"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id"), index=True)
    loan_id: Mapped[str | None] = mapped_column(ForeignKey("loans.id"))
    contact_event_id: Mapped[str | None] = mapped_column(ForeignKey("contact_events.id"))
    promise_id: Mapped[str | None] = mapped_column(ForeignKey("promises.id"))
    hold_id: Mapped[str | None] = mapped_column(ForeignKey("holds.id"))
    call_at: Mapped[datetime] = mapped_column(UtcDateTime())
    lang: Mapped[str] = mapped_column(String(2))
    outcome: Mapped[str] = mapped_column(String(16))  # the contact outcome written to contact_events
    intents: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of intent codes
    promise: Mapped[str | None] = mapped_column(Text)  # JSON {date, amount} as heard
    hardship_category: Mapped[str | None] = mapped_column(String(32))
    qa_findings: Mapped[str] = mapped_column(Text, default="[]")  # JSON [{code, turn}]
    missing_disclosures: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of disclosure codes
    followups: Mapped[str] = mapped_column(Text, default="[]")  # JSON [{kind, ...}] for a person to act on
    evidence: Mapped[str | None] = mapped_column(PersonalText())  # JSON [{label, turn, quote}]
    transcript: Mapped[str] = mapped_column(PersonalText())  # JSON {lang, as_of, turns}
    agent_id: Mapped[str | None] = mapped_column(ID)
    audio_ref: Mapped[str | None] = mapped_column(String(255))  # file name and sha256 of the recording
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
