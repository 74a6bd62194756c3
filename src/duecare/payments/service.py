"""Portal payments: start a checkout at the provider, and apply the provider's confirmation exactly once.

`start` writes a payment intent and asks the provider for a checkout page. `confirm` is called with the body of
a callback whose signature already held (payments/callback.py): it locks the intent, and for `succeeded`
writes one row into the ledger's `payments` table (id `PAY-<intent>`, source `portal`, at the app's clock), so
the balance, the ageing and every decision computed from the store change at once; the borrower's promises
are settled again from the payments before the commit (policy/promises.py: a promise the payment covers is
`kept` at once, so `ptp_pending` no longer holds), and the visit re-check (visits/recheck.py) sees the new
payment and the settled promises in the same transaction. A repeated callback, another event for an
intent already settled, or a race of two deliveries never writes a second payment.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.ledger import models as m
from duecare.payments.models import PaymentIntent
from duecare.payments.provider import CheckoutRequest, PaymentProvider, ProviderUnavailable
from duecare.policy import promises  # noqa: F401 - the settlement of promises when a payment is written
from duecare.privacy.audit import record_audit

STATUSES = ("succeeded", "failed", "cancelled")
FINAL = ("paid", "failed", "cancelled")


class CallbackRejected(Exception):
    """A signed callback that cannot be applied: unknown intent (404) or a body that contradicts it (422)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass(frozen=True)
class Confirmation:
    intent_id: str
    state: str
    recorded: bool  # a payment row was written by this call
    duplicate: bool  # the intent was already settled; nothing changed
    payment_id: str | None


def start(db: Session, provider: PaymentProvider, *, borrower_id: str, loan_id: str, amount_minor: int,
          currency: str, at: datetime, return_url: str, callback_url: str) -> tuple[PaymentIntent, str]:
    """A new intent handed to the provider; returns it and the checkout URL the borrower is sent to.
    When the provider cannot be reached the intent is kept as `failed` and ProviderUnavailable is raised."""
    intent = PaymentIntent(id=f"PI-{uuid.uuid4().hex[:20]}", borrower_id=borrower_id, loan_id=loan_id,
                           amount_minor=amount_minor, currency=currency, state="created", provider=provider.name,
                           created_at=at, updated_at=at)
    db.add(intent)
    db.flush()
    record_audit(db, actor=f"borrower:{borrower_id}", action="payment_started", subject=f"borrower:{borrower_id}",
                 after={"intent": intent.id, "loan": loan_id, "amount_minor": amount_minor}, at=at)
    try:
        checkout = provider.start_checkout(CheckoutRequest(
            reference=intent.id, amount_minor=amount_minor, currency=currency,
            return_url=f"{return_url}?intent={intent.id}", callback_url=callback_url,
            description=f"loan {loan_id}"))
    except ProviderUnavailable:
        intent.state, intent.updated_at = "failed", at
        db.flush()
        raise
    intent.state, intent.checkout_id, intent.updated_at = "pending", checkout.checkout_id, at
    db.flush()
    return intent, checkout.url


def _parse(body: dict[str, Any]) -> tuple[str, str, str, int, str]:
    try:
        event_id, reference, status = str(body["event_id"]), str(body["reference"]), str(body["status"])
        amount, currency = int(body["amount_minor"]), str(body["currency"])
    except (KeyError, TypeError, ValueError):
        raise CallbackRejected(422, "event_id, reference, status, amount_minor and currency are required") from None
    if status not in STATUSES:
        raise CallbackRejected(422, f"status: one of {', '.join(STATUSES)}")
    if not event_id or len(event_id) > 64 or len(reference) > 64:
        raise CallbackRejected(422, "event_id and reference: 1 to 64 characters")
    return event_id, reference, status, amount, currency


def confirm(db: Session, body: dict[str, Any], at: datetime) -> Confirmation:
    """Apply one signed callback (idempotent: the intent is settled at most once)."""
    event_id, reference, status, amount, currency = _parse(body)
    intent = db.scalars(select(PaymentIntent).where(PaymentIntent.id == reference).with_for_update()).first()
    if intent is None:
        raise CallbackRejected(404, "no such payment reference")
    if intent.state in FINAL:
        return Confirmation(intent.id, intent.state, recorded=False, duplicate=True, payment_id=intent.payment_id)
    if status == "succeeded" and (amount != intent.amount_minor or currency != intent.currency):
        raise CallbackRejected(422, "amount or currency differs from the payment that was started")
    seen = db.scalar(select(PaymentIntent.id).where(PaymentIntent.provider_event_id == event_id))
    if seen is not None:
        raise CallbackRejected(422, "this event id was used for another payment")
    intent.provider_event_id, intent.updated_at = event_id, at
    actor = f"system:payment-provider:{intent.provider}"
    if status != "succeeded":
        intent.state = "failed" if status == "failed" else "cancelled"
        db.flush()
        record_audit(db, actor=actor, action=f"payment_{intent.state}", subject=f"borrower:{intent.borrower_id}",
                     after={"intent": intent.id, "event": event_id}, at=at)
        return Confirmation(intent.id, intent.state, recorded=False, duplicate=False, payment_id=None)
    payment_id = f"PAY-{intent.id}"
    db.add(m.Payment(id=payment_id, loan_id=intent.loan_id, paid_at=at, amount_minor=intent.amount_minor,
                     source="portal"))
    intent.state, intent.payment_id = "paid", payment_id
    db.flush()
    record_audit(db, actor=actor, action="payment_recorded", subject=f"borrower:{intent.borrower_id}",
                 after={"intent": intent.id, "payment": payment_id, "loan": intent.loan_id,
                        "amount_minor": intent.amount_minor, "source": "portal", "event": event_id}, at=at)
    return Confirmation(intent.id, "paid", recorded=True, duplicate=False, payment_id=payment_id)


def intent_of(db: Session, borrower_id: str, intent_id: str) -> PaymentIntent | None:
    """The borrower's own intent (another borrower's id answers None)."""
    row = db.get(PaymentIntent, intent_id)
    return row if row is not None and row.borrower_id == borrower_id else None


def intents_of(db: Session, borrower_id: str, limit: int = 20) -> list[PaymentIntent]:
    return list(db.scalars(select(PaymentIntent).where(PaymentIntent.borrower_id == borrower_id)
                           .order_by(PaymentIntent.created_at.desc()).limit(limit)))
