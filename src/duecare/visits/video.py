"""Video (and phone) appointments instead of a home visit (issue 17).

A slot is booked in the borrower's preferred times inside lawful hours (`scheduling.allowed_intervals`); the
borrower consents to the call itself (separate from any visit consent); nothing is recorded. The call runs
browser to browser over WebRTC: the server only relays signalling, over a WebSocket that admits a participant
with a join token — an HMAC over (appointment, participant, expiry) under the store's lookup key, valid from
`join_early_minutes` before the slot until `token_minutes_after_slot` after it, for that appointment and that
participant only. The agent follows the visit's scoped checklist and files the same scoped report with source
`video` (or `phone`); filing it verifies the alternative, and the visit need is closed (`verified_remotely`).
Services take the session and never commit.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.kit.errors import Conflict, NotFound, TransitionError, UserError
from duecare.kit.fields import get_keyring
from duecare.kit.i18n import N_, translate
from duecare.ledger.models import Alternative, AlternativeKind, Borrower
from duecare.privacy.audit import record_audit
from duecare.privacy.models import Assignment
from duecare.privacy.permissions import Actor, check
from duecare.privacy.scope import readable_borrowers
from duecare.visits import alternatives, delivery, messages, notice, scheduling
from duecare.visits.flows import TERMINAL
from duecare.visits.models import Appointment, AppointmentState, RemoteReport, VisitCase
from duecare.visits.report import ReportIn, ReportRefused, validate_report
from duecare.visits.scope import load_visit_policy

KIND_OF_MODE = {"video": AlternativeKind.VIDEO, "phone": AlternativeKind.PHONE_APPOINTMENT}


def slots(db: Session, borrower_id: str, now: datetime) -> list[datetime]:
    """Free slot starts (UTC) from now on: the borrower's preferred times within lawful hours, on the coming
    `horizon_days` days, every `slot_minutes`; the first may start within the current half hour."""
    rules = alternatives.policy().appointments
    borrower = db.get(Borrower, borrower_id)
    if borrower is None:  # a session whose borrower is gone
        raise NotFound(N_("no such borrower"))
    tz = ZoneInfo(borrower.timezone)
    policy = load_visit_policy()
    local_now = now.astimezone(tz)
    taken = set(db.scalars(select(Appointment.slot_start).where(Appointment.borrower_id == borrower_id,
                                                                Appointment.state == AppointmentState.BOOKED)))
    out: list[datetime] = []
    step = rules.slot_minutes
    for offset in range(rules.horizon_days + 1):
        day: date = local_now.date() + timedelta(days=offset)
        for lo, hi in scheduling.allowed_intervals(db, borrower, day, policy):
            start = lo + (-lo % step)
            while start + step <= hi:
                local = datetime(day.year, day.month, day.day, start // 60, start % 60, tzinfo=tz)
                if local + timedelta(minutes=step) > local_now and local.astimezone(now.tzinfo) not in taken:
                    out.append(local.astimezone(now.tzinfo))
                start += step
        if len(out) >= rules.max_slots_shown:
            break
    return out[: rules.max_slots_shown]


def book(db: Session, borrower_id: str, mode: str, slot_start: datetime, now: datetime) -> Appointment:
    """The borrower books one of the offered slots (their own act); the alternative is chosen if it was not."""
    if mode not in KIND_OF_MODE:
        raise UserError(N_("mode must be video or phone"), place="mode")
    offered = slots(db, borrower_id, now)
    if slot_start not in offered:
        raise Conflict(N_("that time is no longer offered; choose one of the times shown"), place="slot")
    alt = alternatives.choose(db, borrower_id, KIND_OF_MODE[mode].value, now)
    step = timedelta(minutes=alternatives.policy().appointments.slot_minutes)
    agent = db.scalars(select(Assignment.agent_id).where(Assignment.borrower_id == borrower_id)
                       .order_by(Assignment.assigned_at.desc())).first()
    appt = Appointment(id=f"APPT-{uuid.uuid4().hex[:16]}", alternative_id=alt.id, borrower_id=borrower_id,
                       loan_id=alt.loan_id, mode=mode, state=AppointmentState.BOOKED, slot_start=slot_start,
                       slot_end=slot_start + step, agent_id=agent, booked_at=now)
    db.add(appt)
    db.flush()
    record_audit(db, actor=f"borrower:{borrower_id}", action="appointment.booked", subject=f"borrower:{borrower_id}",
                 rule_id="visit_alternatives_first",
                 after={"appointment": appt.id, "mode": mode, "slot": slot_start.isoformat(), "agent": agent}, at=now)
    remind(db, appt, now)
    return appt


REMINDER = N_("Reminder: your {mode} appointment is at {time}. Sign in to the portal to join: {link}")
MODE_WORDS = {"video": N_("video call"), "phone": N_("phone")}


def remind(db: Session, appt: Appointment, now: datetime) -> None:
    """The booking's reminder, through the visit workflow's messages: in the portal at once, and by SMS or email
    `reminder_minutes_before` the slot (inside the pack's contact hours; not sent once the appointment is
    cancelled or has taken place: `delivery.APPOINTMENT_REMINDER`). It hangs on the borrower's latest visit case
    (the visit the appointment stands in for); a borrower with none gets the portal's booking page only."""
    cases = list(db.scalars(select(VisitCase).where(VisitCase.borrower_id == appt.borrower_id)
                            .order_by(VisitCase.proposed_at.desc())))
    visit = next((v for v in cases if v.state not in TERMINAL), cases[0] if cases else None)
    if visit is None:
        return
    borrower = db.get_one(Borrower, appt.borrower_id)
    lang = notice.notice_language(str(borrower.language))
    local = appt.slot_start.astimezone(ZoneInfo(borrower.timezone))
    link = f"{notice.portal_url()}/video/{appt.id}"
    body = translate(lang, REMINDER, mode=translate(lang, MODE_WORDS[appt.mode]),
                     time=f"{local:%Y-%m-%d %H:%M} ({borrower.timezone})", link=link)
    before = timedelta(minutes=alternatives.policy().appointments.reminder_minutes_before)
    messages.to_borrower(db, visit, borrower, kind=delivery.APPOINTMENT_REMINDER, subject=body, body=body, link=link,
                         at=now, occasion=appt.id, send_at=appt.slot_start - before)


def of_borrower(db: Session, borrower_id: str) -> list[Appointment]:
    return list(db.scalars(select(Appointment).where(Appointment.borrower_id == borrower_id)
                           .order_by(Appointment.slot_start.desc())))


def mine(db: Session, borrower_id: str, appointment_id: str) -> Appointment:
    appt = db.scalars(select(Appointment).where(Appointment.id == appointment_id,
                                                Appointment.borrower_id == borrower_id)).first()
    if appt is None:
        raise NotFound(N_("no such appointment"))
    return appt


def for_staff(db: Session, actor: Actor, appointment_id: str) -> Appointment:
    """The appointment if the actor may hold the call (`video.call`, the borrower in their scope)."""
    check(actor, "video.call")
    appt = db.scalars(readable_borrowers(select(Appointment), actor, Appointment.borrower_id)
                      .where(Appointment.id == appointment_id)).first()
    if appt is None:
        raise NotFound(N_("no such appointment in your scope"))
    return appt


def booked_for_staff(db: Session, actor: Actor) -> list[Appointment]:
    check(actor, "video.call")
    return list(db.scalars(readable_borrowers(select(Appointment), actor, Appointment.borrower_id)
                           .where(Appointment.state == AppointmentState.BOOKED).order_by(Appointment.slot_start)))


def consent_to_call(db: Session, borrower_id: str, appointment_id: str, now: datetime) -> Appointment:
    """The borrower's explicit consent to this call (not to a visit, and not to any recording: none is made)."""
    appt = mine(db, borrower_id, appointment_id)
    if appt.state != AppointmentState.BOOKED:
        raise TransitionError("appointment_closed", N_("this appointment is over or cancelled"))
    if appt.call_consent_at is None:
        appt.call_consent_at = now
        db.flush()
        record_audit(db, actor=f"borrower:{borrower_id}", action="appointment.call_consent",
                     subject=f"borrower:{borrower_id}", rule_id="visit_alternatives_first",
                     legal_basis="PIPL Art. 14 (consent); no recording is made",
                     after={"appointment": appt.id}, at=now)
    return appt


# --- join tokens ------------------------------------------------------------------------------------------------

def _sign(payload: str) -> str:
    key = hashlib.sha256(b"duecare-rtc-join-v1" + get_keyring().lookup).digest()
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def join_window(appt: Appointment) -> tuple[datetime, datetime]:
    rules = alternatives.policy().appointments
    return (appt.slot_start - timedelta(minutes=rules.join_early_minutes),
            appt.slot_end + timedelta(minutes=rules.token_minutes_after_slot))


def join_token(appt: Appointment, participant: str) -> str:
    """A token for `participant` (`borrower:<id>` or `staff:<id>`) to join this appointment's signalling."""
    _, until = join_window(appt)
    payload = json.dumps({"a": appt.id, "p": participant, "exp": int(until.timestamp())}, separators=(",", ":"))
    body = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
    return f"{body}.{_sign(payload)}"


@dataclass(frozen=True)
class Admitted:
    appointment_id: str
    participant: str
    role: str  # borrower | agent


class TokenRefused(Exception):
    """The WebSocket is closed with this reason (no personal data)."""


def admit(db: Session, appointment_id: str, token: str, now: datetime) -> Admitted:
    """Who a join token admits to this appointment now, or TokenRefused (forged, expired, foreign, too early,
    no consent to the call, the appointment closed, or the participant no longer entitled)."""
    try:
        body, sig = token.split(".", 1)
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
        data: dict[str, Any] = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise TokenRefused("malformed token") from None
    if not hmac.compare_digest(_sign(payload), sig):
        raise TokenRefused("bad signature")
    if data.get("a") != appointment_id:
        raise TokenRefused("token for another appointment")
    if now.timestamp() > float(data.get("exp", 0)):
        raise TokenRefused("token expired")
    appt = db.get(Appointment, appointment_id)
    if appt is None or appt.state != AppointmentState.BOOKED:
        raise TokenRefused("appointment closed")
    opens, _ = join_window(appt)
    if now < opens:
        raise TokenRefused("too early")
    participant = str(data.get("p", ""))
    if participant == f"borrower:{appt.borrower_id}":
        if appt.call_consent_at is None:
            raise TokenRefused("no consent to the call")
        return Admitted(appt.id, participant, "borrower")
    if participant.startswith("staff:"):
        from duecare.privacy.models import StaffUser

        staff = db.get(StaffUser, participant.removeprefix("staff:"))
        if staff is None or not staff.active:
            raise TokenRefused("staff not active")
        actor = Actor(kind="staff", id=staff.id, role=staff.role)
        try:
            for_staff(db, actor, appointment_id)
        except (LookupError, PermissionError):
            raise TokenRefused("not entitled to this appointment") from None
        return Admitted(appt.id, participant, "agent")
    raise TokenRefused("participant not part of this appointment")


def mark_connected(db: Session, appointment_id: str, now: datetime) -> None:
    appt = db.get(Appointment, appointment_id)
    if appt is not None and appt.connected_at is None:
        appt.connected_at = now
        db.flush()


# --- the report --------------------------------------------------------------------------------------------------

def file_report(db: Session, actor: Actor, appointment_id: str, raw: dict[str, Any], now: datetime) -> RemoteReport:
    """The same scoped report a visit files, with source `video`/`phone`: validated by the visit's own rules
    (scope, the out-of-scope text scan) except the recording a pack asks of a visit (none is made here).
    Filing it closes the appointment and verifies the alternative: the visit need is closed."""
    appt = for_staff(db, actor, appointment_id)
    if appt.state != AppointmentState.BOOKED:
        raise TransitionError("appointment_closed", N_("this appointment already has its report or was cancelled"))
    if db.get(RemoteReport, appt.alternative_id) is not None:
        raise TransitionError("report_exists", N_("this alternative already has a report"))
    borrower = db.get_one(Borrower, appt.borrower_id)
    policy = load_visit_policy()
    try:
        report: ReportIn = validate_report(raw, policy, borrower.jurisdiction.value, list(borrower.phones))
    except ReportRefused as exc:
        left = [r for r in exc.reasons if r.get("code") != "recording_required"]
        if left:
            raise ReportRefused(left) from None
        report = ReportIn.model_validate(raw)
    row = RemoteReport(alternative_id=appt.alternative_id, borrower_id=appt.borrower_id, source=appt.mode,
                       outcome=report.outcome,
                       fields_json=report.fields.model_dump_json(exclude_none=True), notes=report.notes,
                       filed_by=actor.id, filed_at=now, scope_version=policy.version[:64])
    db.add(row)
    appt.state = AppointmentState.DONE
    appt.ended_at = now
    db.flush()
    record_audit(db, actor=actor, action="remote_report.filed", subject=f"borrower:{appt.borrower_id}",
                 rule_id="visit_verified_remotely",
                 after={"appointment": appt.id, "source": appt.mode, "outcome": report.outcome.value}, at=now)
    if report.outcome.value == "met_borrower":
        alternatives.verify(db, actor, appt.alternative_id, now, f"remote_report:{appt.alternative_id}")
    return row


def alternative_of(db: Session, appt: Appointment) -> Alternative:
    return db.get_one(Alternative, appt.alternative_id)
