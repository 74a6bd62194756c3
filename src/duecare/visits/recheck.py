"""The gate is a standing condition: every open visit of a borrower is re-checked whenever a fact that can
close its gate is written — in the same transaction as the write — and by the nightly sweep.

The trigger is the session itself, so no writer can forget it: a `before_flush` listener notes the borrower
of every fact row written (consents, holds, promises, payments, contact events of any channel incl. the
portal, notices, ledger visits, borrower flags), and a `before_commit` listener re-checks the open visits of
those borrowers before the transaction commits, through the batch's decision path (`gate.evaluate`:
`ledger.repository.store_frames` → `policy.evaluator.decide` with the batch's scorer) at the app's clock.
A workflow step that has just re-checked its own visit marks the borrower clean (`mark_checked`).

What a closed gate does (`judge`): a temporary reason (`hold_active` from a pending promise or an open
hardship review, or `alternative_in_progress`: a remote alternative the borrower chose) puts the visit
`on_hold`; anything else cancels it (`verified_remotely` among them: the situation is known); a decline while
the notice is out ends it as `declined`. Either way the agents are told at once and the visit leaves their route. An on_hold visit
whose gate holds again resumes. Locks: the borrower row first (`FOR NO KEY UPDATE`), then the visits in id
order — the same order as every workflow step, so a withdrawal racing a step waits or wins, never both go on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from duecare.contacts.models import InboundEvent
from duecare.kit import clock
from duecare.ledger.models import (
    Alternative,
    Borrower,
    Consent,
    ContactEvent,
    Hold,
    Loan,
    Notice,
    Payment,
    Promise,
    PromiseStatus,
    Visit,
)
from duecare.privacy.permissions import SYSTEM
from duecare.visits import repository, transitions
from duecare.visits.flows import GATED
from duecare.visits.gate import GateEvaluation, evaluate
from duecare.visits.models import VisitCase
from duecare.visits.models import VisitState as S
from duecare.visits.transitions import Ctx

log = logging.getLogger(__name__)

# The gate codes each state has not reached yet (not a reason to stop). Every other unmet code stops it.
NOT_YET: dict[S, frozenset[str]] = {
    S.PROPOSED: frozenset({"notice_not_sent", "notice_period_running", "consent_missing", "approval_missing"}),
    S.NOTICE_SENT: frozenset({"notice_period_running", "consent_missing", "approval_missing"}),
    S.CONSENTED: frozenset({"notice_period_running", "approval_missing"}),
    S.APPROVED: frozenset(),
    S.SCHEDULED: frozenset(),
    S.IN_PROGRESS: frozenset(),
}
# Hold kinds that end by themselves or by a person's review: the visit waits instead of ending.
TEMPORARY_HOLDS = frozenset({"ptp_pending", "hardship_open"})
FACT_TYPES: tuple[type, ...] = (Consent, Hold, Promise, Payment, ContactEvent, Notice, Visit, Borrower, Alternative)
# Gate codes that pause a visit rather than end it: a remote alternative the borrower chose is running.
PAUSING = frozenset({"alternative_in_progress"})

_TOUCHED = "duecare.gate.touched"  # session.info: borrower ids whose facts changed since the last re-check
_REPLIES = "duecare.gate.replies"  # session.info: borrowers' replies recorded in this transaction
_TOUCHED_LOANS = "duecare.gate.touched_loans"
_BUSY = "duecare.gate.busy"
# Work that writes facts of its own and must run before the re-check at commit (visits.replies registers the
# reading of replies to a notice here).
BEFORE_RECHECK: list[Callable[[Session], None]] = []


@dataclass(frozen=True)
class Change:
    """What a re-check did to one visit."""

    visit_id: str
    before: str
    after: str
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"visit_id": self.visit_id, "from": self.before, "to": self.after, "reasons": list(self.reasons)}


def allowed_now(visit: VisitCase) -> frozenset[str]:
    state = S(visit.held_from) if visit.state == S.ON_HOLD and visit.held_from else visit.state
    return NOT_YET.get(state, frozenset())


def active_hold_kinds(session: Session, borrower_id: str, at: datetime) -> set[str]:
    """The borrower's holds as the gate counts them: flags, open hold rows, open promises not yet due."""
    b = session.get_one(Borrower, borrower_id)
    kinds = {f for f in ("deceased", "bankrupt", "dispute_open", "do_not_contact", "represented_by_lawyer",
                         "hardship_open") if getattr(b, f)}
    kinds |= {str(getattr(k, "value", k)) for k in session.scalars(select(Hold.kind).where(
        Hold.borrower_id == borrower_id, Hold.closed_at.is_(None)))}
    today = at.astimezone(ZoneInfo(b.timezone)).date()
    if session.scalar(select(Promise.id).where(Promise.borrower_id == borrower_id,
                                               Promise.status == PromiseStatus.OPEN,
                                               Promise.promised_date >= today).limit(1)) is not None:
        kinds.add("ptp_pending")
    return kinds


def judge(session: Session, visit: VisitCase, gate: GateEvaluation, at: datetime) -> tuple[S | None, list[str]]:
    """What the gate now means for the visit: (new state or None to leave it, the reasons)."""
    reasons = gate.stop_reasons(allowed_now(visit))
    if not reasons:
        return (S(visit.held_from or S.APPROVED.value), []) if visit.state == S.ON_HOLD else (None, [])
    if visit.state == S.NOTICE_SENT and reasons == ["consent_declined"]:
        return S.DECLINED, reasons
    stops = set(reasons) - PAUSING
    temporary = (stops <= {"hold_active"} and visit.state != S.IN_PROGRESS
                 and (not stops or active_hold_kinds(session, visit.borrower_id, at) <= TEMPORARY_HOLDS))
    if temporary:
        return (None if visit.state == S.ON_HOLD else S.ON_HOLD), reasons
    return S.CANCELLED, reasons


def gate_of(ctx: Ctx, visit: VisitCase) -> GateEvaluation:
    exclude = (visit.ledger_visit_id,) if visit.ledger_visit_id else ()
    return evaluate(ctx.session, visit.loan_id, ctx.at, ctx.policy, exclude_visit_ids=exclude, scorer=ctx.scorer)


def apply(ctx: Ctx, visit: VisitCase, gate: GateEvaluation, why: str) -> Change | None:
    """Re-check one locked visit against `gate` and act on it; None when nothing changes."""
    before = visit.state
    target, reasons = judge(ctx.session, visit, gate, ctx.at)
    if target is None:
        return None
    comment = f"gate re-checked: {why}"
    if target == S.CANCELLED:
        transitions.cancel(ctx, visit, reasons, actor=SYSTEM, gate=gate, comment=comment)
    elif target == S.ON_HOLD:
        transitions.hold(ctx, visit, reasons, gate, comment)
    elif target == S.DECLINED:
        transitions.move(ctx, visit, S.DECLINED, actor=SYSTEM, reasons=reasons, gate=gate, comment=comment)
    elif before == S.ON_HOLD:
        transitions.resume(ctx, visit, gate)
    return Change(visit.id, before.value, visit.state.value, tuple(reasons))


def recheck_borrower(ctx: Ctx, borrower_id: str, why: str) -> list[Change]:
    """Lock the borrower, then each open visit, and re-check each against the current facts."""
    repository.lock_borrower(ctx.session, borrower_id)
    changes = []
    for visit in repository.lock_gated_visits_of(ctx.session, borrower_id):
        try:
            gate = gate_of(ctx, visit)
        except LookupError:
            # No schedule to decide on (the loan left the store): nothing can show the gate holds.
            transitions.cancel(ctx, visit, ["gate_unevaluable"], actor=SYSTEM, comment=f"gate re-checked: {why}")
            changes.append(Change(visit.id, "?", visit.state.value, ("gate_unevaluable",)))
            continue
        change = apply(ctx, visit, gate, why)
        if change is not None:
            changes.append(change)
    mark_checked(ctx.session, borrower_id)
    return changes


def recheck_borrowers(ctx: Ctx, borrower_ids: list[str], why: str) -> list[Change]:
    out: list[Change] = []
    for bid in sorted(set(borrower_ids)):  # one lock order for everyone
        out.extend(recheck_borrower(ctx, bid, why))
    return out


def sweep(session: Session, at: datetime, why: str = "nightly sweep") -> list[Change]:
    """Re-check every open visit (the nightly run and the worker call this; notice expiry and the passage of
    time are caught here as well as at every step)."""
    ctx = Ctx(session=session, actor=SYSTEM, at=at)
    borrower_ids = list(session.scalars(select(VisitCase.borrower_id).where(
        VisitCase.state.in_(sorted(s.value for s in GATED))).distinct()))
    return recheck_borrowers(ctx, borrower_ids, why)


# --- the trigger: facts written in a session are re-checked before it commits ---------------------------------

def mark_checked(session: Session, borrower_id: str) -> None:
    """The borrower's open visits were just re-checked on the facts as they stand in this transaction."""
    session.info.get(_TOUCHED, set()).discard(borrower_id)


def _note(session: Session, obj: object) -> None:
    if isinstance(obj, Borrower):
        session.info.setdefault(_TOUCHED, set()).add(obj.id)
    elif isinstance(obj, Payment):
        session.info.setdefault(_TOUCHED_LOANS, set()).add(obj.loan_id)
    else:
        bid = getattr(obj, "borrower_id", None)
        if bid:
            session.info.setdefault(_TOUCHED, set()).add(bid)


@event.listens_for(Session, "before_flush")
def _collect(session: Session, _flush_context: object, _instances: object) -> None:
    if session.info.get(_BUSY):
        return
    for obj in session.new:
        if isinstance(obj, InboundEvent) and obj.kind == "reply" and obj.borrower_id and obj.body:
            session.info.setdefault(_REPLIES, []).append(obj)
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, FACT_TYPES) and (obj in session.new or session.is_modified(obj)):
            _note(session, obj)


def replies_of(session: Session) -> list[InboundEvent]:
    """The borrowers' replies recorded in this transaction and not read yet (emptied by reading)."""
    found: list[InboundEvent] = session.info.pop(_REPLIES, [])
    return found


def pending(session: Session) -> set[str]:
    """Borrowers whose facts changed in this transaction and whose visits were not re-checked since."""
    found: set[str] = set(session.info.get(_TOUCHED, set()))
    loans = session.info.get(_TOUCHED_LOANS, set())
    if loans:
        found |= set(session.scalars(select(Loan.borrower_id).where(Loan.id.in_(sorted(loans)))))
    return found


_SEEN_TABLES: set[str] = set()  # database URLs known to hold the workflow's tables


def _has_workflow(session: Session) -> bool:
    """A database migrated without the visits branch (a partial upgrade) has no visits to re-check."""
    conn = session.connection()
    key = str(conn.engine.url)
    if key not in _SEEN_TABLES:
        if not inspect(conn).has_table(VisitCase.__tablename__):
            return False
        _SEEN_TABLES.add(key)
    return True


@event.listens_for(Session, "before_commit")
def _recheck_before_commit(session: Session) -> None:
    if session.info.get(_BUSY):
        return
    session.flush()  # the last writes are noted before we look
    for before in BEFORE_RECHECK:
        before(session)
    touched = pending(session)
    session.info.pop(_TOUCHED, None)
    session.info.pop(_TOUCHED_LOANS, None)
    if not touched or not _has_workflow(session):
        return
    with_visits = sorted(set(session.scalars(select(VisitCase.borrower_id).where(
        VisitCase.borrower_id.in_(sorted(touched)), VisitCase.state.in_(sorted(s.value for s in GATED))))))
    if not with_visits:
        return
    session.info[_BUSY] = True
    try:
        now = transitions.session_clock(session)
        ctx = Ctx(session=session, actor=SYSTEM, at=now() if now is not None else clock.now())
        for change in recheck_borrowers(ctx, with_visits, "facts changed"):
            log.info("visit %s: %s -> %s (%s)", change.visit_id, change.before, change.after,
                     ",".join(change.reasons))
        session.flush()
    finally:
        session.info[_BUSY] = False


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_REPLIES, None)
    session.info.pop(_TOUCHED, None)
    session.info.pop(_TOUCHED_LOANS, None)
    session.info.pop(_BUSY, None)
