"""Whether each promise to pay was kept, broken or is still open, read from the payments.

A promise made here (it has `made_at`) is settled by the money: the payments on its loan (any loan of the
borrower when it names none) received from the moment it was made up to the end of the promised day in the
borrower's zone count towards it. Promises are served in the order of their dates (then the order they were
made), each payment's money going to the earliest promise it can still serve, so one payment never keeps two
promises. A promise is `kept` once that money reaches its amount (a promise without an amount: once any money
came), `broken` when its day has passed without it, and `open` until then (with what was paid so far).

A promise learnt from the lender's promises file has no `made_at`: its status is the one the lender states
(`source` = `lender`); an open one whose day has passed is `unsettled` (the lender has not said), never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.ledger import models as m

STATUSES = ("kept", "broken", "open", "unsettled", "cancelled")


@dataclass(frozen=True)
class PromiseOutcome:
    promise_id: str
    loan_id: str | None
    promised_date: date
    amount_minor: int | None
    made_at: datetime | None
    status: str  # one of STATUSES
    source: str  # payments (settled here from the ledger's payments) | lender (the status in the lender's file)
    paid_minor: int | None = None  # money that went to it (None: the lender's status, no payments read)
    kept_on: date | None = None  # the local day the money reached its amount

    @property
    def in_plan(self) -> bool:
        return self.promise_id.startswith("PTP-P")


@dataclass
class _Money:
    loan_id: str
    at: datetime
    left: int  # minor units not yet gone to a promise


def settle(db: Session, borrower_id: str, today: date) -> list[PromiseOutcome]:
    """Every promise of the borrower with its outcome, newest promised date first."""
    borrower = db.get(m.Borrower, borrower_id)
    tz = ZoneInfo(borrower.timezone) if borrower is not None else ZoneInfo("UTC")
    promises = list(db.scalars(select(m.Promise).where(m.Promise.borrower_id == borrower_id)))
    payments = [_Money(lid, at, amount) for lid, at, amount in db.execute(
        select(m.Payment.loan_id, m.Payment.paid_at, m.Payment.amount_minor)
        .join(m.Loan, m.Loan.id == m.Payment.loan_id).where(m.Loan.borrower_id == borrower_id)
        .order_by(m.Payment.paid_at, m.Payment.id))]
    out: list[PromiseOutcome] = []
    ours = sorted((p for p in promises if p.made_at is not None and p.status != m.PromiseStatus.CANCELLED),
                  key=lambda p: (p.promised_date, p.made_at, p.id))
    for p in ours:
        assert p.made_at is not None
        paid, kept_on = 0, None
        want = p.amount_minor
        for pay in payments:
            if pay.left <= 0 or pay.at < p.made_at or pay.at.astimezone(tz).date() > p.promised_date:
                continue
            if p.loan_id is not None and pay.loan_id != p.loan_id:
                continue
            take = pay.left if want is None else min(pay.left, want - paid)
            pay.left -= take
            paid += take
            if want is None or paid >= want:
                kept_on = pay.at.astimezone(tz).date()
                break
        status = "kept" if kept_on is not None else ("broken" if p.promised_date < today else "open")
        out.append(PromiseOutcome(p.id, p.loan_id, p.promised_date, p.amount_minor, p.made_at, status, "payments",
                                  paid, kept_on))
    for p in promises:
        if p.made_at is not None and p.status != m.PromiseStatus.CANCELLED:
            continue
        status = p.status.value
        if status == "open" and p.promised_date < today:
            status = "unsettled"
        out.append(PromiseOutcome(p.id, p.loan_id, p.promised_date, p.amount_minor, p.made_at, status,
                                  "payments" if p.made_at is not None else "lender"))
    return sorted(out, key=lambda o: (o.promised_date, o.promise_id), reverse=True)
