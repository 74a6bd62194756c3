"""One timeline per borrower: every contact, decision (with reasons and rule sources), notice, consent,
approval, visit step, promise, hold, plan, complaint, review, call analysis (with QA quotes), note, callback
and known limit on a channel (set, lifted), newest first.

Read from the rows each domain records (Dispatch's lesson: the timeline is read from events, never kept
beside them). Every domain is imported explicitly: a renamed column breaks the type check and the tests,
never a page at run time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.console.models import CaseNote
from duecare.contacts.models import DecisionRecord
from duecare.kit import clock
from duecare.ledger import models as m
from duecare.ledger.promises import outcomes
from duecare.policy.loader import all_packs
from duecare.portal.account import today_for
from duecare.portal.models import Complaint, PlanProposal
from duecare.privacy.models import ReviewRequest
from duecare.speech import repository as speech_repository
from duecare.visits.models import VisitCase, VisitEvent


@dataclass(frozen=True)
class Item:
    at: datetime
    kind: str  # contact | decision | notice | consent | approval | visit | promise | hold | plan | complaint | review | call | note | callback | limit | limit_lifted
    title: str  # a code the page labels
    detail: dict[str, Any] = field(default_factory=dict)
    source: str | None = None  # rule id / legal basis / policy version


def _day(d: date) -> datetime:
    return datetime.combine(d, time(0), tzinfo=UTC)


@cache
def rule_sources() -> dict[str, dict[str, str]]:
    """Rule id → source, per jurisdiction pack (the packs are versioned data, loaded once)."""
    return {name: {r.id: r.source for r in pack.rules} for name, pack in all_packs().items()}


def _contacts(db: Session, borrower_id: str) -> list[Item]:
    return [Item(c.at, "contact", c.outcome.value, {"channel": c.channel.value, "direction": c.direction.value,
                                                   "loan_id": c.loan_id, "agent_id": c.agent_id,
                                                   "duration_s": c.duration_s})
            for c in db.scalars(select(m.ContactEvent).where(m.ContactEvent.borrower_id == borrower_id))]


def _notices(db: Session, borrower_id: str) -> list[Item]:
    return [Item(n.sent_at, "notice", n.kind, {"notice_id": n.id, "loan_id": n.loan_id,
                                              "version_hash": n.version_hash})
            for n in db.scalars(select(m.Notice).where(m.Notice.borrower_id == borrower_id))]


def _consents(db: Session, borrower_id: str) -> list[Item]:
    return [Item(s.at, "consent", s.decision.value, {"purpose": s.purpose, "notice_id": s.notice_id,
                                                    "channel": s.channel}, "pipl_basis_consent")
            for s in db.scalars(select(m.Consent).where(m.Consent.borrower_id == borrower_id))]


def _approvals(db: Session, borrower_id: str) -> list[Item]:
    return [Item(a.at, "approval", a.decision.value, {"notice_id": a.notice_id, "by": a.decided_by})
            for a in db.scalars(select(m.Approval).where(m.Approval.borrower_id == borrower_id))]


def _promises(db: Session, borrower_id: str) -> list[Item]:
    """Each promise with its stored settlement (ledger.promises.outcomes), as the case page's list shows it."""
    today = today_for(db, borrower_id, clock.now())
    return [Item(_day(o.promised_date), "promise", o.status,
                 {"loan_id": o.loan_id, "amount_minor": o.amount_minor, "promise_id": o.promise_id})
            for o in outcomes(db, borrower_id, today)]


def _holds(db: Session, borrower_id: str) -> list[Item]:
    return [Item(h.opened_at, "hold", h.kind.value, {"loan_id": h.loan_id, "closed_at": h.closed_at})
            for h in db.scalars(select(m.Hold).where(m.Hold.borrower_id == borrower_id))]


def _ledger_visits(db: Session, borrower_id: str) -> list[Item]:
    # a visit record of the ledger (the lender's file, or the record a closed visit case leaves) has no page of
    # its own: its id is shown, not linked (the visit cases below link theirs)
    return [Item(v.at, "visit", v.status.value, {"loan_id": v.loan_id, "record": v.id})
            for v in db.scalars(select(m.Visit).where(m.Visit.borrower_id == borrower_id))]


def _plans(db: Session, borrower_id: str) -> list[Item]:
    return [Item(pr.created_at, "plan", pr.outcome, {"loan_id": pr.loan_id, "reasons": json.loads(pr.reasons)},
                 f"plan rules {pr.rules_version}")
            for pr in db.scalars(select(PlanProposal).where(PlanProposal.borrower_id == borrower_id))]


def _complaints(db: Session, borrower_id: str) -> list[Item]:
    return [Item(cp.created_at, "complaint", cp.category, {"status": cp.status, "reference": cp.id})
            for cp in db.scalars(select(Complaint).where(Complaint.borrower_id == borrower_id))]


def _reviews(db: Session, borrower_id: str) -> list[Item]:
    return [Item(rv.requested_at, "review", rv.status, {"decision_ref": rv.decision_ref,
                                                        "reviewed_at": rv.reviewed_at}, "pipl_adm")
            for rv in db.scalars(select(ReviewRequest).where(ReviewRequest.borrower_id == borrower_id))]


def _visit_events(db: Session, borrower_id: str) -> list[Item]:
    """Each step of the visit workflow, with the gate codes it was checked against."""
    rows = db.execute(select(VisitEvent, VisitCase.loan_id)
                      .join(VisitCase, VisitCase.id == VisitEvent.visit_id)
                      .where(VisitCase.borrower_id == borrower_id)).all()
    out = []
    for ev, loan_id in rows:
        gate = json.loads(ev.gate_json) if ev.gate_json else {}
        unmet = gate.get("unmet", []) if isinstance(gate, dict) else []
        out.append(Item(ev.at, "visit", ev.to_state, {"visit_id": ev.visit_id, "loan_id": loan_id,
                                                       "from": ev.from_state, "reasons": json.loads(ev.reasons or "[]"),
                                                       "unmet": unmet, "actor": ev.actor},
                        ev.rule_id or ev.legal_basis))
    return out


def _decisions(db: Session, borrower_id: str) -> list[Item]:
    """What each batch run decided, with its reasons and the rules (and their sources) that moved it."""
    sources = rule_sources()
    out = []
    for r in db.scalars(select(DecisionRecord).where(DecisionRecord.borrower_id == borrower_id)):
        pack = sources.get(r.pack or "", {})
        blocked = [{"rule": rule, "source": pack.get(rule, "")} for rule in json.loads(r.blocked_json or "[]")]
        out.append(Item(r.recorded_at, "decision", r.action, {
            "loan_id": r.loan_id, "reasons": json.loads(r.reasons_json or "[]"), "blocked": blocked,
            "channel": r.channel, "not_before": r.not_before, "run_id": r.run_id, "line": r.ladder_line},
            r.policy_version))
    return out


def _calls(db: Session, borrower_id: str) -> list[Item]:
    """Analysed calls: outcome, promise, hardship and each QA finding with the words that triggered it."""
    return [Item(d["at"], "call", d["title"], d["details"], d.get("source"))
            for d in speech_repository.timeline_items(db, borrower_id)]


def _limits(db: Session, borrower_id: str) -> list[Item]:
    """Known limits on a channel: when each was set and, once lifted, when it was lifted."""
    out = []
    for lim in db.scalars(select(m.ContactLimit).where(m.ContactLimit.borrower_id == borrower_id)):
        detail = {"channel": lim.channel.value, "by": lim.by.value, "limit_id": lim.id}
        out.append(Item(lim.at, "limit", lim.kind.value, detail))
        if lim.lifted_at is not None:
            out.append(Item(lim.lifted_at, "limit_lifted", lim.kind.value, detail))
    return out


def _notes(db: Session, borrower_id: str) -> list[Item]:
    return [Item(n.created_at, n.kind, n.kind, {"text": n.text, "due_at": n.due_at, "loan_id": n.loan_id,
                                                 "by": n.author_id, "done_at": n.done_at})
            for n in db.scalars(select(CaseNote).where(CaseNote.borrower_id == borrower_id))]


READERS: tuple[Callable[[Session, str], list[Item]], ...] = (
    _contacts, _notices, _consents, _approvals, _promises, _holds, _ledger_visits, _plans, _complaints,
    _reviews, _visit_events, _decisions, _calls, _notes, _limits)


def timeline(db: Session, borrower_id: str) -> list[Item]:
    items = [item for read in READERS for item in read(db, borrower_id)]
    return sorted(items, key=lambda i: i.at, reverse=True)
