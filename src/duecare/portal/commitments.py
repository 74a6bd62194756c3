"""What the borrower has agreed to, as the portal shows it on the home and loan pages: the accepted repayment
plans with their schedule and each instalment's status, and the promises to pay: kept, broken or open.

A plan's instalments are the promises `accept_plan` wrote (`PTP-P<proposal>-...`), settled like every promise
made here by the one rule (policy/promises.py) and read as the store holds them, so the portal, the console and
the decisions agree: a kept instalment is `paid`, a broken one `missed` (its date passed without the money), an
open one `part_paid` (some money came) or `due`; an open one whose date has passed is `missed` too (every
payment recorded since was settled against it when it was written, and none covered it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

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


def _instalment_status(status: str, due: date, paid: int, today: date) -> str:
    if status == "kept":
        return "paid"
    if status == "broken" or due < today:
        return "missed"
    return "part_paid" if paid > 0 else "due"


def commitments_of(db: Session, borrower_id: str, today: date) -> Commitments:
    """The borrower's accepted plans (newest first) with their instalments, and their promises that are not part
    of a plan, each kept, broken or open as the store holds it (settled by policy/promises.py), newest date
    first; cancelled ones left out."""
    accepted = list(db.scalars(select(PlanProposal).where(PlanProposal.borrower_id == borrower_id,
                                                          PlanProposal.outcome == "accepted")
                               .order_by(PlanProposal.created_at.desc())))
    stored = [o for o in outcomes(db, borrower_id, today) if o.status != "cancelled"]
    plans = []
    for row in accepted:
        mine = sorted((o for o in stored if o.promise_id.startswith(f"PTP-P{row.id}-")),
                      key=lambda o: (o.promised_date, o.promise_id))
        plans.append(PlanView(row.id, row.loan_id, row.created_at, [
            PlanInstalment(o.promised_date, o.amount_minor or 0, o.paid_minor or 0,
                           _instalment_status(o.status, o.promised_date, o.paid_minor or 0, today))
            for o in mine]))
    return Commitments(plans, [o for o in stored if not o.in_plan])
