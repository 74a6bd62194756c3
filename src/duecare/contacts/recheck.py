"""The send-time re-check: the borrower's current facts from the store, decided again at the send moment.

A task waited in the outbox; meanwhile a payment may have arrived, consent may have been withdrawn, a hold may
have opened or quiet hours may have begun. `recheck` runs the same `decide` as the batch, over frames built
from the store for that one borrower, and says whether the task may go now, later, or not at all.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, or_, select, tuple_
from sqlalchemy.orm import Session

from duecare.contacts import letters
from duecare.contacts.models import ContactTask, TaskStatus
from duecare.contacts.transactional import is_transactional, judge
from duecare.contacts.verdict import Verdict
from duecare.ledger.frames import Frames
from duecare.policy.evaluator import Policy, Scorer, decide

# A decided not_before this close to now counts as now (the evaluation itself takes a moment).
SLACK = timedelta(seconds=5)


def store_frames(session: Session, borrower_ids: str | list[str]) -> Frames:
    """Borrowers' frames read from the operational store (the ledger's one reader)."""
    from duecare.ledger.repository import store_frames as read

    return read(session, [borrower_ids] if isinstance(borrower_ids, str) else borrower_ids)


def recheck_many(session: Session, tasks: list[ContactTask], now: datetime, policy: Policy,
                 scorer: Scorer | None = None) -> dict[int, Verdict]:
    """Decide again at `now` for the tasks' borrowers (one vectorised evaluation) and judge each task.

    The store is read set-wise: the borrowers' frames once, the same-day deliveries of other tasks once;
    only letters, which are few, look up their notices one by one (letters.verdict)."""
    verdicts = {t.id: judge(session, t, now) for t in tasks if is_transactional(t)}  # no decision to re-check
    tasks = [t for t in tasks if t.id not in verdicts]
    if not tasks:
        return verdicts
    current = decide(store_frames(session, [t.borrower_id for t in tasks]), now, policy, scorer=scorer)
    by_loan = {row["loan_id"]: row for row in current.select(
        "loan_id", "action", "reasons", "not_before", "blocked_rules").iter_rows(named=True)}
    delivered = _delivered_today(session, tasks)
    return verdicts | {t.id: _judge(session, t, by_loan.get(t.loan_id or ""), now, delivered) for t in tasks}


def recheck(session: Session, task: ContactTask, now: datetime, policy: Policy,
            scorer: Scorer | None = None) -> Verdict:
    """Decide again for the task's borrower at `now` and compare with what the task was created for."""
    return recheck_many(session, [task], now, policy, scorer)[task.id]


def _delivered_today(session: Session, tasks: list[ContactTask]) -> dict[tuple[Any, ...], list[int]]:
    """Sent tasks by (loan, action, local day) for the tasks' own tuples: one query per chunk of tasks."""
    wanted = list({(t.loan_id, t.action, t.local_day) for t in tasks})
    found: dict[tuple[Any, ...], list[int]] = {}
    for i in range(0, len(wanted), 500):
        part = wanted[i:i + 500]
        with_loan = [w for w in part if w[0] is not None]
        without = [w[1:] for w in part if w[0] is None]
        matches: list[ColumnElement[bool]] = []
        if with_loan:
            matches.append(tuple_(ContactTask.loan_id, ContactTask.action, ContactTask.local_day).in_(with_loan))
        if without:
            matches.append(ContactTask.loan_id.is_(None)
                           & tuple_(ContactTask.action, ContactTask.local_day).in_(without))
        rows = session.execute(select(ContactTask.loan_id, ContactTask.action, ContactTask.local_day,
                                      ContactTask.id).where(or_(*matches), ContactTask.status == TaskStatus.SENT))
        for loan_id, action, day, task_id in rows:
            found.setdefault((loan_id, action, day), []).append(task_id)
    return found


def _judge(session: Session, task: ContactTask, row: dict[str, Any] | None, now: datetime,
           delivered: dict[tuple[Any, ...], list[int]]) -> Verdict:
    if row is None:
        return Verdict("skip", "loan no longer in the store")
    if row["action"] != task.action:
        reasons = ",".join(row["reasons"][:3])
        return Verdict("skip", f"action changed to {row['action']} ({reasons})")
    not_before: datetime = row["not_before"]
    if not_before > now + SLACK:
        rules = ",".join(row["blocked_rules"]) or "guardrail"
        return Verdict("later", f"not lawful before {not_before.isoformat()} ({rules})", not_before)
    stopped = letters.verdict(session, task, now)
    if stopped is not None:
        return stopped
    sibling = min((i for i in delivered.get((task.loan_id, task.action, task.local_day), []) if i != task.id),
                  default=None)
    if sibling is not None:
        return Verdict("skip", f"task {sibling} already delivered this action today (other policy version)")
    return Verdict("go", "decision and guardrails still hold")
