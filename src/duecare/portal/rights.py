"""My data (export, correction, deletion), complaints and requests for human review of automated decisions.

Data-subject requests and reviews belong to the privacy domain (`duecare.privacy.rights`): this module only
adapts them to the portal; complaints are the portal's own records.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.kit.bounds import NOT_BLANK
from duecare.kit.errors import NotFound, UserError
from duecare.kit.i18n import N_
from duecare.ledger.models import Borrower
from duecare.portal import complaints
from duecare.portal.models import Complaint
from duecare.privacy import rights as privacy_rights
from duecare.privacy.audit import record_audit
from duecare.privacy.models import ReviewRequest, SubjectRequest
from duecare.privacy.permissions import Actor

COMPLAINT_CATEGORIES = ("contact_conduct", "contact_frequency", "wrong_amount", "privacy", "visit", "other")


def _me(borrower_id: str) -> Actor:
    return Actor(kind="borrower", id=borrower_id, role="borrower")


def export(db: Session, borrower_id: str) -> dict[str, Any]:
    """Everything duecare holds about the borrower, machine-readable (PIPL Art. 45; GDPR Arts. 15, 20)."""
    return privacy_rights.access_export(db, _me(borrower_id), borrower_id)


COMPLAINT_MIN_CHARS = 5  # a complaint's text, stripped: at least this many characters
# The form's schema says the same: a non-blank character, at least 3 more, a non-blank character (searched).
COMPLAINT_TEXT_PATTERN = f"{NOT_BLANK}[\\s\\S]{{{COMPLAINT_MIN_CHARS - 2},}}{NOT_BLANK}"


def request_change(db: Session, borrower_id: str, kind: str, details: str, now: datetime) -> int:
    """A correction or deletion request, tracked with its legal deadline; returns the request id."""
    if kind not in ("correction", "deletion"):
        raise UserError(N_("kind: correction or deletion"), place="kind")
    details = details.strip()
    if kind == "correction" and not details:
        raise UserError(N_("details: say what is wrong and what it should be"), place="details")
    req = privacy_rights.create_request(db, _me(borrower_id), borrower_id, kind, details or None, received_at=now)
    return int(req.id)


def requests_of(db: Session, borrower_id: str) -> list[SubjectRequest]:
    return list(db.scalars(select(SubjectRequest).where(SubjectRequest.borrower_id == borrower_id)
                           .order_by(SubjectRequest.id.desc())))


def complain(db: Session, borrower_id: str, category: str, text: str, now: datetime) -> int:
    if category not in COMPLAINT_CATEGORIES:
        raise UserError(N_("category: choose one of the options"), place="category")
    text = text.strip()
    if not COMPLAINT_MIN_CHARS <= len(text) <= 4000:
        raise UserError(N_("text: please write between 5 and 4000 characters"), place="text")
    from duecare.portal.account import today_for

    if db.get(Borrower, borrower_id) is None:  # a portal account without a ledger row: nothing to complain about
        raise NotFound(N_("no borrower record for this account"), place="borrower")
    due = complaints.reply_due(complaints.jurisdiction_of(db, borrower_id), today_for(db, borrower_id, now))
    row = Complaint(borrower_id=borrower_id, category=category, text=text, status="received", created_at=now,
                    reply_due=due)
    db.add(row)
    db.flush()
    record_audit(db, actor=_me(borrower_id), action="complaint_received", subject=f"borrower:{borrower_id}",
                 after={"complaint": row.id, "category": category})
    return int(row.id)


def complaints_of(db: Session, borrower_id: str) -> list[Complaint]:
    return list(db.scalars(select(Complaint).where(Complaint.borrower_id == borrower_id)
                           .order_by(Complaint.id.desc())))


def ask_review(db: Session, borrower_id: str, decision_ref: str, summary: str, reason: str) -> int:
    """A request for a person to review an automated decision (PIPL Art. 24; GDPR Art. 22)."""
    review = privacy_rights.request_review(db, _me(borrower_id), borrower_id, decision_ref[:128], summary,
                                           reason.strip() or None)
    return int(review.id)


def reviews_of(db: Session, borrower_id: str) -> list[ReviewRequest]:
    return list(db.scalars(select(ReviewRequest).where(ReviewRequest.borrower_id == borrower_id)
                           .order_by(ReviewRequest.id.desc())))
