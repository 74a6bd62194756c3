"""A reply to a visit notice is a consent event: YES / NO / WITHDRAW, or their Chinese words (contacts.replies).

The contacts domain records every reply (`contacts.service.record_reply`: the inbound row, the contact event,
STOP and its Chinese equivalent). When it could name the one borrower who sent it — the reply answers the task we sent to their
address, or comes from their own number — the sender is verified, and before the transaction commits this
module reads the text (`contacts.replies.consent_answer`): a grant or decline answers the notice awaiting an
answer, a withdrawal (or a "no" after consenting) cancels every visit not yet made, and an unclear reply
records nothing and queues a short clarification on the same channel. The evidence is the inbound event.

A reply that becomes a consent record is an answer about the visit, not a conversation about the debt: its
contact event is marked `answers_notice_id` (the notice it answers) and no contact feature counts it, so the
borrower's "yes" does not make them "reachable" and cancel the visit they agreed to. The mark is set before the
consent step runs (that step re-checks the gate) and removed again if no consent record was made (an unclear
reply, no visit in flight, a refused step): such a reply stays an ordinary right-party contact. One exception:
a repeated "yes" to a visit already consented to records nothing new but is still an answer about the visit.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.contacts.models import ContactTask
from duecare.contacts.replies import consent_answer
from duecare.contacts.service import classify_reply, reply_contact_id
from duecare.kit.errors import TransitionError, UserError
from duecare.ledger.models import ContactEvent
from duecare.privacy.permissions import SYSTEM
from duecare.visits import consent, recheck, transitions
from duecare.visits.flows import BEFORE_VISIT, OPEN
from duecare.visits.models import VisitCase
from duecare.visits.transitions import Ctx

ANSWERED = ("answered", "withdrawn")  # what `consent.on_reply` returns when it made a consent record

log = logging.getLogger(__name__)


def answer_replies(session: Session) -> None:
    """Read the verified replies recorded in this transaction as consent events."""
    for inbound in recheck.replies_of(session):
        if classify_reply(inbound.body or "") != "reply":
            continue  # STOP (any language) and "wrong number" are contacts' (opt-out, wrong party)
        task = session.get(ContactTask, inbound.task_id) if inbound.task_id else None
        channel = task.channel if task is not None else "sms"  # no task: matched by the sender's own number
        if channel not in ("sms", "email") or inbound.borrower_id is None:
            continue
        now = transitions.session_clock(session)
        ctx = Ctx(session=session, actor=SYSTEM, at=now() if now is not None else inbound.received_at)
        evidence = f"inbound:{inbound.provider}:{inbound.event_id}"
        decision = consent_answer(inbound.body or "")
        event = session.get(ContactEvent, reply_contact_id(inbound.provider, inbound.event_id, inbound.borrower_id))
        notice_id = _notice_answered(ctx, inbound.borrower_id) if decision is not None else None
        if event is not None and notice_id is not None:
            event.answers_notice_id = notice_id  # before the consent step's own gate check
            session.flush()
        try:
            with session.begin_nested():
                what = consent.on_reply(ctx, inbound.borrower_id, channel, decision, evidence)
        except (TransitionError, UserError) as exc:
            what = f"refused:{getattr(exc, 'code', 'invalid')}"
        repeated_yes = what == "no_visit" and decision == "granted"  # a visit in flight already consented to
        if event is not None and event.answers_notice_id is not None and what not in ANSWERED and not repeated_yes:
            event.answers_notice_id = None  # no consent record: an ordinary contact after all
            session.flush()
        log.info("reply %s: %s", evidence, what)


def _notice_answered(ctx: Ctx, borrower_id: str) -> str | None:
    """The notice a consent reply answers: that of the visit awaiting an answer, else that of the borrower's
    latest visit not yet made (a withdrawal)."""
    waiting = consent.live_visit_for_notice(ctx, borrower_id)
    if waiting is not None and waiting.notice_id:
        return waiting.notice_id
    pre = sorted(s.value for s in BEFORE_VISIT & OPEN)
    return ctx.session.scalar(select(VisitCase.notice_id).where(
        VisitCase.borrower_id == borrower_id, VisitCase.state.in_(pre), VisitCase.notice_id.is_not(None))
        .order_by(VisitCase.proposed_at.desc()).limit(1))


recheck.BEFORE_RECHECK.append(answer_replies)
