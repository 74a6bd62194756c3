"""Instant evaluation of a borrower's repayment-plan proposal against the plan rules.

Outcome: `accepted`; a `counter_offer` (the nearest plan the rules allow, with the rules that the proposal
missed); or `referred` to a specialist when no plan within the rules is affordable (hardship review). An
accepted plan becomes promises to pay (one per instalment) and a hold, in the caller's transaction.
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy.orm import Session

from duecare.kit.money import to_minor
from duecare.ledger import models as m
from duecare.portal.models import PlanProposal
from duecare.privacy.audit import record_audit

MINOR = 100


@dataclass(frozen=True)
class PlanRules:
    version: str
    source: str
    min_instalment_minor: int
    max_term_months: int
    share_of_disposable: float
    allowance_per_dependant_minor: int
    first_within_days: int
    descriptions: dict[str, dict[str, str]]


@cache
def plan_rules() -> PlanRules:
    """The packaged plan rules (policy/plan_rules.yaml)."""
    data: dict[str, Any] = yaml.safe_load(
        (resources.files("duecare.policy") / "plan_rules.yaml").read_text(encoding="utf-8"))
    p = {r["id"]: r.get("params", {}) for r in data["rules"]}
    return PlanRules(
        version=str(data["version"]), source=str(data["source"]),
        min_instalment_minor=to_minor_int(p["PL01_min_instalment"]["min_instalment"]),
        max_term_months=int(p["PL02_max_term"]["max_term_months"]),
        share_of_disposable=float(p["PL03_affordable"]["share_of_disposable"]),
        allowance_per_dependant_minor=to_minor_int(p["PL03_affordable"]["allowance_per_dependant"]),
        first_within_days=int(p["PL05_starts_soon"]["first_within_days"]),
        descriptions={r["id"]: r["description"] for r in data["rules"]},
    )


def to_minor_int(value: Any) -> int:
    from decimal import Decimal

    return to_minor(Decimal(str(value)))


@dataclass(frozen=True)
class Instalment:
    date: date
    amount_minor: int

    def as_json(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "amount_minor": self.amount_minor}


@dataclass(frozen=True)
class Affordability:
    """What the questionnaire says the borrower can afford each month (None: not answered)."""

    income_minor: int
    expenses_minor: int
    dependants: int

    def monthly_minor(self, rules: PlanRules) -> int:
        disposable = self.income_minor - self.expenses_minor - self.dependants * rules.allowance_per_dependant_minor
        return max(int(disposable * rules.share_of_disposable), 0)


@dataclass(frozen=True)
class Evaluation:
    outcome: str  # accepted | counter_offer | referred
    reasons: list[str]  # rule ids the proposal did not meet (empty when accepted)
    counter: list[Instalment] = field(default_factory=list)
    affordable_minor: int | None = None


def add_months(start: date, months: int) -> date:
    y, mo = divmod(start.month - 1 + months, 12)
    year, month = start.year + y, mo + 1
    for day in (start.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError(start)


def months_between(start: date, end: date) -> int:
    """Whole calendar months from start to end, rounded up (a plan ending 1 Feb from 15 Jan is 1 month)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months + (1 if end.day > start.day else 0)


def equal_plan(total_minor: int, months: int, first: date) -> list[Instalment]:
    """`months` monthly instalments from `first`, equal amounts rounded up to a whole unit, the last the rest."""
    each = math.ceil(total_minor / months / MINOR) * MINOR
    out, left = [], total_minor
    for i in range(months):
        amount = min(each, left)
        if amount <= 0:
            break
        out.append(Instalment(add_months(first, i), amount))
        left -= amount
    return out


Month = tuple[int, int]


def committed_by_month(upcoming: list[Instalment]) -> dict[Month, int]:
    """The contractual instalments still falling due (their unpaid part), summed per calendar month."""
    out: dict[Month, int] = {}
    for i in upcoming:
        out[(i.date.year, i.date.month)] = out.get((i.date.year, i.date.month), 0) + i.amount_minor
    return out


def free_for_plan(affordable: int | None, committed: dict[Month, int], today: date,
                  rules: PlanRules | None = None) -> int | None:
    """What is left each month for a plan once the contractual instalments still falling due are paid: the
    affordable amount less the largest month of those instalments within the plan's maximum term."""
    if affordable is None:
        return None
    rules = rules or plan_rules()
    horizon = {(d.year, d.month) for d in (add_months(today, k) for k in range(rules.max_term_months + 1))}
    return max(affordable - max((v for k, v in committed.items() if k in horizon), default=0), 0)


def evaluate(proposed: list[Instalment], overdue_minor: int, today: date,
             afford: Affordability | None, rules: PlanRules | None = None,
             upcoming: list[Instalment] | None = None) -> Evaluation:
    """Check each rule, collecting every miss (not only the first); then find the nearest allowed plan.
    `upcoming`: the borrower's contractual instalments still falling due; each month's plan payment plus those
    must stay within what is affordable (PL03)."""
    rules = rules or plan_rules()
    committed = committed_by_month(upcoming or [])
    missed: list[str] = []
    plan = sorted(proposed, key=lambda i: i.date)
    if not plan or plan[0].date < today or plan[0].date > today + timedelta(days=rules.first_within_days) \
            or len({i.date for i in plan}) != len(plan):
        missed.append("PL05_starts_soon")
    if any(i.amount_minor < rules.min_instalment_minor for i in plan[:-1]) or \
            (plan and plan[-1].amount_minor < min(rules.min_instalment_minor, overdue_minor)):
        missed.append("PL01_min_instalment")
    if plan and months_between(today, plan[-1].date) > rules.max_term_months:
        missed.append("PL02_max_term")
    if sum(i.amount_minor for i in plan) < overdue_minor:
        missed.append("PL04_covers_overdue")
    affordable = afford.monthly_minor(rules) if afford is not None else None
    if affordable is not None and plan and _max_monthly(plan, committed) > affordable:
        missed.append("PL03_affordable")
    if afford is None:
        missed.append("questionnaire_missing")
    if not missed:
        return Evaluation("accepted", [], [], affordable)
    return _counter(missed, overdue_minor, today, plan, free_for_plan(affordable, committed, today, rules), rules)


def _max_monthly(plan: list[Instalment], committed: dict[Month, int] | None = None) -> int:
    per_month: dict[Month, int] = {}
    for i in plan:
        per_month[(i.date.year, i.date.month)] = per_month.get((i.date.year, i.date.month), 0) + i.amount_minor
    return max(v + (committed or {}).get(k, 0) for k, v in per_month.items())


def _counter(missed: list[str], overdue_minor: int, today: date, plan: list[Instalment],
             affordable: int | None, rules: PlanRules) -> Evaluation:
    if affordable is None:
        return Evaluation("counter_offer", missed, [], None)
    first = plan[0].date if plan and "PL05_starts_soon" not in missed else today + timedelta(days=7)
    cap = max(affordable, 0)
    if cap < min(rules.min_instalment_minor, overdue_minor):
        return Evaluation("referred", missed, [], affordable)
    months = max(1, math.ceil(overdue_minor / cap))
    if months > rules.max_term_months:
        return Evaluation("referred", missed, [], affordable)
    proposed_months = max(len(plan), 1)
    months = max(months, min(proposed_months, rules.max_term_months))  # keep the borrower's pace if allowed
    while months > 1 and overdue_minor / months < rules.min_instalment_minor:
        months -= 1
    counter = equal_plan(overdue_minor, months, first)
    if _max_monthly(counter) > cap:  # rounding up to whole units can cross the cap by a little
        months += 1
        counter = equal_plan(overdue_minor, months, first)
    if months > rules.max_term_months or _max_monthly(counter) > cap:
        return Evaluation("referred", missed, [], affordable)
    return Evaluation("counter_offer", missed, counter, affordable)


def record_proposal(db: Session, borrower_id: str, loan_id: str, proposed: list[Instalment],
                    result: Evaluation, now: datetime) -> PlanProposal:
    row = PlanProposal(
        borrower_id=borrower_id, loan_id=loan_id, proposed=json.dumps([i.as_json() for i in proposed]),
        outcome=result.outcome, reasons=json.dumps(result.reasons),
        counter=json.dumps([i.as_json() for i in result.counter]) if result.counter else None,
        rules_version=plan_rules().version, created_at=now,
    )
    db.add(row)
    db.flush()
    record_audit(db, actor=f"borrower:{borrower_id}", action=f"plan_{result.outcome}",
                 subject=f"borrower:{borrower_id}", rule_id=",".join(result.reasons) or None,
                 after={"proposal": row.id, "loan": loan_id, "outcome": result.outcome})
    return row


def accept_plan(db: Session, borrower_id: str, loan_id: str, plan: list[Instalment], now: datetime,
                proposal_id: int) -> list[str]:
    """Promises to pay (one per instalment) and a hold while the plan runs; returns the promise ids."""
    ids = []
    for inst in plan:
        pid = f"PTP-P{proposal_id}-{uuid.uuid4().hex[:8]}"
        db.add(m.Promise(id=pid, borrower_id=borrower_id, loan_id=loan_id, promised_date=inst.date,
                         amount_minor=inst.amount_minor, status=m.PromiseStatus.OPEN, made_at=now))
        ids.append(pid)
    db.add(m.Hold(id=f"HOLD-P{proposal_id}-{uuid.uuid4().hex[:8]}", borrower_id=borrower_id, loan_id=loan_id,
                  kind=m.HoldKind.HARDSHIP_OPEN, opened_at=now,
                  reason=f"repayment plan {proposal_id} accepted; ends {plan[-1].date.isoformat()}"))
    db.flush()
    record_audit(db, actor=f"borrower:{borrower_id}", action="plan_promises_created",
                 subject=f"borrower:{borrower_id}", rule_id="ptp_pending",
                 after={"proposal": proposal_id, "promises": ids})
    return ids
