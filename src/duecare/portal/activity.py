"""What the signed-in borrower does in the portal is contact: an inbound right-party contact of channel
`portal` (DESIGN, "Who is reached, and consent over time") — a questionnaire answer, a plan proposal or
acceptance, a promise, stated contact preferences. A sign-in alone is not a contact (reading notices is not a
conversation about the debt; counting it would make a borrower who signs in to answer a visit notice
"reachable" and cancel the visit they came to agree to): it is audited only (`record_sign_in`). An answer to
a visit notice (consent) is no contact either. A hardship questionnaire that names a hardship category opens a `hardship_open` hold
until a person reviews it. Each is a fact: writing it re-checks the borrower's open visits in the same
transaction (`visits.recheck`). Services take the session and never commit.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.ledger import models as m
from duecare.privacy.audit import record_audit
from duecare.visits import alternatives

ACTIVITIES = ("hardship_questionnaire", "plan_proposal", "plan_accepted", "promise",
              "contact_preferences", "payment")
# Questionnaire reasons that are a hardship category (declining to say is not one).
NOT_A_CATEGORY = frozenset({"prefer_not_to_say"})


def record_contact(db: Session, borrower_id: str, at: datetime, activity: str, loan_id: str | None = None,
                   outcome: str = "rpc") -> str:
    """One inbound portal contact event for the borrower (a promise is outcome `ptp`)."""
    if activity not in ACTIVITIES:
        raise ValueError(f"unknown portal activity {activity!r}")
    event_id = f"PORTAL-{uuid.uuid4().hex[:16]}"
    db.add(m.ContactEvent(id=event_id, borrower_id=borrower_id, loan_id=loan_id, at=at, channel=m.Channel.PORTAL,
                          direction=m.Direction.INBOUND, outcome=m.Outcome(outcome)))
    db.flush()
    record_audit(db, actor=f"borrower:{borrower_id}", action=f"portal_contact.{activity}",
                 subject=f"borrower:{borrower_id}", after={"event": event_id, "loan": loan_id}, at=at)
    done = COMPLETES.get(activity)
    if done is not None:  # the remote alternative the borrower chose instead of a visit is done on their side
        alternatives.complete_open(db, borrower_id, done, at, f"portal_contact:{event_id}")
    return event_id


# Portal activities that complete a remote alternative to a visit (a person then verifies it).
COMPLETES = {"hardship_questionnaire": m.AlternativeKind.QUESTIONNAIRE, "plan_proposal": m.AlternativeKind.PLAN}


def record_sign_in(db: Session, borrower_id: str, at: datetime) -> None:
    """The audit record of a portal sign-in; no contact event (a sign-in is not a conversation)."""
    record_audit(db, actor=f"borrower:{borrower_id}", action="portal.sign_in", subject=f"borrower:{borrower_id}",
                 at=at)


def open_hardship_review(db: Session, borrower_id: str, at: datetime, reason: str) -> str | None:
    """A `hardship_open` hold until a person reviews the questionnaire; None when the reason is no category
    (or a review is already open: that one stands)."""
    if reason in NOT_A_CATEGORY:
        return None
    open_one = db.scalar(select(m.Hold.id).where(m.Hold.borrower_id == borrower_id, m.Hold.closed_at.is_(None),
                                                 m.Hold.kind == m.HoldKind.HARDSHIP_OPEN).limit(1))
    if open_one is not None:
        return None
    hold_id = f"HOLD-HQ-{uuid.uuid4().hex[:12]}"
    db.add(m.Hold(id=hold_id, borrower_id=borrower_id, loan_id=None, kind=m.HoldKind.HARDSHIP_OPEN, opened_at=at,
                  reason=f"hardship questionnaire: {reason}; awaiting review by a person"))
    db.flush()
    record_audit(db, actor=f"borrower:{borrower_id}", action="hardship_review_opened",
                 subject=f"borrower:{borrower_id}", rule_id="hardship_hold", after={"hold": hold_id}, at=at)
    return hold_id
