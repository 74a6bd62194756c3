"""Read models of the workflow: a visit with its timeline, one borrower's consent evidence, a pair's day route.

Views carry ids, codes, times and hashes; personal data appears only where the reader needs it (consent
evidence for compliance), and every such read is audited by the caller.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.kit.i18n import N_
from duecare.ledger.models import Approval, Borrower, Notice
from duecare.visits import repository
from duecare.visits.models import VisitCase, VisitState
from duecare.visits.scope import VisitPolicy


def _iso(moment: datetime | None, tz: ZoneInfo) -> str | None:
    return None if moment is None else moment.astimezone(tz).isoformat()


def visit_view(session: Session, visit: VisitCase, timeline: bool = True) -> dict[str, Any]:
    b = session.get(Borrower, visit.borrower_id)
    tz = ZoneInfo(b.timezone if b else "UTC")
    n = session.get(Notice, visit.notice_id) if visit.notice_id else None
    out: dict[str, Any] = {
        "id": visit.id, "borrower_id": visit.borrower_id, "loan_id": visit.loan_id, "state": visit.state.value,
        "pack": visit.pack, "policy_version": visit.policy_version, "proposed_by": visit.proposed_by,
        "proposed_at": _iso(visit.proposed_at, tz),
        "notice": None if n is None else {"id": n.id, "sent_at": _iso(n.sent_at, tz), "version_hash": n.version_hash},
        "approval_id": visit.approval_id, "agents": [a for a in (visit.agent_a, visit.agent_b) if a],
        "window": None if visit.window_start is None else {"start": _iso(visit.window_start, tz),
                                                           "end": _iso(visit.window_end, tz)},
        "planned_arrival": _iso(visit.planned_arrival, tz), "route_order": visit.route_order,
        "outcome": None if visit.outcome is None else visit.outcome.value, "close_reason": visit.close_reason,
        "held_from": visit.held_from,
        "checked_in": None if visit.checked_in_at is None else {"at": _iso(visit.checked_in_at, tz),
                                                                 "agents": (visit.checked_in_by or "").split(",")},
        "checked_out": None if visit.checked_out_at is None else {"at": _iso(visit.checked_out_at, tz),
                                                                   "agents": (visit.checked_out_by or "").split(",")},
    }
    if timeline:
        out["timeline"] = [
            {"at": _iso(e.at, tz), "actor": e.actor, "from": e.from_state, "to": e.to_state,
             "reasons": json.loads(e.reasons), "rule": e.rule_id, "source": e.legal_basis,
             "gate_digest": e.gate_digest, "comment": e.comment}
            for e in repository.events(session, visit.id)]
    return out


def consent_evidence(session: Session, borrower_id: str) -> dict[str, Any]:
    """Every home-visit consent record of a borrower with the notice text version it refers to, and the
    current state per notice derived from those records."""
    b = session.get(Borrower, borrower_id)
    if b is None:
        raise repository.NotFound(N_("borrower {borrower_id} not found"), borrower_id=borrower_id)
    tz = ZoneInfo(b.timezone)
    records = repository.consents_of(session, borrower_id)
    notices = list(session.scalars(select(Notice).where(Notice.borrower_id == borrower_id,
                                                        Notice.kind == "visit_notice").order_by(Notice.sent_at)))
    current = {n.id: repository.consent_state(session, borrower_id, n.id, n.sent_at) for n in notices}
    docs = {n.id: repository.notice_document(session, n.id) for n in notices}

    def doc_attr(notice_id: str, name: str) -> str | None:
        doc = docs[notice_id]
        return None if doc is None else str(getattr(doc, name))

    return {
        "borrower_id": borrower_id,
        "purpose": repository.HOME_VISIT,
        "notices": [{"id": n.id, "loan_id": n.loan_id, "sent_at": _iso(n.sent_at, tz),
                     "version_hash": n.version_hash,
                     "template_version": doc_attr(n.id, "template_version"),
                     "language": doc_attr(n.id, "language"),
                     "current_decision": current[n.id]} for n in notices],
        "records": [{"id": c.id, "decision": str(c.decision), "at": _iso(c.at, tz), "notice_id": c.notice_id,
                     "notice_version_hash": c.notice_version_hash, "channel": c.channel, "evidence": c.evidence}
                    for c in records],
        "approvals": [{"id": a.id, "notice_id": a.notice_id, "decision": str(a.decision), "at": _iso(a.at, tz),
                       "by": a.decided_by}
                      for a in session.scalars(select(Approval).where(Approval.borrower_id == borrower_id)
                                               .order_by(Approval.at))],
    }


def day_route(session: Session, agent_id: str, day: date, policy: VisitPolicy) -> dict[str, Any]:
    """An agent's visits on a local day in route order, with planned arrivals and windows."""
    start = datetime.combine(day, time(0), ZoneInfo("UTC")) - timedelta(hours=14)
    end = start + timedelta(hours=52)
    rows = repository.booked(session, [agent_id], start, end,
                             states=(VisitState.SCHEDULED, VisitState.IN_PROGRESS, VisitState.REPORTED,
                                     VisitState.REVIEWED))
    stops = []
    for v in rows:
        b = session.get(Borrower, v.borrower_id)
        tz = ZoneInfo(b.timezone if b else "UTC")
        if v.window_start is None or v.window_start.astimezone(tz).date() != day:
            continue
        stops.append({"visit_id": v.id, "state": v.state.value, "order": v.route_order, "partner": v.agent_b if v.agent_a == agent_id
                      else v.agent_a, "planned_arrival": _iso(v.planned_arrival, tz),
                      "window": [_iso(v.window_start, tz), _iso(v.window_end, tz)], "city": b.city if b else None})
    stops.sort(key=lambda s: (s["order"] or 0, s["visit_id"]))
    return {"agent_id": agent_id, "date": day.isoformat(), "stops": stops,
            "service_minutes": policy.data.scheduling.service_minutes}

