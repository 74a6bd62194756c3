"""Complaints: a reference the borrower can quote, the reply deadline with its source, and the handling steps
(assign, answer and close) as audited services. Services take the session, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.kit.errors import Conflict, NotFound, UserError
from duecare.kit.i18n import N_
from duecare.ledger.models import Borrower
from duecare.portal.models import Complaint
from duecare.privacy.audit import record_audit
from duecare.privacy.permissions import Actor

REPLY_MAX = 4000


@dataclass(frozen=True)
class ReplyRule:
    days: int
    source: str
    confidence: str  # as regulations.md: P primary, Q quoted, S secondary, U unconfirmed
    lender_choice: bool = False


# Sources are message ids: the console's inbox shows them in the reader's language.
REPLY_RULES = {
    "cn": ReplyRule(15, N_("Measures for Handling Consumer Complaints against Banking and Insurance Institutions "
                           "(CBIRC Order 2020 No. 3): a decision within 15 days of receipt "
                           "(article number not confirmed here)"), "S"),
    "uk": ReplyRule(56, N_("FCA DISP 1.6.2R: a final response within eight weeks of receipt"), "S"),
    "us": ReplyRule(15, N_("duecare's choice for the US: 15 days, the CFPB's timeline for complaints it forwards; "
                           "no general federal deadline for a complaint made to the lender"), "S", lender_choice=True),
}


def reference(complaint: Complaint) -> str:
    """The number the borrower quotes (stable, not personal)."""
    return f"C-{complaint.id:06d}"


def reply_due(jurisdiction: str, received: date) -> date:
    return received + timedelta(days=REPLY_RULES.get(jurisdiction, REPLY_RULES["cn"]).days)


def rule_for(jurisdiction: str) -> ReplyRule:
    return REPLY_RULES.get(jurisdiction, REPLY_RULES["cn"])


def jurisdiction_of(db: Session, borrower_id: str) -> str:
    jur = db.scalar(select(Borrower.jurisdiction).where(Borrower.id == borrower_id))
    return str(getattr(jur, "value", jur or "cn"))


def _open(db: Session, complaint_id: int) -> Complaint:
    row = db.get(Complaint, complaint_id)
    if row is None:
        raise NotFound(N_("no complaint {complaint_id}"), place="complaint", complaint_id=complaint_id)
    if row.status == "closed":
        raise Conflict(N_("complaint {reference} is already closed"),
                       place="complaint", reference=reference(row))
    return row


def assign(db: Session, actor: Actor, complaint_id: int, to: str, at: datetime) -> Complaint:
    row = _open(db, complaint_id)
    row.assigned_to, row.status = to, "in_progress"
    record_audit(db, actor=actor, action="complaint_assigned", subject=f"borrower:{row.borrower_id}",
                 after={"complaint": row.id, "to": to}, at=at)
    return row


def answer(db: Session, actor: Actor, complaint_id: int, text: str, at: datetime) -> Complaint:
    """Send the final reply and close the complaint (the borrower reads it on the portal's My data page)."""
    body = text.strip()
    if not 5 <= len(body) <= REPLY_MAX:
        raise UserError(N_("reply: between 5 and {reply_max} characters"), place="reply", reply_max=REPLY_MAX)
    row = _open(db, complaint_id)
    row.reply, row.replied_at, row.status = body, at, "closed"
    row.assigned_to = row.assigned_to or actor.id
    record_audit(db, actor=actor, action="complaint_answered", subject=f"borrower:{row.borrower_id}",
                 after={"complaint": row.id, "on_time": row.reply_due is None or at.date() <= row.reply_due}, at=at)
    return row
