"""Outbox API: signed provider webhooks (receipts, replies) and staff views of tasks, dead letters, call queue."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.contacts.models import CallQueueItem, ContactTask, TaskStatus
from duecare.contacts.repository import status_counts, tasks_for_staff
from duecare.contacts.service import record_receipt, record_reply, retry_dead
from duecare.contacts.webhooks import signed_webhook
from duecare.kit.bounds import Moment, RowId
from duecare.kit.errors import UserError
from duecare.privacy.deps import DB, require
from duecare.privacy.permissions import Actor
from duecare.privacy.scope import readable_borrowers

router = APIRouter(prefix="/contacts", tags=["contacts"])
WEBHOOK = Depends(signed_webhook)
OUTBOX_READ = Depends(require("outbox.read"))
OUTBOX_MANAGE = Depends(require("outbox.manage"))
CASES_READ = Depends(require("cases.read"))


class Receipt(BaseModel):
    model_config = ConfigDict(extra="forbid")
    event_id: str = Field(min_length=1, max_length=128)
    status: Literal["delivered", "undelivered", "failed", "invalid", "bounced"]
    idempotency_key: str | None = Field(default=None, max_length=64)
    provider_ref: str | None = Field(default=None, max_length=128)
    at: Moment | None = None


class Reply(BaseModel):
    model_config = ConfigDict(extra="forbid")
    event_id: str = Field(min_length=1, max_length=128)
    channel: Literal["sms", "email"]
    sender: str = Field(alias="from", min_length=1, max_length=320)
    text: str = Field(max_length=4000)
    idempotency_key: str | None = Field(default=None, max_length=64)  # email: from In-Reply-To
    at: Moment | None = None


def _task_view(t: ContactTask) -> dict[str, Any]:
    """A task as staff see it: ids, channel, state and reason; no address or content."""
    return {"id": t.id, "borrower_id": t.borrower_id, "loan_id": t.loan_id, "action": t.action,
            "channel": t.channel, "status": t.status.value, "attempts": t.attempts, "reason": t.reason,
            "not_before": t.not_before.isoformat(), "next_attempt_at": t.next_attempt_at.isoformat(),
            "sent_at": t.sent_at.isoformat() if t.sent_at else None, "policy_version": t.policy_version}


@router.post("/webhooks/{provider}/receipt")
def receipt(provider: str, body: Receipt, _: Actor = WEBHOOK, db: Session = DB) -> dict[str, Any]:
    """A delivery receipt from the SMS gateway or mail provider (HMAC-signed)."""
    if not (body.idempotency_key or body.provider_ref):
        raise UserError("give idempotency_key or provider_ref", place="body")
    return record_receipt(db, provider[:32], body.event_id, body.status, body.idempotency_key,
                          body.provider_ref, body.at).as_dict()


@router.post("/webhooks/{provider}/reply")
def reply(provider: str, body: Reply, _: Actor = WEBHOOK, db: Session = DB) -> dict[str, Any]:
    """A borrower's reply (HMAC-signed); STOP (or an opt-out word of contacts.replies) opts the address out of that channel."""
    return record_reply(db, provider[:32], body.event_id, body.channel, body.sender, body.text,
                        body.idempotency_key, body.at).as_dict()


@router.get("/outbox")
def outbox(status: TaskStatus | None = None, limit: int = 100, actor: Actor = OUTBOX_READ,
           db: Session = DB) -> dict[str, Any]:
    """Counts per channel and status, and the newest tasks (dead letters show their reason)."""
    tasks = db.scalars(tasks_for_staff(actor, status.value if status else None, min(max(limit, 1), 500))).all()
    return {"counts": status_counts(db), "tasks": [_task_view(t) for t in tasks]}


@router.post("/outbox/{task_id}/retry")
def retry(task_id: RowId, actor: Actor = OUTBOX_MANAGE, db: Session = DB) -> dict[str, Any]:
    """Put a dead letter back in the queue after its cause was fixed."""
    return _task_view(retry_dead(db, task_id, actor.label))  # no such task: 404; not a dead letter: 409


@router.get("/call-queue")
def call_queue(actor: Actor = CASES_READ, db: Session = DB) -> list[dict[str, Any]]:
    """Open calls the outbox queued for agents (agents see their assigned borrowers only)."""
    stmt = readable_borrowers(select(CallQueueItem).where(CallQueueItem.status == "open")
                              .order_by(CallQueueItem.due_at).limit(200), actor, CallQueueItem.borrower_id)
    return [{"task_id": c.task_id, "borrower_id": c.borrower_id, "loan_id": c.loan_id,
             "due_at": c.due_at.isoformat()} for c in db.scalars(stmt)]
