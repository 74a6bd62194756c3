"""Tables of the staff console: notes and callbacks agents write on a case (the text is personal data), and the
handling of inbox items that have no handling columns of their own."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from duecare.kit.db import Base, UtcDateTime
from duecare.kit.fields import PersonalText

ID = String(64)


class CaseNote(Base):
    """A note on a case, or a callback the agent promised (a note with the moment to call back)."""

    __tablename__ = "console_case_notes"
    __table_args__ = (
        CheckConstraint("kind IN ('note', 'callback')", name="kind"),
        CheckConstraint("kind = 'note' OR due_at IS NOT NULL", name="callback_has_due"),
        Index("ix_console_case_notes_callbacks", "kind", "done_at", "due_at"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id", ondelete="CASCADE"), index=True)
    loan_id: Mapped[str | None] = mapped_column(ForeignKey("loans.id"))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(PersonalText())
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    author_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class InboxHandling(Base):
    """Who handles an inbox item that has no handling columns of its own (a specialist referral, a hardship
    review), and how it was closed. The closing note is the specialist's words: personal data."""

    __tablename__ = "console_inbox_handling"
    __table_args__ = (
        CheckConstraint("kind IN ('referral', 'hardship')", name="kind"),
        UniqueConstraint("kind", "item_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    item_id: Mapped[str] = mapped_column(String(64))  # plan proposal id | hold id
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id", ondelete="CASCADE"), index=True)
    assigned_to: Mapped[str | None] = mapped_column(String(64))
    assigned_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    outcome: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(PersonalText())
