"""Staff case work: log a call outcome, record a promise to pay, write a note, schedule a callback.
Services take the session, never commit."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import get_args
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.console.models import CaseNote
from duecare.contacts.preferences import get_preferences
from duecare.kit.errors import Conflict, Message, NotFound, UserError, message_of
from duecare.kit.i18n import N_
from duecare.ledger import models as m
from duecare.ledger.casefile import PreferredHours, Weekday
from duecare.privacy.audit import record_audit
from duecare.privacy.permissions import Actor, guarded

CALL_OUTCOMES = tuple(o.value for o in m.Outcome if o.value not in ("delivered", "undelivered"))
DIRECTIONS = ("outbound", "inbound")
MAX_CALL_S = 4 * 3600
# The form's duration in whole seconds, 0..MAX_CALL_S, or empty (not timed); the page's schema publishes it.
DURATION_PATTERN = r"^(?:0*(?:[0-9]{1,4}|1[0-3][0-9]{3}|14[0-3][0-9]{2}|14400))?$"


def _loan_of(db: Session, borrower_id: str, loan_id: str | None) -> str | None:
    if not loan_id:
        return None
    found = db.scalars(select(m.Loan.id).where(m.Loan.id == loan_id, m.Loan.borrower_id == borrower_id)).first()
    if found is None:
        raise NotFound(N_("loan: not a loan of this borrower"),
                       place="loan_id")  # a fact of the ledger, not the form
    return found


@guarded("contacts.write")
def log_call(db: Session, actor: Actor, borrower_id: str, loan_id: str | None, outcome: str, direction: str,
             duration_s: int | None, at: datetime) -> str:
    """A call that happened, as a contact event (it feeds reachability and the call caps from now on)."""
    if outcome not in CALL_OUTCOMES:
        raise UserError(N_("outcome: one of {call_outcomes}"),
                        place="outcome", call_outcomes=', '.join(CALL_OUTCOMES))
    if direction not in DIRECTIONS:
        raise UserError(N_("direction: outbound or inbound"), place="direction")
    if duration_s is not None and not 0 <= duration_s <= MAX_CALL_S:
        raise UserError(N_("duration: between 0 and {max_call_s} seconds"),
                        place="duration_s", max_call_s=MAX_CALL_S)
    event_id = f"CE-{uuid.uuid4().hex[:16]}"
    db.add(m.ContactEvent(id=event_id, borrower_id=borrower_id, loan_id=_loan_of(db, borrower_id, loan_id), at=at,
                          channel=m.Channel.CALL, direction=m.Direction(direction), outcome=m.Outcome(outcome),
                          agent_id=actor.id, duration_s=duration_s))
    db.flush()
    record_audit(db, actor=actor, action="call_logged", subject=f"borrower:{borrower_id}",
                 after={"event": event_id, "outcome": outcome, "direction": direction})
    return event_id


@guarded("contacts.write")
def record_promise(db: Session, actor: Actor, borrower_id: str, loan_id: str | None, promised: str, amount: str,
                   today: date, made_at: datetime) -> str:
    """A promise to pay made on a call; while open and not yet due it holds further collection (ptp_pending)."""
    try:
        when = date.fromisoformat(promised)
    except ValueError:
        raise UserError(N_("date: use YYYY-MM-DD"), place="promised_date") from None
    from duecare.policy.loader import load_strategy
    from duecare.policy.promises import check_promised_date, promise_amount_minor, record_promise

    params = load_strategy("standard").params
    try:
        check_promised_date(params, today, when)  # the strategy's one horizon rule, as on every channel
    except UserError as exc:  # a well-formed date outside the horizon from today: an answer about now (409)
        raise Conflict(message_of(exc)) from None
    # The strategy's floor applies, not its share of the overdue amount: an agent on a call may take a small partial
    # promise the self-service portal would not. Never more than is still to repay.
    loan = _loan_of(db, borrower_id, loan_id)
    try:
        minor = promise_amount_minor(amount, params, None, _owed(db, borrower_id, loan, made_at))
    except ValueError as exc:  # the form's pattern admits only numbers: what is left is the strategy's bounds
        raise Conflict(message_of(exc), place="amount") from None
    return record_promise(db, borrower_id=borrower_id, loan_id=loan,
                          promised_date=when, amount_minor=minor, channel="console", today=today, actor=actor,
                          params=params, made_at=made_at)


def _owed(db: Session, borrower_id: str, loan_id: str | None, at: datetime) -> int | None:
    """What is still to repay, in minor units, on the loan or on all the borrower's loans when none is named (the
    most a promise may name, as in the portal)."""
    from duecare.portal.account import my_loans

    loans = [ln for ln in my_loans(db, borrower_id, at) if loan_id is None or ln.loan_id == loan_id]
    return sum(ln.balance_minor for ln in loans) if loans else None


NOTE_MAX = 2000
# What a case note may not keep, found by the visit report's scanner (visits/scanner.py): identifiers, another
# person's phone number and the PIPL Art. 28 sensitive categories. A note is for what the loan needs; the borrower's
# own numbers are recognised and allowed, names and places are left to the agent (a note names who was reached).
NOTE_OUT_OF_SCOPE = frozenset({"cn_id_number", "other_id_number", "bank_card", "financial_account", "wechat_id",
                               "third_party_phone", "health_detail", "ethnicity", "religion", "political_view",
                               "criminal_record", "sexual_orientation", "biometric"})


def _refuse_out_of_scope(db: Session, borrower_id: str, body: str) -> None:
    """A note holding an identifier, a third party's number or sensitive data is refused, naming only the kinds."""
    from duecare.visits.scanner import scan

    b = db.get(m.Borrower, borrower_id)
    pack = str(b.jurisdiction) if b is not None else None
    found = sorted({f.code for f in scan(body, "text", list(b.phones or []) if b is not None else [], pack)}
                   & NOTE_OUT_OF_SCOPE)
    if found:
        raise UserError(N_("note: it holds personal data a case note may not keep ({found}); write only what the "
                           "loan needs"), place="text", found=", ".join(found))


@guarded("contacts.write")
def add_note(db: Session, actor: Actor, borrower_id: str, loan_id: str | None, text: str, at: datetime) -> str:
    """A free-text note on the case (encrypted at rest; the audit records that a note exists, not its words)."""
    body = text.strip()
    if not body:
        raise UserError(N_("note: write something"), place="text")
    if len(body) > NOTE_MAX:
        raise UserError(N_("note: at most {note_max} characters"), place="text", note_max=NOTE_MAX)
    _refuse_out_of_scope(db, borrower_id, body)
    nid = f"NOTE-{uuid.uuid4().hex[:12]}"
    db.add(CaseNote(id=nid, borrower_id=borrower_id, loan_id=_loan_of(db, borrower_id, loan_id), kind="note",
                    text=body, author_id=actor.id, created_at=at))
    db.flush()
    record_audit(db, actor=actor, action="note_added", subject=f"borrower:{borrower_id}", after={"note": nid})
    return nid


def quiet_hours_problem(db: Session, borrower_id: str, due: datetime) -> str | None:
    """Why a call at `due` would break the borrower's pack's contact hours (their local time), with the rule,
    its source and the next lawful moment; None when it is inside them."""
    from duecare.policy.guardrails import contact_window
    from duecare.policy.loader import load_pack

    b = db.get(m.Borrower, borrower_id)
    if b is None:
        return None
    pack = load_pack(b.jurisdiction.value)
    window = contact_window(pack)
    zone = ZoneInfo(b.timezone)
    local = due.astimezone(zone)
    seconds = local.hour * 3600 + local.minute * 60 + local.second
    if window.start <= seconds < window.end:
        return None
    day = local.date() if seconds < window.start else local.date() + timedelta(days=1)
    opens = datetime.combine(day, datetime.min.time(), tzinfo=zone) + timedelta(seconds=window.start)
    rule = next(r for r in pack.rules if r.id == window.rule)

    def hhmm(s: int) -> str:
        return f"{s // 3600:02d}:{s % 3600 // 60:02d}"

    return Message(N_("callback time: {local} ({zone}) is outside the hours the borrower may be called, "
                      "{start}–{end} their time ({rule}: {source}); the next lawful time is {opens} ({zone})"),
                   local=f"{local:%Y-%m-%d %H:%M}", zone=b.timezone, start=hhmm(window.start), end=hhmm(window.end),
                   rule=rule.id, source=rule.source, opens=f"{opens:%Y-%m-%d %H:%M}")


WEEKDAYS: tuple[str, ...] = get_args(Weekday)


def _hhmm_seconds(hhmm: str) -> int:
    h, mi = hhmm.split(":")
    return int(h) * 3600 + int(mi) * 60


def inside_stated_hours(hours: list[PreferredHours], local: datetime) -> bool:
    """Whether a local moment falls in one of the windows the borrower stated (no windows: any time)."""
    if not hours:
        return True
    s = local.hour * 3600 + local.minute * 60 + local.second
    day = WEEKDAYS[local.weekday()]
    return any((not w.days or day in w.days) and _hhmm_seconds(w.start) <= s < _hhmm_seconds(w.end) for w in hours)


def stated_hours_text(hours: list[PreferredHours]) -> str:
    """`mon,tue 18:00-20:00; sat 10:00-12:00` (every day when a window names no days)."""
    return "; ".join(f"{','.join(w.days) or 'every day'} {w.start}-{w.end}" for w in hours)


def stated_hours_problem(db: Session, borrower_id: str, due: datetime) -> str | None:
    """Why a callback at `due` misses the hours the borrower stated in the portal, with the next moment inside
    both those hours and the lawful ones (15-minute steps over the next 8 days); None when it fits."""
    prefs = get_preferences(db, borrower_id)
    b = db.get(m.Borrower, borrower_id)
    if prefs is None or not prefs.hours or b is None:
        return None
    zone = ZoneInfo(b.timezone)
    local = due.astimezone(zone)
    if inside_stated_hours(prefs.hours, local):
        return None
    start = local.replace(minute=local.minute - local.minute % 15, second=0, microsecond=0)
    fits = (start + timedelta(minutes=15 * k) for k in range(1, 8 * 24 * 4))
    nxt = next((t for t in fits if inside_stated_hours(prefs.hours, t)
                and quiet_hours_problem(db, borrower_id, t) is None), None)
    values = {"local": f"{local:%Y-%m-%d %H:%M}", "zone": b.timezone, "hours": stated_hours_text(prefs.hours)}
    if nxt:
        return Message(N_("callback time: {local} ({zone}) is outside the hours the borrower asked to be called "
                          "({hours}, their time, stated in the portal); the next time within them is {next} ({zone})"),
                       next=f"{nxt:%Y-%m-%d %H:%M}", **values)
    return Message(N_("callback time: {local} ({zone}) is outside the hours the borrower asked to be called "
                      "({hours}, their time, stated in the portal)"), **values)


@guarded("contacts.write")
def schedule_callback(db: Session, actor: Actor, borrower_id: str, loan_id: str | None, local_when: str,
                      timezone: str, text: str, at: datetime) -> str:
    """A call back the borrower asked for, at a local time of theirs within the next 30 days."""
    try:
        naive = datetime.fromisoformat(local_when)
    except ValueError:
        raise UserError(N_("callback time: use the date and time picker (YYYY-MM-DDTHH:MM)"),
                        place="due_at") from None
    due = (naive if naive.tzinfo else naive.replace(tzinfo=ZoneInfo(timezone))).astimezone(UTC)
    # A well-formed time that is past, too far ahead or outside the hours the borrower may (or asked to) be called
    # is an answer about now and the borrower (409), with the next lawful time.
    if not at <= due <= at + timedelta(days=30):
        raise Conflict(N_("callback time: from now up to 30 days ahead"), place="due_at")
    quiet = quiet_hours_problem(db, borrower_id, due) or stated_hours_problem(db, borrower_id, due)
    if quiet:
        raise Conflict(quiet, place="due_at")
    body = text.strip()[:NOTE_MAX]
    cid = f"CB-{uuid.uuid4().hex[:12]}"
    db.add(CaseNote(id=cid, borrower_id=borrower_id, loan_id=_loan_of(db, borrower_id, loan_id), kind="callback",
                    text=body or "-", due_at=due, author_id=actor.id, created_at=at))
    db.flush()
    record_audit(db, actor=actor, action="callback_scheduled", subject=f"borrower:{borrower_id}",
                 after={"callback": cid, "due_at": due.isoformat()})
    return cid
