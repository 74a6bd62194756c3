"""A reply to a visit notice is a consent event: "同意 / 拒绝 / 撤回 (YES / NO / WITHDRAW)".

The contacts domain records every reply (`contacts.service.record_reply`: the inbound row, the contact event,
STOP / 退订). When it could name the one borrower who sent it — the reply answers the task we sent to their
address, or comes from their own number — the sender is verified, and before the transaction commits this
module reads the text (`contacts.replies.consent_answer`): a grant or decline answers the notice awaiting an
answer, a withdrawal (or a "no" after consenting) cancels every visit not yet made, and an unclear reply
records nothing and queues a short clarification on the same channel. The evidence is the inbound event.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from duecare.contacts.models import ContactTask
from duecare.contacts.replies import consent_answer
from duecare.contacts.service import classify_reply
from duecare.kit.errors import TransitionError, UserError
from duecare.privacy.permissions import SYSTEM
from duecare.visits import consent, recheck, transitions
from duecare.visits.transitions import Ctx

log = logging.getLogger(__name__)


def answer_replies(session: Session) -> None:
    """Read the verified replies recorded in this transaction as consent events."""
    for inbound in recheck.replies_of(session):
        if classify_reply(inbound.body or "") != "reply":
            continue  # STOP / 退订 and "wrong number" are contacts' (opt-out, wrong party)
        task = session.get(ContactTask, inbound.task_id) if inbound.task_id else None
        channel = task.channel if task is not None else "sms"  # no task: matched by the sender's own number
        if channel not in ("sms", "email") or inbound.borrower_id is None:
            continue
        now = transitions.session_clock(session)
        ctx = Ctx(session=session, actor=SYSTEM, at=now() if now is not None else inbound.received_at)
        evidence = f"inbound:{inbound.provider}:{inbound.event_id}"
        try:
            with session.begin_nested():
                what = consent.on_reply(ctx, inbound.borrower_id, channel, consent_answer(inbound.body or ""),
                                        evidence)
        except (TransitionError, UserError) as exc:
            what = f"refused:{getattr(exc, 'code', 'invalid')}"
        log.info("reply %s: %s", evidence, what)


recheck.BEFORE_RECHECK.append(answer_replies)
