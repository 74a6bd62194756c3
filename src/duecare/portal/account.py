"""A borrower's own loans in plain words: balance, overdue amount, days past due, schedule and payments.

The figures come from the same ageing functions as the nightly batch (FIFO coverage, DPD, overdue amount),
run on this one borrower's frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.ageing.ageing import loan_ageing
from duecare.kit import clock
from duecare.ledger import models as m
from duecare.ledger.frames import Frames
from duecare.privacy.permissions import Actor
from duecare.web.coalesce import Coalescer, rows_of_three
from duecare.web.snapshot import LEDGER, ageing_and_coverage, load_frames, loan_coverage


@dataclass(frozen=True)
class InstallmentView:
    seq: int
    due_date: date
    amount_minor: int
    paid_minor: int
    status: str  # paid | part_paid | overdue | due_today | upcoming


@dataclass(frozen=True)
class PaymentView:
    paid_at: datetime
    amount_minor: int


@dataclass(frozen=True)
class LoanView:
    loan_id: str
    currency: str
    principal_minor: int
    disbursed_on: date
    balance_minor: int  # everything scheduled minus everything paid
    overdue_minor: int
    dpd: int
    bucket: str
    next_due: InstallmentView | None
    installments: list[InstallmentView] = field(default_factory=list)
    payments: list[PaymentView] = field(default_factory=list)

    @property
    def paid_minor(self) -> int:
        return sum(p.amount_minor for p in self.payments)


def _status(due: date, today: date, amount: int, paid: int) -> str:
    if paid >= amount:
        return "paid"
    if due < today:
        return "overdue"
    if due == today:
        return "due_today"
    return "part_paid" if paid > 0 else "upcoming"


def my_loans(db: Session, borrower_id: str, as_of: datetime, frames: Frames | None = None,
             aged: pl.DataFrame | None = None,
             coverage: tuple[pl.DataFrame, pl.DataFrame] | None = None) -> list[LoanView]:
    """Every loan of the borrower with its schedule, payments and ageing figures as of `as_of`.

    A page that has already read the borrower's frames, aged them and covered their schedule at `as_of` (the
    decision table carries `loan_ageing`'s columns: web/casepage.CaseSnapshot) passes them, so nothing is read or
    computed twice."""
    if frames is None:
        frames = _ledger(db, borrower_id)
    if frames["loans"].height == 0:
        return []
    if coverage is None and aged is None:
        aged, covered, paid = ageing_and_coverage(frames, as_of)
    else:
        covered, paid = loan_coverage(frames, as_of) if coverage is None else coverage
    return _views(db, borrower_id, loan_ageing(frames, as_of) if aged is None else aged, covered, paid)


def my_loans_now(db: Session, borrower_id: str) -> list[LoanView]:
    """`my_loans` now: aged with the other portal pages asking at the same moment (web/coalesce.py), at the
    moment of that run on the current clock."""
    frames = _ledger(db, borrower_id)
    if frames["loans"].height == 0:
        return []
    (aged, covered, paid), _ = loans_together().decide(frames, clock.current())
    return _views(db, borrower_id, aged, covered, paid)


def _ledger(db: Session, borrower_id: str) -> Frames:
    return load_frames(db, Actor(kind="borrower", id=borrower_id, role="borrower"), [borrower_id], LEDGER)


Tables = tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]  # (loan_ageing, _coverage's two)
_DESK: list[Coalescer[Tables]] = []


def loans_together() -> Coalescer[Tables]:
    """The process's one desk where concurrent portal pages age their loans together (web/coalesce.py)."""
    if not _DESK:
        _DESK.append(Coalescer(ageing_and_coverage, rows_of_three))
    return _DESK[0]


def _views(db: Session, borrower_id: str, aged: pl.DataFrame, covered: pl.DataFrame,
           paid: pl.DataFrame) -> list[LoanView]:
    ageing = {r["loan_id"]: r for r in aged.select("loan_id", "today", "overdue_minor", "dpd", "bucket").to_dicts()}
    # every loan's rows in one pass each (in the frames' order, payments by time), then grouped by loan
    installments: dict[str, list[dict[str, Any]]] = {}
    for r in covered.select("loan_id", "seq", "due_date", "amount_minor", "paid_minor").to_dicts():
        installments.setdefault(r["loan_id"], []).append(r)
    payments: dict[str, list[dict[str, Any]]] = {}
    for r in paid.select("loan_id", "paid_at", "amount_minor").sort("paid_at", maintain_order=True).to_dicts():
        payments.setdefault(r["loan_id"], []).append(r)
    loans = {ln.id: ln for ln in db.scalars(select(m.Loan).where(m.Loan.borrower_id == borrower_id))}
    out: list[LoanView] = []
    for loan_id, loan in sorted(loans.items()):
        a = ageing[loan_id]
        today: date = a["today"]
        inst = [
            InstallmentView(r["seq"], r["due_date"], r["amount_minor"], r["paid_minor"],
                            _status(r["due_date"], today, r["amount_minor"], r["paid_minor"]))
            for r in installments.get(loan_id, [])
        ]
        pays = [PaymentView(r["paid_at"], r["amount_minor"]) for r in payments.get(loan_id, [])]
        scheduled = sum(i.amount_minor for i in inst)
        next_due = next((i for i in inst if i.due_date >= today and i.status != "paid"), None)
        out.append(LoanView(
            loan_id=loan_id, currency=loan.currency, principal_minor=loan.principal_minor,
            disbursed_on=loan.disbursed_on,
            balance_minor=max(scheduled - sum(p.amount_minor for p in pays), 0),
            overdue_minor=int(a["overdue_minor"]), dpd=int(a["dpd"]), bucket=a["bucket"],
            next_due=next_due, installments=inst, payments=pays,
        ))
    return out


def loan_of(db: Session, borrower_id: str, loan_id: str, as_of: datetime) -> LoanView | None:
    """One loan, only if it belongs to the borrower (the id in a URL never reaches someone else's loan)."""
    return next((ln for ln in my_loans(db, borrower_id, as_of) if ln.loan_id == loan_id), None)


def loan_now(db: Session, borrower_id: str, loan_id: str) -> LoanView | None:
    """`loan_of` now, aged together with the other pages asking at the same moment (`my_loans_now`)."""
    return next((ln for ln in my_loans_now(db, borrower_id) if ln.loan_id == loan_id), None)


def today_for(db: Session, borrower_id: str, at: datetime) -> date:
    """The borrower's local calendar date at `at` (plans and promises are dated in the borrower's zone)."""
    from zoneinfo import ZoneInfo

    b = db.get(m.Borrower, borrower_id)
    return at.astimezone(ZoneInfo(b.timezone if b else "UTC")).date()
