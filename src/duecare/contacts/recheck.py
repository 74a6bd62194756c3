"""The send-time re-check: the borrower's current facts from the store, decided again at the send moment.

A task waited in the outbox; meanwhile a payment may have arrived, consent may have been withdrawn, a hold may
have opened or quiet hours may have begun. `recheck` runs the same `decide` as the batch, over frames built
from the store for that one borrower, and says whether the task may go now, later, or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.contacts.models import ContactTask, TaskStatus
from duecare.ledger.frames import FLAGS, SCHEMAS, Frames, conform, empty
from duecare.ledger.models import (
    Approval,
    Borrower,
    Consent,
    ContactEvent,
    Hold,
    Installment,
    Loan,
    Notice,
    Payment,
    Promise,
    Visit,
)
from duecare.policy.evaluator import Policy, decide

Scorer = Callable[[pl.DataFrame], pl.DataFrame]
# A decided not_before this close to now counts as now (the evaluation itself takes a moment).
SLACK = timedelta(seconds=5)


def _frame(name: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    if not rows:
        return empty(name)
    schema = SCHEMAS[name]
    df = pl.DataFrame(rows, schema_overrides={k: v for k, v in schema.items() if not isinstance(v, pl.Datetime)},
                      strict=False)
    return conform(name, df)


def store_frames(session: Session, borrower_ids: str | list[str]) -> Frames:
    """Borrowers' frames (the nightly batch's columns) read from the operational store, a few queries in all."""
    ids = [borrower_ids] if isinstance(borrower_ids, str) else list(dict.fromkeys(borrower_ids))
    borrowers = list(session.scalars(select(Borrower).where(Borrower.id.in_(ids))))
    open_holds: dict[str, set[str]] = {}
    for bid, kind in session.execute(select(Hold.borrower_id, Hold.kind).where(Hold.borrower_id.in_(ids),
                                                                             Hold.closed_at.is_(None))):
        open_holds.setdefault(bid, set()).add(str(kind))
    loans = session.execute(select(Loan.id, Loan.borrower_id, Loan.currency).where(Loan.borrower_id.in_(ids))).all()
    loan_ids = [lid for lid, _, _ in loans]
    rows: dict[str, list[dict[str, Any]]] = {
        "borrowers": [{"borrower_id": b.id, "timezone": b.timezone, "jurisdiction": str(b.jurisdiction),
                       "language": str(b.language), "risk_band": None if b.risk_band is None else str(b.risk_band),
                       **{f: bool(getattr(b, f)) or f in open_holds.get(b.id, ()) for f in FLAGS}}
                      for b in borrowers],
        "loans": [{"loan_id": lid, "borrower_id": bid, "currency": cur} for lid, bid, cur in loans],
        "installments": [{"loan_id": i.loan_id, "seq": i.seq, "due_date": i.due_date,
                          "amount_minor": i.amount_minor}
                         for i in session.scalars(select(Installment).where(Installment.loan_id.in_(loan_ids)))],
        "payments": [{"loan_id": p.loan_id, "paid_at": p.paid_at, "amount_minor": p.amount_minor}
                     for p in session.scalars(select(Payment).where(Payment.loan_id.in_(loan_ids)))],
        "contacts": [{"borrower_id": c.borrower_id, "loan_id": c.loan_id, "at": c.at, "channel": str(c.channel),
                      "direction": str(c.direction), "outcome": str(c.outcome)}
                     for c in session.scalars(select(ContactEvent).where(ContactEvent.borrower_id.in_(ids)))],
        "notices": [{"notice_id": n.id, "borrower_id": n.borrower_id, "loan_id": n.loan_id, "kind": n.kind,
                     "sent_at": n.sent_at}
                    for n in session.scalars(select(Notice).where(Notice.borrower_id.in_(ids)))],
        "consents": [{"borrower_id": c.borrower_id, "purpose": c.purpose, "decision": str(c.decision), "at": c.at,
                      "notice_id": c.notice_id}
                     for c in session.scalars(select(Consent).where(Consent.borrower_id.in_(ids)))],
        "approvals": [{"borrower_id": a.borrower_id, "notice_id": a.notice_id, "decision": str(a.decision),
                       "at": a.at}
                      for a in session.scalars(select(Approval).where(Approval.borrower_id.in_(ids)))],
        "promises": [{"borrower_id": p.borrower_id, "loan_id": p.loan_id, "promised_date": p.promised_date,
                      "amount_minor": p.amount_minor, "status": str(p.status)}
                     for p in session.scalars(select(Promise).where(Promise.borrower_id.in_(ids)))],
        "visits": [{"borrower_id": v.borrower_id, "loan_id": v.loan_id, "status": str(v.status), "at": v.at}
                   for v in session.scalars(select(Visit).where(Visit.borrower_id.in_(ids)))],
    }
    return {name: _frame(name, rows[name]) for name in SCHEMAS}


@dataclass(frozen=True)
class Verdict:
    """What the re-check allows: `go`, `later` (with `not_before`) or `skip`, and why."""

    outcome: str
    reason: str
    not_before: datetime | None = None


def recheck_many(session: Session, tasks: list[ContactTask], now: datetime, policy: Policy,
                 scorer: Scorer | None = None) -> dict[int, Verdict]:
    """Decide again at `now` for the tasks' borrowers (one vectorised evaluation) and judge each task."""
    from duecare.contacts.transactional import is_transactional, judge

    verdicts = {t.id: judge(session, t, now) for t in tasks if is_transactional(t)}  # no decision to re-check
    tasks = [t for t in tasks if t.id not in verdicts]
    if not tasks:
        return verdicts
    current = decide(store_frames(session, [t.borrower_id for t in tasks]), now, policy, scorer=scorer)
    by_loan = {row["loan_id"]: row for row in current.select(
        "loan_id", "action", "reasons", "not_before", "blocked_rules").iter_rows(named=True)}
    return verdicts | {t.id: _judge(session, t, by_loan.get(t.loan_id or ""), now) for t in tasks}


def recheck(session: Session, task: ContactTask, now: datetime, policy: Policy,
            scorer: Scorer | None = None) -> Verdict:
    """Decide again for the task's borrower at `now` and compare with what the task was created for."""
    return recheck_many(session, [task], now, policy, scorer)[task.id]


def _judge(session: Session, task: ContactTask, row: dict[str, Any] | None, now: datetime) -> Verdict:
    if row is None:
        return Verdict("skip", "loan no longer in the store")
    if row["action"] != task.action:
        reasons = ",".join(row["reasons"][:3])
        return Verdict("skip", f"action changed to {row['action']} ({reasons})")
    not_before: datetime = row["not_before"]
    if not_before > now + SLACK:
        rules = ",".join(row["blocked_rules"]) or "guardrail"
        return Verdict("later", f"not lawful before {not_before.isoformat()} ({rules})", not_before)
    sibling = session.scalar(select(ContactTask.id).where(
        ContactTask.loan_id == task.loan_id, ContactTask.action == task.action,
        ContactTask.local_day == task.local_day, ContactTask.id != task.id,
        ContactTask.status == TaskStatus.SENT))
    if sibling is not None:
        return Verdict("skip", f"task {sibling} already delivered this action today (other policy version)")
    return Verdict("go", "decision and guardrails still hold")
