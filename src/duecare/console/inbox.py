"""The staff inbox: everything a borrower asked for, in one list with its deadline and the time left.

- data-subject requests (access, correction, deletion) with the legal deadline (privacy.rights);
- requests for human review of an automated decision (PIPL Art. 24; GDPR Art. 22);
- complaints with their reference and reply deadline (portal.complaints);
- specialist referrals (repayment plans the plan rules referred to a person) and open hardship reviews.

Which borrowers a person sees is a filter in each query (privacy.scope). Each handling step calls the
domain's service, which records it in the audit chain; this module adds only the steps no service had yet
(assigning a request, answering an access request, closing a hardship review), each audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from duecare.kit.errors import UserError
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


def referrals(db: Session, actor: Actor) -> list[PlanProposal]:
    """Plans the rules referred to a specialist, newest first."""
    stmt = _scoped(select(PlanProposal).where(PlanProposal.outcome == "referred"), actor, PlanProposal.borrower_id)
    return list(db.scalars(stmt.order_by(PlanProposal.created_at.desc()).limit(REFERRALS_SHOWN)))


def hardship_reviews(db: Session, actor: Actor) -> list[Hold]:
    stmt = _scoped(select(Hold).where(Hold.kind == HoldKind.HARDSHIP_OPEN, Hold.closed_at.is_(None)), actor,
                   Hold.borrower_id)
    return list(db.scalars(stmt.order_by(Hold.opened_at)))


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
    if req is None or req.status not in OPEN_REQUEST:
        raise UserError(f"no open request {request_id}", place="request")
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
        raise UserError("only an access request is answered with the export", place="request")
    rights.access_export(db, actor, req.borrower_id)
    req.status, req.handled_by, req.closed_at = "completed", actor.id, at
    req.outcome = "export provided through the portal's My data page"
    record_audit(db, actor=actor, action="rights_access_answered", subject=f"borrower:{req.borrower_id}",
                 rule_id="pipl_rights", legal_basis="PIPL Art. 45", after={"request": req.id}, at=at)
    return req


@guarded("holds.manage")
def close_hardship(db: Session, actor: Actor, hold_id: str, at: datetime) -> Hold:
    """A specialist closes a hardship review: collection may resume under the usual rules."""
    hold = db.get(Hold, hold_id)
    if hold is None or hold.kind != HoldKind.HARDSHIP_OPEN or hold.closed_at is not None:
        raise UserError(f"no open hardship review {hold_id}", place="hold")
    hold.closed_at = at
    record_audit(db, actor=actor, action="hardship_review_closed", subject=f"borrower:{hold.borrower_id}",
                 after={"hold": hold.id}, at=at)
    return hold
