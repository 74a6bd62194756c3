"""Tables of the borrower portal: hardship answers (encrypted, with their purpose), repayment-plan
proposals with their evaluation, and complaints."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from duecare.kit.db import Base, UtcDateTime
from duecare.kit.fields import PersonalText


class HardshipAnswers(Base):
    """One completed hardship questionnaire; the answers are personal data, kept only for their purpose."""

    __tablename__ = "portal_hardship_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(64))  # e.g. repayment_plan_affordability
    answers: Mapped[str] = mapped_column(PersonalText())  # JSON, encrypted at rest
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PlanProposal(Base):
    """A repayment plan the borrower proposed and how the plan rules judged it."""

    __tablename__ = "portal_plan_proposals"
    __table_args__ = (
        CheckConstraint("outcome IN ('accepted', 'counter_offer', 'referred')", name="outcome"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id", ondelete="CASCADE"), index=True)
    loan_id: Mapped[str] = mapped_column(ForeignKey("loans.id"))
    proposed: Mapped[str] = mapped_column(Text)  # JSON [{date, amount_minor}]
    outcome: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[str] = mapped_column(Text)  # JSON [rule ids]
    counter: Mapped[str | None] = mapped_column(Text)  # JSON [{date, amount_minor}] when a counter-offer
    rules_version: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Complaint(Base):
    """A borrower's complaint; the text is personal data."""

    __tablename__ = "portal_complaints"
    __table_args__ = (
        CheckConstraint("status IN ('received', 'in_progress', 'closed')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(PersonalText())
    status: Mapped[str] = mapped_column(String(16), default="received")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    reply_due: Mapped[date | None] = mapped_column(Date)  # the rule's reply deadline (portal/complaints.py)
    assigned_to: Mapped[str | None] = mapped_column(String(64))
    reply: Mapped[str | None] = mapped_column(PersonalText())  # the answer the borrower reads
    replied_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
