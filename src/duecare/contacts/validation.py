"""The US validation notice (12 CFR 1006.34; pack rule `us_validation`): the facts its letter states, and the
notice record its delivery leaves (`contacts.letters`, as for every letter), so the next decision knows it
went out (and it goes out once).

The amount is read from the store at send time with the batch's own ageing (never a copy kept in the task);
the validation period ends 30 days after the consumer is assumed to receive the letter, five business days after
it is sent (1006.34(b)(5)).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from duecare.ageing.ageing import loan_ageing
from duecare.contacts.models import ContactTask
from duecare.kit.money import from_minor
from duecare.ledger.models import Borrower, Loan
from duecare.ledger.repository import borrower_frames

KIND = "validation_notice"
RECEIPT_BUSINESS_DAYS = 5
DISPUTE_DAYS = 30


def received_by(sent: date, business_days: int = RECEIPT_BUSINESS_DAYS) -> date:
    """The day the consumer is assumed to receive a letter sent on `sent` (weekends skipped)."""
    day, left = sent, business_days
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def letter_facts(session: Session, task: ContactTask, borrower: Borrower, now: datetime) -> dict[str, str]:
    """What the letter states: the itemization date, the amount past due and the end of the validation period."""
    today = now.astimezone(ZoneInfo(borrower.timezone)).date()
    ageing = loan_ageing(borrower_frames(session, borrower.id), now)
    row = ageing.filter(ageing["loan_id"] == (task.loan_id or ""))
    minor = int(row["overdue_minor"][0]) if row.height else 0
    loan = session.get(Loan, task.loan_id) if task.loan_id else None
    currency = loan.currency if loan is not None else "USD"
    return {"itemization_date": today.isoformat(), "amount": f"{currency} {from_minor(minor):,.2f}",
            "dispute_by": (received_by(today) + timedelta(days=DISPUTE_DAYS)).isoformat()}
