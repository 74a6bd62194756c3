"""Inbound receipts and replies, opt-outs, and staff actions on the outbox. Services never commit."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.contacts.flows import transition
from duecare.contacts.models import ContactTask, InboundEvent, Suppression, SuppressionReason, TaskStatus
from duecare.contacts.replies import OPT_OUT_CONTAINS, OPT_OUT_WORDS, WRONG_PARTY
from duecare.contacts.repository import address_hash
from duecare.kit import clock
from duecare.kit.errors import Conflict, NotFound, UserError
from duecare.ledger.models import ContactEvent
from duecare.ledger.repository import borrowers_by_phone
from duecare.privacy.audit import record_audit

RECEIPT_OUTCOME = {"delivered": "delivered", "undelivered": "undelivered", "failed": "undelivered",
                   "invalid": "invalid", "bounced": "undelivered"}


def _norm(text: str) -> str:
    return re.sub(r"[\s\W_]+", "", text, flags=re.UNICODE).upper()


def classify_reply(text: str) -> str:
    """`opt_out`, `wrong_party` or `reply`."""
    norm = _norm(text)
    if norm in OPT_OUT_WORDS or any(word in norm for word in OPT_OUT_CONTAINS):
        return "opt_out"
    if any(word in norm for word in WRONG_PARTY):
        return "wrong_party"
    return "reply"


@dataclass(frozen=True)
class InboundResult:
    status: str               # recorded | duplicate | unmatched
    kind: str
    task_id: int | None = None
    borrower_ids: tuple[str, ...] = ()
    classified: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"status": self.status, "kind": self.kind, "task": self.task_id, "borrowers": len(self.borrower_ids),
                "classified": self.classified}


def _first_time(session: Session, provider: str, event_id: str) -> bool:
    return session.get(InboundEvent, (provider, event_id)) is None


def _task_by_key(session: Session, key: str | None, provider_ref: str | None) -> ContactTask | None:
    if key:
        return session.scalar(select(ContactTask).where(ContactTask.idempotency_key == key))
    if provider_ref:
        return session.scalar(select(ContactTask).where(ContactTask.provider_ref == provider_ref))
    return None


def _event_id(*parts: str) -> str:
    return "in-" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


def reply_contact_id(provider: str, event_id: str, borrower_id: str) -> str:
    """The id of the contact event `record_reply` writes for this reply and borrower."""
    return _event_id(provider, event_id, borrower_id)


def record_receipt(session: Session, provider: str, event_id: str, status: str, key: str | None = None,
                   provider_ref: str | None = None, at: datetime | None = None) -> InboundResult:
    """A delivery receipt: sets the outcome of the task's outbound contact event (delivered / undelivered)."""
    if status not in RECEIPT_OUTCOME:
        raise UserError(f"receipt status {status!r} is not one of {sorted(RECEIPT_OUTCOME)}")
    if not _first_time(session, provider, event_id):
        return InboundResult("duplicate", "receipt")
    now = clock.now()
    task = _task_by_key(session, key, provider_ref)
    session.add(InboundEvent(provider=provider, event_id=event_id, kind="receipt",
                             task_id=task.id if task else None, borrower_id=task.borrower_id if task else None,
                             received_at=now))
    if task is None:
        return InboundResult("unmatched", "receipt")
    outcome = RECEIPT_OUTCOME[status]
    event = session.get(ContactEvent, f"outbox-{task.id}")
    if event is None:
        session.add(ContactEvent(id=f"outbox-{task.id}", borrower_id=task.borrower_id, loan_id=task.loan_id,
                                 at=at or now, channel=task.channel, direction="outbound", outcome=outcome))
    else:
        event.outcome = outcome  # type: ignore[assignment]
    session.flush()
    return InboundResult("recorded", "receipt", task.id, (task.borrower_id,), outcome)


def record_reply(session: Session, provider: str, event_id: str, channel: str, sender: str, text: str,
                 key: str | None = None, at: datetime | None = None) -> InboundResult:
    """A borrower's reply: an inbound contact event, and STOP or a Chinese opt-out word (or "wrong number", contacts.replies) honoured on that channel."""
    if channel not in ("sms", "email"):
        raise UserError(f"reply channel {channel!r}: use sms or email")
    if not _first_time(session, provider, event_id):
        return InboundResult("duplicate", "reply")
    now = clock.now()
    task = _task_by_key(session, key, None)
    if task is not None:
        borrowers: tuple[str, ...] = (task.borrower_id,)
    elif channel == "sms":
        borrowers = tuple(b.id for b in borrowers_by_phone(session, sender))
    else:
        borrowers = ()
    kind = classify_reply(text)
    session.add(InboundEvent(provider=provider, event_id=event_id, kind="reply", task_id=task.id if task else None,
                             borrower_id=borrowers[0] if len(borrowers) == 1 else None, body=text,
                             received_at=now))
    if kind != "reply" and sender:
        reason = SuppressionReason.OPT_OUT if kind == "opt_out" else SuppressionReason.WRONG_PARTY
        suppress(session, channel, sender, borrowers[0] if len(borrowers) == 1 else None, reason,
                 source=f"reply:{provider}")
    outcome = {"opt_out": "refused", "wrong_party": "third_party", "reply": "rpc"}[kind]
    for bid in borrowers:
        session.add(ContactEvent(id=_event_id(provider, event_id, bid), borrower_id=bid,
                                 loan_id=task.loan_id if task else None, at=at or now, channel=channel,
                                 direction="inbound", outcome=outcome))
    session.flush()
    return InboundResult("recorded" if borrowers else "unmatched", "reply", task.id if task else None,
                         borrowers, kind)


def suppress(session: Session, channel: str, address: str, borrower_id: str | None, reason: SuppressionReason,
             source: str) -> None:
    """Never use this address on this channel again (per channel: an SMS STOP leaves email alone)."""
    h = address_hash(channel, address)
    if session.get(Suppression, (channel, h)) is None:
        session.add(Suppression(channel=channel, address_hash=h, borrower_id=borrower_id, reason=reason,
                                at=clock.now(), source=source))
        record_audit(session, actor=f"system:{source}"[:128], action=f"contact_{reason.value}",
                     subject=f"borrower:{borrower_id or 'unknown'}", after={"channel": channel})


def retry_dead(session: Session, task_id: int, actor: str) -> ContactTask:
    """Put a dead letter back in the queue, now, with its attempts reset."""
    task = session.get(ContactTask, task_id)
    if task is None:
        raise NotFound(f"no contact task {task_id}")
    if task.status != TaskStatus.DEAD:
        raise Conflict(f"task {task_id} is {task.status.value}; only dead letters can be retried")
    now = clock.now()
    task.status = transition(task.status, TaskStatus.PENDING)
    task.attempts, task.next_attempt_at, task.attempt_id = 0, now, None
    task.lease_owner = task.lease_expires_at = None
    task.reason, task.updated_at = f"retried by {actor}", now
    record_audit(session, actor=actor, action="contact_retry", subject=f"borrower:{task.borrower_id}",
                 trace_id=task.idempotency_key, after={"task": task.id})
    session.flush()
    return task
