"""What the borrower has agreed to, as the portal shows it on the home and loan pages: the accepted repayment
plans with their schedule and each instalment's status, and the promises to pay: kept, broken or open.

A plan's instalments are the promises `accept_plan` wrote (`PTP-P<proposal>-...`). Their status comes from the
money: payments on the loan received since the plan was accepted cover the instalments oldest first (as the
ledger applies payments), so an instalment is `paid`, `part_paid`, `due` (its date is today or later) or
`missed` (its date passed without the money).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.ledger import models as m
from duecare.ledger.promises import PromiseOutcome, outcomes
from duecare.portal.models import PlanProposal


@dataclass(frozen=True)
class PlanInstalment:
    date: date
    amount_minor: int
    paid_minor: int
    status: str  # paid | part_paid | due | missed


@dataclass(frozen=True)
class PlanView:
    proposal_id: int
    loan_id: str
    accepted_at: datetime
    instalments: list[PlanInstalment]

    @property
    def total_minor(self) -> int:
        return sum(i.amount_minor for i in self.instalments)

    @property
    def paid_minor(self) -> int:
        return sum(i.paid_minor for i in self.instalments)

    @property
    def next(self) -> PlanInstalment | None:
        return next((i for i in self.instalments if i.status in ("due", "part_paid", "missed")), None)


@dataclass(frozen=True)
class Commitments:
    plans: list[PlanView] = field(default_factory=list)
    promises: list[PromiseOutcome] = field(default_factory=list)

    def of_loan(self, loan_id: str) -> Commitments:
        return Commitments([p for p in self.plans if p.loan_id == loan_id],
                           [p for p in self.promises if p.loan_id in (loan_id, None)])


def _instalment_status(due: date, amount: int, paid: int, today: date) -> str:
    if paid >= amount:
        return "paid"
    if due < today:
        return "missed"
    return "part_paid" if paid > 0 else "due"


def commitments_of(db: Session, borrower_id: str, today: date) -> Commitments:
    """The borrower's accepted plans (newest first) and their promises that are not part of a plan, each kept,
    broken or open as the store holds it (settled by policy/promises.py), newest date first; cancelled ones
    left out."""
    accepted = list(db.scalars(select(PlanProposal).where(PlanProposal.borrower_id == borrower_id,
                                                          PlanProposal.outcome == "accepted")
                               .order_by(PlanProposal.created_at.desc())))
    payments = list(db.execute(select(m.Payment.loan_id, m.Payment.paid_at, m.Payment.amount_minor)
                               .join(m.Loan, m.Loan.id == m.Payment.loan_id)
                               .where(m.Loan.borrower_id == borrower_id)))
    plans = []
    for row in accepted:
        paid_since = sum(a for lid, at, a in payments if lid == row.loan_id and at >= row.created_at)
        out = []
        for inst in sorted(json.loads(row.proposed), key=lambda i: i["date"]):
            amount = int(inst["amount_minor"])
            covered = min(max(paid_since, 0), amount)
            paid_since -= amount
            due = date.fromisoformat(inst["date"])
            out.append(PlanInstalment(due, amount, covered, _instalment_status(due, amount, covered, today)))
        plans.append(PlanView(row.id, row.loan_id, row.created_at, out))
    promises = [o for o in outcomes(db, borrower_id, today) if not o.in_plan and o.status != "cancelled"]
    return Commitments(plans, promises)
