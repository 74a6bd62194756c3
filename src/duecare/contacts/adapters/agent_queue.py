"""Voice as a task in the agents' call queue: delivered in the worker's own transaction, so exactly once."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.contacts.adapters.base import CallQueue, Confirmation, Delivered, OutboundMessage
from duecare.contacts.models import CallQueueItem
from duecare.kit import clock


class AgentCallQueue(CallQueue):
    resend_is_safe = True
    transactional = True

    def deliver(self, message: OutboundMessage, session: Session) -> Delivered:
        now = clock.now()
        if session.get(CallQueueItem, message.task_id) is None:
            session.add(CallQueueItem(task_id=message.task_id, borrower_id=message.borrower_id,
                                      loan_id=message.loan_id, due_at=now, status="open", created_at=now))
            session.flush()
        return Delivered(provider_ref=f"call-queue:{message.task_id}")

    def confirm(self, message: OutboundMessage, session: Session) -> tuple[Confirmation, str | None]:
        found = session.scalar(select(CallQueueItem.task_id).where(CallQueueItem.task_id == message.task_id))
        if found is None:
            return Confirmation.NOT_DELIVERED, None
        return Confirmation.DELIVERED, f"call-queue:{found}"
