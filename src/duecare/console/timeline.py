"""One timeline per borrower: every contact, decision (with reasons and rule sources), notice, consent,
approval, visit step, promise, hold, plan, complaint, review and call analysis, newest first.

Read from the events each domain records (Dispatch's lesson: the timeline is read from events, never kept
beside them). Domains that are not installed simply contribute nothing.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.ledger import models as m
from duecare.portal.models import Complaint, PlanProposal
from duecare.privacy.models import ReviewRequest


@dataclass(frozen=True)
class Item:
    at: datetime
    kind: str  # contact | decision | notice | consent | approval | visit | promise | hold | plan | complaint | review | call
    title: str  # a code the page labels
    detail: dict[str, Any] = field(default_factory=dict)
    source: str | None = None  # rule id / legal basis / policy version


def _day(d: date) -> datetime:
    return datetime.combine(d, time(0), tzinfo=UTC)


def _optional(module: str) -> Any | None:
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def timeline(db: Session, borrower_id: str) -> list[Item]:
    items: list[Item] = []
    for c in db.scalars(select(m.ContactEvent).where(m.ContactEvent.borrower_id == borrower_id)):
        items.append(Item(c.at, "contact", c.outcome.value, {"channel": c.channel.value,
                                                            "direction": c.direction.value,
                                                            "loan_id": c.loan_id, "agent_id": c.agent_id,
                                                            "duration_s": c.duration_s}))
    for n in db.scalars(select(m.Notice).where(m.Notice.borrower_id == borrower_id)):
        items.append(Item(n.sent_at, "notice", n.kind, {"notice_id": n.id, "loan_id": n.loan_id,
                                                       "version_hash": n.version_hash}))
    for s in db.scalars(select(m.Consent).where(m.Consent.borrower_id == borrower_id)):
        items.append(Item(s.at, "consent", s.decision.value, {"purpose": s.purpose, "notice_id": s.notice_id,
                                                             "channel": s.channel}, "pipl_basis_consent"))
    for a in db.scalars(select(m.Approval).where(m.Approval.borrower_id == borrower_id)):
        items.append(Item(a.at, "approval", a.decision.value, {"notice_id": a.notice_id, "by": a.decided_by}))
    for p in db.scalars(select(m.Promise).where(m.Promise.borrower_id == borrower_id)):
        items.append(Item(_day(p.promised_date), "promise", p.status.value,
                          {"loan_id": p.loan_id, "amount_minor": p.amount_minor, "promise_id": p.id}))
    for h in db.scalars(select(m.Hold).where(m.Hold.borrower_id == borrower_id)):
        items.append(Item(h.opened_at, "hold", h.kind.value, {"loan_id": h.loan_id, "closed_at": h.closed_at}))
    for v in db.scalars(select(m.Visit).where(m.Visit.borrower_id == borrower_id)):
        items.append(Item(v.at, "visit", v.status.value, {"loan_id": v.loan_id, "visit_id": v.id}))
    for pr in db.scalars(select(PlanProposal).where(PlanProposal.borrower_id == borrower_id)):
        items.append(Item(pr.created_at, "plan", pr.outcome, {"loan_id": pr.loan_id,
                                                             "reasons": json.loads(pr.reasons)},
                          f"plan rules {pr.rules_version}"))
    for cp in db.scalars(select(Complaint).where(Complaint.borrower_id == borrower_id)):
        items.append(Item(cp.created_at, "complaint", cp.category, {"status": cp.status}))
    for rv in db.scalars(select(ReviewRequest).where(ReviewRequest.borrower_id == borrower_id)):
        items.append(Item(rv.requested_at, "review", rv.status, {"decision_ref": rv.decision_ref}, "pipl_adm"))
    items += _visit_events(db, borrower_id) + _decision_records(db, borrower_id) + _call_analyses(db, borrower_id)
    return sorted(items, key=lambda i: i.at, reverse=True)


def _visit_events(db: Session, borrower_id: str) -> list[Item]:
    vm = _optional("duecare.visits.models")
    if vm is None:
        return []
    rows = db.execute(select(vm.VisitEvent, vm.VisitCase.loan_id).join(vm.VisitCase, vm.VisitCase.id == vm.VisitEvent.visit_id)
                      .where(vm.VisitCase.borrower_id == borrower_id)).all()
    return [Item(ev.at, "visit", ev.to_state, {"visit_id": ev.visit_id, "loan_id": loan_id, "from": ev.from_state,
                                                "reasons": json.loads(ev.reasons or "[]"), "actor": ev.actor},
                 ev.rule_id or ev.legal_basis) for ev, loan_id in rows]


def _decision_records(db: Session, borrower_id: str) -> list[Item]:
    cm = _optional("duecare.contacts.models")
    if cm is None or not hasattr(cm, "DecisionRecord"):
        return []
    rec = cm.DecisionRecord
    out = []
    for r in db.scalars(select(rec).where(rec.borrower_id == borrower_id)):
        out.append(Item(r.recorded_at, "decision", r.action, {
            "loan_id": r.loan_id, "reasons": json.loads(r.reasons or "[]"),
            "blocked_rules": json.loads(r.blocked_rules or "[]"), "run_id": r.run_id, "line": r.ladder_line},
            r.policy_version))
    return out


def _call_analyses(db: Session, borrower_id: str) -> list[Item]:
    """Call analytics, when the speech domain stores them (`duecare.speech.models.CallAnalysis`)."""
    sr = _optional("duecare.speech.repository")
    if sr is not None and hasattr(sr, "timeline_items"):  # the speech domain's own view (QA findings with quotes)
        return [Item(d["at"], d["kind"], d["title"], d["details"], d.get("source"))
                for d in sr.timeline_items(db, borrower_id)]
    sm = _optional("duecare.speech.models")
    model = getattr(sm, "CallAnalysis", None) if sm else None
    if model is None or not hasattr(model, "borrower_id"):
        return []
    out = []
    for r in db.scalars(select(model).where(model.borrower_id == borrower_id)):
        detail = {k: getattr(r, k) for k in ("intent", "promise_date", "promise_amount_minor", "hardship",
                                             "qa_score", "loan_id") if hasattr(r, k)}
        at = getattr(r, "analysed_at", None) or getattr(r, "at", None) or getattr(r, "created_at", None)
        if at is not None:
            out.append(Item(at, "call", "analysis", detail))
    return out
