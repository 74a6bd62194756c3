"""Table of the payments domain: one row per payment a borrower starts in the portal (a payment intent).

The money itself lands in the ledger's `payments` table (source `portal`) only when the provider confirms it
through the signed callback; the intent keeps the provider's references so a confirmation is applied once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from duecare.kit.db import Base, UtcDateTime

STATES = ("created", "pending", "paid", "failed", "cancelled")


class PaymentIntent(Base):
    """A payment the borrower asked to make, handed to the provider's checkout, and how it ended."""

    __tablename__ = "payment_intents"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("state IN ('created', 'pending', 'paid', 'failed', 'cancelled')", name="state"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id", ondelete="CASCADE"), index=True)
    loan_id: Mapped[str] = mapped_column(ForeignKey("loans.id"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    state: Mapped[str] = mapped_column(String(16), default="created")
    provider: Mapped[str] = mapped_column(String(32))
    checkout_id: Mapped[str | None] = mapped_column(String(64))
    provider_event_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    payment_id: Mapped[str | None] = mapped_column(String(64))  # the ledger payment it became
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
