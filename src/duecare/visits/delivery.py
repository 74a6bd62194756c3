"""Delivery of the visit workflow's messages: each `visit_messages` row becomes what really reaches its reader.

`enqueue` runs in the transaction that writes the message (called by `messages.request`):
- `portal` and `staff_inbox` rows are read where they are (`GET /portal/visit-messages`, `GET /visit-inbox`):
  committed means delivered, so they are marked sent at once (an agent's cancellation is immediate);
- `sms`, `email` and `letter` rows get one outbox task each, keyed by (message id, channel), and are marked
  `queued`; the contacts worker delivers them and calls back here (`KIND`) to judge, render and settle.

What is (and is not) re-checked at send time: the workflow step that wrote the message re-checked the visit
gate itself, so the collection decision re-check does not apply. The notice is still a collection
communication: borrower SMS and email wait for the pack's contact hours (`cn_quiet_hours`, `us_time_place`,
`uk_contact_times`: the pack's `contact_hours` rule), suppressed addresses (opt-outs, wrong party) are never
used, and a notice or a schedule for a visit cancelled in the meantime is not sent. Letters are posted, not
timed. Every message goes to the borrower's own phone, email or postal address only; SMS and email carry a
short text and the portal link (plus the pack's mandatory opt-out/disclosure lines), never the debt; the full
notice is in the portal and on the letter (the notice PDF with its version hash).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.contacts import transactional
from duecare.contacts.models import ContactTask, TaskStatus
from duecare.contacts.templates import Rendered, brand, load_templates
from duecare.contacts.verdict import Verdict
from duecare.kit.i18n import translate
from duecare.ledger.models import Borrower, ContactEvent
from duecare.policy.guardrails import Window, contact_window
from duecare.policy.loader import load_pack
from duecare.privacy.audit import record_audit
from duecare.visits import notice
from duecare.visits.models import (
    Appointment,
    AppointmentState,
    NoticeDocument,
    VisitCase,
    VisitMessage,
    VisitState,
)

ACTION_PREFIX = "visit_message:"  # contacts/transactional.py routes these tasks here
RUN_ID = "visits"
OUTBOX_CHANNELS = ("sms", "email", "letter")
READ_IN_PLACE = ("portal", "staff_inbox")
TIMED_CHANNELS = ("sms", "email")  # collection communications under the pack's contact hours
# Messages that make no sense once the visit is cancelled (the cancellation message says so instead).
VOID_WHEN_CANCELLED = frozenset({"visit_notice", "visit_scheduled"})
# A video or phone appointment's reminder (visits/video.py): sent only while the appointment is still booked.
APPOINTMENT_REMINDER = "appointment_reminder"


def task_key(message_id: int, channel: str) -> str:
    """The outbox idempotency key of one message on one channel: a digest that reveals nothing."""
    return hashlib.sha256(f"{ACTION_PREFIX}\x1f{message_id}\x1f{channel}".encode()).hexdigest()


def _window(pack: str) -> Window:
    return contact_window(load_pack(pack))


def next_contact_moment(pack: str, timezone: str, at: datetime) -> tuple[datetime, str | None]:
    """The first moment ≥ `at` inside the pack's contact hours in the borrower's zone, and the rule that
    moved it (None when `at` is already inside). Hours are half-open: 08:00–22:00 excludes 22:00."""
    window = _window(pack)
    tz = ZoneInfo(timezone)
    local = at.astimezone(tz)
    seconds = local.hour * 3600 + local.minute * 60 + local.second
    if window.start <= seconds < window.end:
        return at, None
    day = local.date() if seconds < window.start else local.date() + timedelta(days=1)
    opening = datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(seconds=window.start)
    return opening.astimezone(at.tzinfo), window.rule


def enqueue(session: Session, msg: VisitMessage, visit: VisitCase, at: datetime,
            send_at: datetime | None = None) -> ContactTask | None:
    """Hand one just-written message to its channel, in the caller's transaction (no commit); an outside
    channel's copy goes no earlier than `send_at` (a reminder), and inside the pack's contact hours."""
    if msg.status != "pending":
        return None
    if msg.channel in READ_IN_PLACE:
        msg.status, msg.delivered_at = "sent", at
        return None
    if msg.channel not in OUTBOX_CHANNELS:
        raise ValueError(f"visit message {msg.id}: unknown channel {msg.channel!r}")
    if msg.recipient_kind != "borrower" or msg.recipient_id != visit.borrower_id:
        # Only the borrower of the visit is ever written to on an outside channel: nobody else learns of it.
        raise ValueError(f"visit message {msg.id}: outside channels reach only the visit's own borrower")
    key = task_key(msg.id, msg.channel)
    task = session.scalar(select(ContactTask).where(ContactTask.idempotency_key == key))
    if task is None:
        b = session.get_one(Borrower, visit.borrower_id)
        base = max(at, send_at) if send_at is not None else at
        when, rule = (next_contact_moment(visit.pack, b.timezone, base) if msg.channel in TIMED_CHANNELS
                      else (base, None))
        task = ContactTask(
            idempotency_key=key, run_id=RUN_ID, loan_id=visit.loan_id, borrower_id=b.id,
            action=f"{ACTION_PREFIX}{msg.kind}"[:32], channel=msg.channel,
            local_day=when.astimezone(ZoneInfo(b.timezone)).date(), policy_version=f"{ACTION_PREFIX}{msg.id}",
            pack=visit.pack, not_before=when, status=TaskStatus.PENDING, attempts=0, next_attempt_at=when,
            reason=None if rule is None else f"waiting for contact hours ({rule})", created_at=at, updated_at=at)
        session.add(task)
        session.flush()
        record_audit(session, actor="system:visits", action="visit.message_queued", subject=f"visit:{visit.id}",
                     rule_id=rule, trace_id=key,
                     after={"message": msg.id, "kind": msg.kind, "channel": msg.channel, "task": task.id,
                            "not_before": when.isoformat()}, at=at)
    msg.status, msg.task_id = "queued", task.id
    session.flush()
    return task


def _message_of(session: Session, task: ContactTask) -> VisitMessage | None:
    return session.scalar(select(VisitMessage).where(VisitMessage.task_id == task.id))


def _snippets(pack: str, channel: str, language: str) -> list[str]:
    """The pack's mandatory lines for this channel (opt-out; in the US the debt-collector disclosure)."""
    data = load_templates(pack)
    lang = language if language in ("zh", "en") else "en"
    return [data["snippets"][name][lang].format_map({"brand": brand()}) for name in data["mandatory"][channel]]


def complaint_url() -> str:
    """The portal's complaint page."""
    return f"{notice.portal_url()}/complaint"


class _VisitMessages:
    """The transactional kind the contacts worker calls for `visit_message:*` tasks."""

    missing = "the visit message is no longer held"

    def judge(self, session: Session, task: ContactTask, now: datetime) -> Verdict:
        msg = _message_of(session, task)
        if msg is None:
            return Verdict("skip", self.missing)
        visit = session.get(VisitCase, msg.visit_id)
        if visit is None:
            return Verdict("skip", "the visit is no longer held")
        if msg.kind in VOID_WHEN_CANCELLED and visit.state in (VisitState.CANCELLED, VisitState.ON_HOLD):
            return Verdict("skip", f"visit cancelled before this {msg.kind} went out ({visit.close_reason})")
        if msg.kind == APPOINTMENT_REMINDER:  # its occasion is the appointment: only a booked one is reminded of
            appt = session.get(Appointment, msg.idempotency_key.rsplit(":", 1)[-1])
            if appt is None or appt.state != AppointmentState.BOOKED:
                return Verdict("skip", "the appointment was cancelled or has taken place")
        if task.channel in TIMED_CHANNELS:
            b = session.get(Borrower, task.borrower_id)
            if b is None:
                return Verdict("skip", "borrower no longer in the store")
            when, rule = next_contact_moment(task.pack or visit.pack, b.timezone, now)
            if rule is not None:
                return Verdict("later", f"not before {when.isoformat()} ({rule})", when)
        return Verdict("go", "a message of the visit workflow (its step re-checked the gate)")

    def render(self, session: Session, task: ContactTask, borrower: Borrower) -> Rendered | None:
        msg = _message_of(session, task)
        if msg is None:
            return None
        visit = session.get_one(VisitCase, msg.visit_id)
        lang = notice.notice_language(str(borrower.language))
        if task.channel == "letter":
            doc = (session.get(NoticeDocument, visit.notice_id)
                   if msg.kind == "visit_notice" and visit.notice_id else None)
            if doc is None:
                return Rendered(subject=msg.subject, body=msg.body)
            address = f"{borrower.name}\n{borrower.address or ''}".strip()
            return Rendered(subject=msg.subject, body=doc.canonical_text,
                            attachment=notice.to_letter_pdf(doc.canonical_text, address, doc.version_hash))
        lines = [msg.body]  # "<subject>: <portal link>" (messages.to_borrower): never the debt
        if msg.kind == "visit_summary":
            lines.append(translate(lang, "Complaints: {url}", url=complaint_url()))
        lines += _snippets(task.pack or visit.pack, task.channel, lang)
        if task.channel == "sms":
            head = translate(lang, "[{brand}] ", brand=brand())
            return Rendered(subject="", body=head + " ".join(lines))
        return Rendered(subject=f"{brand()}: {msg.subject}", body="\n\n".join(lines) + "\n")

    def settle(self, session: Session, task: ContactTask, status: TaskStatus, now: datetime) -> None:
        msg = _message_of(session, task)
        if msg is None:
            return
        if status != TaskStatus.SENT:
            msg.status = "failed"  # the task keeps the reason (skipped: opted out, cancelled; dead: refused)
            return
        msg.status, msg.delivered_at = "sent", now
        if session.get(ContactEvent, f"outbox-{task.id}") is None:  # the case timeline shows the delivery
            session.add(ContactEvent(id=f"outbox-{task.id}", borrower_id=task.borrower_id, loan_id=task.loan_id,
                                     at=now, channel=task.channel, direction="outbound", outcome="delivered"))


KIND = _VisitMessages()

transactional.provide(ACTION_PREFIX, KIND)  # the contacts worker delivers visit messages through KIND
