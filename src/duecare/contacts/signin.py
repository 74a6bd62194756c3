"""Borrower sign-in codes through the outbox: a transactional message the borrower asked for this minute.

`privacy.auth.issue_code` calls `send_sign_in_code` (through `outbox_code_sender`, wired by app/factory.py) in the request's
transaction. It queues one task for the borrower's own phone (SMS), or email when no phone can be used, and
keeps the code and link encrypted beside the task until the worker delivers it; then they are deleted.

What applies and what does not: collection guardrails (quiet hours, frequency caps, the send-time decision
re-check, holds) govern messages *we* decide to send about a debt. A code the borrower just requested is not
one: it goes out at once and is not a contact attempt (no contact event, so it never counts towards
reachability or caps). Channel opt-outs and wrong-party suppressions still apply: a suppressed address is never
used. The text names no debt, only the code and the link. The code is never logged or audited in clear.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from duecare.contacts.models import ContactTask, TaskPayload, TaskStatus
from duecare.contacts.repository import suppressed
from duecare.contacts.templates import Rendered, brand
from duecare.contacts.verdict import Verdict
from duecare.kit import clock
from duecare.kit.i18n import N_, translate
from duecare.kit.settings import get_settings
from duecare.ledger.models import Borrower
from duecare.privacy.audit import record_audit

ACTION = "signin_code"
TRANSACTIONAL_ACTIONS = frozenset({ACTION})
RUN_ID = "transactional"
POLICY_VERSION = "transactional:signin_code"
# As long as `privacy.auth.CODE_TTL`: a code that reaches the phone later is useless, so it is not sent.
CODE_TTL = timedelta(minutes=10)

SMS = N_("[{brand}] Your sign-in code is {code}, valid for 10 minutes. Or sign in with this link: {link} . "
         "Do not share it with anyone. If you did not ask for it, ignore this message.")
SUBJECT = N_("{brand}: your sign-in code")
EMAIL = N_("Hello,\n\nYour sign-in code is {code} (valid for 10 minutes).\nOr sign in with this link:\n"
           "{link}\n\nDo not share it with anyone. If you did not ask for it, ignore this email.\n")


def public_url() -> str:
    """Where borrowers reach the portal (`DUECARE_PUBLIC_URL`), for the one-time link."""
    return get_settings().public_url.rstrip("/")


def task_key(borrower_id: str, link_token: str) -> str:
    """The idempotency key: a digest of the random link token, so it reveals neither code nor borrower."""
    return hashlib.sha256(f"{ACTION}\x1f{borrower_id}\x1f{link_token}".encode()).hexdigest()


def _channel(session: Session, b: Borrower) -> str | None:
    """SMS to an own phone not opted out, else email to an own address not opted out, else nothing."""
    phones = b.phones
    if phones and len(suppressed(session, "sms", phones)) < len(phones):
        return "sms"
    if b.email and not suppressed(session, "email", [b.email]):
        return "email"
    return None


def outbox_code_sender(db: Session, borrower_id: str, code: str, link_token: str) -> str | None:
    """`privacy.auth`'s code port: the outbox queues the code (with DUECARE_DEMO_CODES=1 the page also shows it:
    the demo's gateway is a local sandbox)."""
    send_sign_in_code(db, borrower_id=borrower_id, code=code, link_token=link_token)
    return code if get_settings().demo_codes else None


def send_sign_in_code(db: Session, *, borrower_id: str, code: str, link_token: str) -> None:
    """Queue the code for delivery now (the caller's transaction commits it; the worker delivers it)."""
    b = db.get(Borrower, borrower_id)
    channel = None if b is None else _channel(db, b)
    if b is None or channel is None:
        # The same answer is shown either way (no enumeration); staff see why in the audit trail.
        record_audit(db, actor="system:signin", action="signin_code_undeliverable", subject=f"borrower:{borrower_id}",
                     after={"reason": "no phone or email that is not opted out"})
        return
    now = clock.now()
    task = ContactTask(
        idempotency_key=task_key(borrower_id, link_token), run_id=RUN_ID, loan_id=None, borrower_id=borrower_id,
        action=ACTION, channel=channel, local_day=now.astimezone(ZoneInfo(b.timezone)).date(),
        policy_version=POLICY_VERSION, pack=str(b.jurisdiction), not_before=now, status=TaskStatus.PENDING,
        attempts=0, next_attempt_at=now, created_at=now, updated_at=now)
    db.add(task)
    db.flush()
    db.add(TaskPayload(task_id=task.id, payload=json.dumps({"code": code, "link": link_token}),
                       expires_at=now + CODE_TTL))
    db.flush()
    record_audit(db, actor="system:signin", action="signin_code_queued", subject=f"borrower:{borrower_id}",
                 trace_id=task.idempotency_key, after={"task": task.id, "channel": channel})


def is_transactional(task: ContactTask) -> bool:
    return task.action in TRANSACTIONAL_ACTIONS


def judge(session: Session, task: ContactTask, now: datetime) -> Verdict:
    """The send-time check of a sign-in code: still live and the newest one; no collection guardrail applies."""
    payload = session.get(TaskPayload, task.id)
    if payload is None:
        return Verdict("skip", "the sign-in code is no longer held")
    if payload.expires_at <= now:
        return Verdict("skip", "the sign-in code expired before it could be delivered")
    newer = session.scalar(select(ContactTask.id).where(
        ContactTask.borrower_id == task.borrower_id, ContactTask.action == task.action, ContactTask.id > task.id))
    if newer is not None:
        return Verdict("skip", f"superseded by a newer sign-in code (task {newer})")
    return Verdict("go", "a sign-in code the borrower requested: transactional, sent at once")


def render_message(session: Session, task: ContactTask, language: str) -> Rendered | None:
    """The text with the code and the link (in memory only), or None when the code is gone."""
    payload = session.get(TaskPayload, task.id)
    if payload is None:
        return None
    secret = json.loads(payload.payload)
    language = language if language in ("zh", "en") else "en"
    values = {"brand": brand(), "code": secret["code"],
              "link": f"{public_url()}/auth/borrower/link?token={secret['link']}"}
    if task.channel == "sms":
        return Rendered(subject="", body=translate(language, SMS, **values))
    return Rendered(subject=translate(language, SUBJECT, **values), body=translate(language, EMAIL, **values))


def forget(session: Session, task_id: int) -> None:
    """Delete the code once the task has ended (sent, skipped or dead): nothing secret outlives it."""
    session.execute(delete(TaskPayload).where(TaskPayload.task_id == task_id))
