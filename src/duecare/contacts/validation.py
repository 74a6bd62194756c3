"""The US validation notice (12 CFR 1006.34; pack rule `us_validation`): the facts its letter states, and the
notice record its delivery leaves (`contacts.letters`, as for every letter), so the next decision knows it
went out (and it goes out once).

The amount is read from the store at send time with the batch's own ageing (never a copy kept in the task);
the validation period ends 30 days after the consumer is assumed to receive the letter, five business days after
it is sent (1006.34(b)(5)).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl
from sqlalchemy.orm import Session

from duecare.ageing.ageing import loan_ageing
from duecare.contacts.models import ContactTask
from duecare.kit.i18n import N_, translate
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


@dataclass(frozen=True)
class Itemization:
    """The debt itemized as 12 CFR 1006.34(c)(2)(vi)–(viii) asks, from the ledger (minor units)."""

    date: date
    basis: str  # last_payment | transaction (1006.34(b)(3)(iii), (iv))
    owed_then: int
    interest: int
    fees: int
    payments: int
    credits: int
    owed_now: int
    past_due: int


def itemize(frames: dict[str, pl.DataFrame], loan_id: str, zone: str, now: datetime,
            disbursed_on: date | None) -> Itemization:
    """The itemization date is the last payment date, else the transaction (disbursement) date. The ledger keeps
    instalments as agreed and records no interest, fee or credit after the loan was made, so those lines are 0
    and the debt changes since the itemization date only by payments."""
    tz = ZoneInfo(zone)
    inst = frames["installments"].filter(pl.col("loan_id") == loan_id)
    pays = frames["payments"].filter((pl.col("loan_id") == loan_id) & (pl.col("paid_at") <= now)).with_columns(
        day=pl.col("paid_at").dt.convert_time_zone(zone).dt.date())
    if pays.height:
        when, basis = pays["day"].max(), "last_payment"
    else:
        when, basis = disbursed_on or now.astimezone(tz).date(), "transaction"
    assert isinstance(when, date)
    total = int(inst["amount_minor"].sum() or 0)
    paid_by = int(pays.filter(pl.col("day") <= when)["amount_minor"].sum() or 0)
    paid_since = int(pays.filter(pl.col("day") > when)["amount_minor"].sum() or 0)
    owed_then = max(total - paid_by, 0)
    ageing = loan_ageing(frames, now)
    row = ageing.filter(ageing["loan_id"] == loan_id)
    past_due = int(row["overdue_minor"][0]) if row.height else 0
    return Itemization(when, basis, owed_then, 0, 0, paid_since, 0, max(owed_then - paid_since, 0), past_due)


def letter_facts(session: Session, task: ContactTask, borrower: Borrower, now: datetime) -> dict[str, str]:
    """What the letter states: the itemization (date, amount then, interest, fees, payments and credits since,
    amount now), the amount past due and the end of the validation period."""
    today = now.astimezone(ZoneInfo(borrower.timezone)).date()
    loan = session.get(Loan, task.loan_id) if task.loan_id else None
    currency = loan.currency if loan is not None else "USD"
    item = itemize(borrower_frames(session, borrower.id), task.loan_id or "", borrower.timezone, now,
                   loan.disbursed_on if loan is not None else None)

    def money(minor: int) -> str:
        return f"{currency} {from_minor(minor):,.2f}"

    basis_id = {"last_payment": N_("the date of your last payment"),
                "transaction": N_("the date the loan was made")}[item.basis]
    basis = (translate("en", basis_id), translate("zh", basis_id))
    return {"itemization_date": item.date.isoformat(), "itemization_basis": basis[0],
            "itemization_basis_zh": basis[1], "owed_then": money(item.owed_then), "interest": money(item.interest),
            "fees": money(item.fees), "payments": money(item.payments), "credits": money(item.credits),
            "owed_now": money(item.owed_now), "amount": money(item.past_due), "today": today.isoformat(),
            "dispute_by": (received_by(today) + timedelta(days=DISPUTE_DAYS)).isoformat()}
