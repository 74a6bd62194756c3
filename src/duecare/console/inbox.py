"""The staff inbox: everything a borrower asked for, in one list with its deadline and the time left.

- data-subject requests (access, correction, deletion) with the legal deadline (privacy.rights);
- requests for human review of an automated decision (PIPL Art. 24; GDPR Art. 22);
- complaints with their reference and reply deadline (portal.complaints);
- specialist referrals (repayment plans the plan rules referred to a person) and open hardship reviews.

Which borrowers a person sees is a filter in each query (privacy.scope). Each handling step calls the
domain's service, which records it in the audit chain; this module adds only the steps no service had yet
(assigning a request, answering an access request; taking and closing a specialist referral or a hardship
review, kept in `console_inbox_handling`), each audited.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, String, select
from sqlalchemy import cast as sa_cast
from sqlalchemy.orm import Session

from duecare.console.models import InboxHandling
from duecare.kit.errors import Conflict, NotFound, UserError
from duecare.kit.i18n import N_
from duecare.ledger.models import Borrower, Hold, HoldKind
from duecare.portal import complaints
from duecare.portal.models import Complaint, PlanProposal
from duecare.privacy import rights
from duecare.privacy.audit import record_audit
from duecare.privacy.models import ReviewRequest, SubjectRequest
from duecare.privacy.permissions import Actor, guarded
from duecare.privacy.scope import borrower_filter

OPEN_REQUEST = ("received", "in_progress")
REFERRALS_SHOWN = 100


@dataclass(frozen=True)
class Due:
    deadline: date | None
    days_left: int | None  # negative: overdue

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0


def due(deadline: date | None, today: date) -> Due:
    return Due(deadline, (deadline - today).days if deadline else None)


def _local_today(db: Session, borrower_ids: list[str], now: datetime) -> dict[str, date]:
    """Each borrower's calendar date now: deadlines are days of the borrower's calendar."""
    stmt = select(Borrower.id, Borrower.timezone).where(Borrower.id.in_(set(borrower_ids)))
    zones: dict[str, str] = {row[0]: row[1] for row in db.execute(stmt)}
    return {bid: now.astimezone(ZoneInfo(zones.get(bid) or "UTC")).date() for bid in borrower_ids}


def _scoped(stmt: Select[Any], actor: Actor, column: Any) -> Select[Any]:
    clause = borrower_filter(actor, column)
    return stmt if clause is None else stmt.where(clause)


def subject_requests(db: Session, actor: Actor, now: datetime) -> list[dict[str, Any]]:
    stmt = _scoped(select(SubjectRequest).where(SubjectRequest.status.in_(OPEN_REQUEST)), actor,
                   SubjectRequest.borrower_id).order_by(SubjectRequest.deadline, SubjectRequest.id)
    rows = list(db.scalars(stmt))
    today = _local_today(db, [r.borrower_id for r in rows], now)
    return [{"row": r, "due": due(r.deadline, today[r.borrower_id])} for r in rows]


def reviews(db: Session, actor: Actor) -> list[ReviewRequest]:
    stmt = _scoped(select(ReviewRequest).where(ReviewRequest.status == "pending"), actor, ReviewRequest.borrower_id)
    return list(db.scalars(stmt.order_by(ReviewRequest.requested_at, ReviewRequest.id)))


def open_complaints(db: Session, actor: Actor, now: datetime) -> list[dict[str, Any]]:
    stmt = _scoped(select(Complaint).where(Complaint.status != "closed"), actor, Complaint.borrower_id)
    rows = list(db.scalars(stmt.order_by(Complaint.reply_due, Complaint.id)))
    today = _local_today(db, [c.borrower_id for c in rows], now)
    return [{"row": c, "ref": complaints.reference(c), "due": due(c.reply_due, today[c.borrower_id])} for c in rows]


def _handling(db: Session, kind: str, ids: list[str]) -> dict[str, InboxHandling]:
    if not ids:
        return {}
    rows = db.scalars(select(InboxHandling).where(InboxHandling.kind == kind, InboxHandling.item_id.in_(ids)))
    return {r.item_id: r for r in rows}


def referrals(db: Session, actor: Actor) -> list[dict[str, Any]]:
    """Plans the rules referred to a specialist and not yet closed, newest first, with who handles each."""
    closed = select(InboxHandling.item_id).where(InboxHandling.kind == "referral", InboxHandling.closed_at.is_not(None))
    stmt = _scoped(select(PlanProposal).where(PlanProposal.outcome == "referred",
                                              sa_cast(PlanProposal.id, String).not_in(closed)),
                   actor, PlanProposal.borrower_id)
    rows = list(db.scalars(stmt.order_by(PlanProposal.created_at.desc()).limit(REFERRALS_SHOWN)))
    handling = _handling(db, "referral", [str(r.id) for r in rows])
    return [{"row": r, "reasons": json.loads(r.reasons or "[]"), "handling": handling.get(str(r.id))} for r in rows]


def hardship_reviews(db: Session, actor: Actor) -> list[dict[str, Any]]:
    stmt = _scoped(select(Hold).where(Hold.kind == HoldKind.HARDSHIP_OPEN, Hold.closed_at.is_(None)), actor,
                   Hold.borrower_id)
    rows = list(db.scalars(stmt.order_by(Hold.opened_at)))
    handling = _handling(db, "hardship", [h.id for h in rows])
    return [{"row": h, "handling": handling.get(h.id)} for h in rows]


def counts(items: dict[str, Any]) -> dict[str, int]:
    overdue = sum(1 for x in items["requests"] + items["complaints"] if x["due"].overdue)
    return {"open": sum(len(v) for v in items.values()), "overdue": overdue}


def everything(db: Session, actor: Actor, now: datetime) -> dict[str, Any]:
    return {"requests": subject_requests(db, actor, now) if actor.can("rights.manage") else [],
            "reviews": reviews(db, actor), "complaints": open_complaints(db, actor, now),
            "referrals": referrals(db, actor), "hardship": hardship_reviews(db, actor)}


# --- steps no service had yet ----------------------------------------------------------------------------------

def _open_request(db: Session, request_id: int) -> SubjectRequest:
    req = db.get(SubjectRequest, request_id)
    if req is None:
        raise NotFound(N_("no request {request_id}"), place="request", request_id=request_id)
    if req.status not in OPEN_REQUEST:
        raise Conflict(N_("request {request_id} is no longer open"), place="request", request_id=request_id)
    return req


@guarded("rights.manage")
def assign_request(db: Session, actor: Actor, request_id: int, at: datetime) -> SubjectRequest:
    req = _open_request(db, request_id)
    req.handled_by, req.status = actor.id, "in_progress"
    record_audit(db, actor=actor, action="rights_request_assigned", subject=f"borrower:{req.borrower_id}",
                 rule_id="pipl_rights", after={"request": req.id}, at=at)
    return req


@guarded("rights.manage")
def answer_access(db: Session, actor: Actor, request_id: int, at: datetime) -> SubjectRequest:
    """The export is prepared (an audited read of everything held) and the request is answered."""
    req = _open_request(db, request_id)
    if req.kind != "access":
        raise UserError(N_("only an access request is answered with the export"), place="request")
    rights.access_export(db, actor, req.borrower_id)
    req.status, req.handled_by, req.closed_at = "completed", actor.id, at
    req.outcome = "export provided through the portal's My data page"
    record_audit(db, actor=actor, action="rights_access_answered", subject=f"borrower:{req.borrower_id}",
                 rule_id="pipl_rights", legal_basis="PIPL Art. 45", after={"request": req.id}, at=at)
    return req


def _open_hold(db: Session, actor: Actor, hold_id: str) -> Hold:
    hold = db.get(Hold, hold_id)
    if hold is None or hold.kind != HoldKind.HARDSHIP_OPEN or not _in_scope(db, actor, hold.borrower_id):
        raise NotFound(N_("no hardship review {hold_id}"), place="hold", hold_id=hold_id)
    if hold.closed_at is not None:
        raise Conflict(N_("hardship review {hold_id} is already closed"), place="hold", hold_id=hold_id)
    return hold


def _in_scope(db: Session, actor: Actor, borrower_id: str) -> bool:
    clause = borrower_filter(actor, Borrower.id)
    return clause is None or db.scalar(select(Borrower.id).where(Borrower.id == borrower_id, clause)) is not None


def _handling_row(db: Session, kind: str, item_id: str, borrower_id: str) -> InboxHandling:
    row = db.scalars(select(InboxHandling).where(InboxHandling.kind == kind, InboxHandling.item_id == item_id)
                     .with_for_update()).first()
    if row is None:
        row = InboxHandling(kind=kind, item_id=item_id, borrower_id=borrower_id)
        db.add(row)
    return row


@guarded("holds.manage")
def close_hardship(db: Session, actor: Actor, hold_id: str, at: datetime, note: str = "") -> Hold:
    """A specialist closes a hardship review: collection may resume under the usual rules."""
    hold = _open_hold(db, actor, hold_id)
    hold.closed_at = at
    row = _handling_row(db, "hardship", hold.id, hold.borrower_id)
    row.closed_by, row.closed_at, row.outcome = actor.id, at, "closed"
    row.note = note.strip()[:NOTE_MAX] or None
    db.flush()
    record_audit(db, actor=actor, action="hardship_review_closed", subject=f"borrower:{hold.borrower_id}",
                 after={"hold": hold.id}, at=at)
    return hold


@guarded("holds.manage")
def assign_hardship(db: Session, actor: Actor, hold_id: str, at: datetime) -> InboxHandling:
    """The person who takes a hardship review (it stays open, and holds collection, until closed)."""
    hold = _open_hold(db, actor, hold_id)
    row = _handling_row(db, "hardship", hold.id, hold.borrower_id)
    row.assigned_to, row.assigned_at = actor.id, at
    db.flush()
    record_audit(db, actor=actor, action="hardship_review_assigned", subject=f"borrower:{hold.borrower_id}",
                 after={"hold": hold.id, "assigned_to": actor.id}, at=at)
    return row


REFERRAL_OUTCOMES = ("plan_agreed", "forbearance", "debt_advice", "no_answer", "other")
NOTE_MAX = 4000


def _open_referral(db: Session, actor: Actor, proposal_id: int) -> PlanProposal:
    row = db.get(PlanProposal, proposal_id)
    handled = _handling(db, "referral", [str(proposal_id)]).get(str(proposal_id))
    if row is None or row.outcome != "referred" or not _in_scope(db, actor, row.borrower_id):
        raise NotFound(N_("no specialist referral {proposal_id}"), place="referral", proposal_id=proposal_id)
    if handled is not None and handled.closed_at is not None:
        raise Conflict(N_("specialist referral {proposal_id} is already closed"),
                       place="referral", proposal_id=proposal_id)
    return row


@guarded("review.manage")
def assign_referral(db: Session, actor: Actor, proposal_id: int, at: datetime) -> InboxHandling:
    """A specialist takes a referral (the plan rules found no affordable plan)."""
    ref = _open_referral(db, actor, proposal_id)
    row = _handling_row(db, "referral", str(ref.id), ref.borrower_id)
    row.assigned_to, row.assigned_at = actor.id, at
    db.flush()
    record_audit(db, actor=actor, action="referral_assigned", subject=f"borrower:{ref.borrower_id}",
                 after={"referral": ref.id, "assigned_to": actor.id}, at=at)
    return row


@guarded("review.manage")
def close_referral(db: Session, actor: Actor, proposal_id: int, outcome: str, note: str,
                   at: datetime) -> InboxHandling:
    """The specialist closes a referral with what came of it (an outcome and a note, both required)."""
    if outcome not in REFERRAL_OUTCOMES:
        raise UserError(N_("outcome: one of {referral_outcomes}"),
                        place="outcome", referral_outcomes=', '.join(REFERRAL_OUTCOMES))
    body = note.strip()
    if not body:
        raise UserError(N_("note: say what was agreed or done"), place="note")
    ref = _open_referral(db, actor, proposal_id)
    row = _handling_row(db, "referral", str(ref.id), ref.borrower_id)
    row.assigned_to = row.assigned_to or actor.id
    row.assigned_at = row.assigned_at or at
    row.closed_by, row.closed_at, row.outcome, row.note = actor.id, at, outcome, body[:NOTE_MAX]
    db.flush()
    record_audit(db, actor=actor, action="referral_closed", subject=f"borrower:{ref.borrower_id}",
                 after={"referral": ref.id, "outcome": outcome}, at=at)
    return row
