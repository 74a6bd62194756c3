"""What an accepted visit report changes in the case: a promise to pay, a plan proposal, a hardship hold, a
referral, the contact event of the visit, and the summary the borrower receives with the complaint link."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from duecare.kit.i18n import N_, translate
from duecare.kit.money import to_minor
from duecare.ledger.models import (
    Borrower,
    Channel,
    ContactEvent,
    Direction,
    Hold,
    HoldKind,
)
from duecare.ledger.models import Outcome as ContactOutcome
from duecare.policy.promises import record_promise
from duecare.privacy.retention import schedules
from duecare.visits import messages
from duecare.visits.models import FollowUp, Outcome, VisitCase
from duecare.visits.notice import _content, notice_language, notice_link
from duecare.visits.report import ReportIn, summary_lines

CONTACT_OUTCOME = {
    Outcome.MET_BORROWER: ContactOutcome.RPC,
    Outcome.NOT_HOME: ContactOutcome.NO_ANSWER,
    Outcome.MOVED: ContactOutcome.INVALID,
    Outcome.REFUSED: ContactOutcome.REFUSED,
    Outcome.THIRD_PARTY_ONLY: ContactOutcome.THIRD_PARTY,
}


def _id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def apply(session: Session, visit: VisitCase, borrower: Borrower, report: ReportIn, at: datetime) -> list[FollowUp]:
    """Update the ledger from the report; returns the follow-ups it created."""
    f = report.fields
    made: list[FollowUp] = []
    met = report.outcome == Outcome.MET_BORROWER
    outcome = CONTACT_OUTCOME[report.outcome]
    if met and f.promise_to_pay is not None:
        outcome = ContactOutcome.PTP
    session.add(ContactEvent(id=_id("VCE"), borrower_id=visit.borrower_id, loan_id=visit.loan_id,
                             at=report.arrived_at or at, channel=Channel.VISIT,
                             direction=Direction.OUTBOUND, outcome=outcome, agent_id=visit.agent_a))
    if met and f.promise_to_pay is not None:
        pid = record_promise(session, borrower_id=visit.borrower_id, loan_id=visit.loan_id,
                             promised_date=f.promise_to_pay.date, amount_minor=to_minor(f.promise_to_pay.amount),
                             channel="visit", today=(report.arrived_at or at).date(), promise_id=_id("VPP"),
                             made_at=report.arrived_at or at)
        made.append(FollowUp(visit_id=visit.id, kind="promise", ref=pid, created_at=at,
                             details=json.dumps(f.promise_to_pay.model_dump(mode="json"))))
    if met and f.proposed_plan is not None:
        made.append(FollowUp(visit_id=visit.id, kind="plan_proposal", ref=None, created_at=at,
                             details=json.dumps(f.proposed_plan.model_dump(mode="json"), ensure_ascii=False)))
    if met and f.hardship_hold:
        hold = Hold(id=_id("VHH"), borrower_id=visit.borrower_id, loan_id=None, kind=HoldKind.HARDSHIP_OPEN,
                    opened_at=at, reason=f"visit {visit.id}: hardship category "
                                         f"{f.hardship_category.value if f.hardship_category else 'unspecified'}")
        session.add(hold)
        borrower.hardship_open = True
        made.append(FollowUp(visit_id=visit.id, kind="hardship_hold", ref=hold.id, created_at=at, details=None))
    if met and f.referral is not None:
        made.append(FollowUp(visit_id=visit.id, kind="referral", ref=f.referral.value, created_at=at, details=None))
    for row in made:
        session.add(row)
    session.flush()
    _summary(session, visit, borrower, report, at, made)
    return made


def do_not_return(session: Session, visit: VisitCase, report: ReportIn, at: datetime) -> FollowUp:
    """The borrower's "do not come back": a mark with its date and who asked. The ledger visit carries the
    outcome `refused`, which the gate reads (`visit_refused_recently`) and `propose` refuses on."""
    row = FollowUp(visit_id=visit.id, kind="do_not_return", ref=visit.ledger_visit_id, created_at=at,
                   details=json.dumps({"asked_on": (report.arrived_at or at).date().isoformat(),
                                       "asked_at": (report.arrived_at or at).isoformat(),
                                       "asked_by": report.refused_by.value if report.refused_by else "borrower",
                                       "recorded_by": visit.agent_a}))
    session.add(row)
    session.flush()
    return row


FOLLOW_UPS = {"promise": N_("a promise to pay"), "plan_proposal": N_("a plan proposal"),
              "hardship_hold": N_("a pause for hardship"), "referral": N_("a referral")}
LIST_SEPARATOR = N_(", ")  # between the items of a list in running text (Chinese uses its enumeration comma)


def stored_lines(report: ReportIn, made: list[FollowUp], keep_years: int, lang: str) -> list[str]:
    """Everything the report stored beyond its facts: the times at the door, the agents' notes (word for
    word), the recording reference and how long it is kept, and what the visit changed in the case."""
    none = translate(lang, "none")
    lines = []
    if report.arrived_at or report.left_at:
        at = " – ".join(t.isoformat(timespec="minutes") for t in (report.arrived_at, report.left_at) if t)
        lines.append(translate(lang, "Arrived and left: {times}", times=at))
    lines.append(translate(lang, "Notes written by the agents: {notes}", notes=report.notes or none))
    if report.recording_ref:
        lines.append(translate(lang, "Recording: {ref} (kept {years} years)", ref=report.recording_ref,
                               years=keep_years))
    else:
        lines.append(translate(lang, "Recording: {ref}", ref=none))
    if made:
        done = translate(lang, LIST_SEPARATOR).join(translate(lang, FOLLOW_UPS[f.kind]) for f in made)
        lines.append(translate(lang, "Recorded as a result: {items}", items=done))
    return lines


def _summary(session: Session, visit: VisitCase, borrower: Borrower, report: ReportIn, at: datetime,
             made: list[FollowUp]) -> None:
    lang = notice_language(str(borrower.language))
    complaint = _content()["packs"][visit.pack]["complaint"][lang]
    link = notice_link(visit.notice_id)
    subject = translate(lang, "Summary of your home visit")
    head = [translate(lang, "Dear {name}, this is everything recorded at the visit. If anything is wrong, you may "
                            "ask for it to be corrected.", name=borrower.name)]
    tail = [translate(lang, "View: {link}", link=link),
            translate(lang, "To correct a fact, ask on the My data page: a person reviews it and the original is "
                            "kept on record."), complaint]
    keep = schedules()[visit.pack].keep_years if visit.pack in schedules() else 0
    body = "\n".join(head + summary_lines(report, lang) + stored_lines(report, made, keep, lang) + tail)
    messages.to_borrower(session, visit, borrower, kind="visit_summary", subject=subject, body=body, link=link,
                         at=at)
