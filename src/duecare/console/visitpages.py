"""The home-visit workflow as console pages: one page per visit with the live gate, and every step's form.

Pages call the visit service (the same functions the API calls, with the same permissions); what a page
adds is only what a person needs to act: which steps the gate allows now and, when it does not, why, with
every unmet code, its rule and source. A step that changed nothing is never reported as done.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.datastructures import UploadFile as StarletteUpload

from duecare.kit import clock
from duecare.kit.bounds import DATE_PATTERN, NOT_BLANK
from duecare.kit.errors import TransitionError, UserError
from duecare.kit.i18n import N_
from duecare.ledger.models import Borrower, Notice
from duecare.privacy.deps import DB, FORM, require
from duecare.privacy.models import StaffUser
from duecare.privacy.permissions import Actor
from duecare.visits import repository, scheduling, service
from duecare.visits.flows import BEFORE_VISIT
from duecare.visits.gate import GateEvaluation
from duecare.visits.models import ConsentForm, VisitCase
from duecare.visits.models import VisitState as S
from duecare.visits.scope import VisitPolicy
from duecare.web.errors import shown
from duecare.web.templating import render

router = APIRouter()
CASES = Depends(require("cases.read"))
PROPOSE = Depends(require("visits.propose"))
NOTICE = Depends(require("visits.notice"))
SCHEDULE = Depends(require("visits.schedule"))
APPROVE = Depends(require("visits.approve"))
REPORT = Depends(require("visits.report"))
CONSENT_RECORD = Depends(require("visits.consent.record"))
REVIEW = Depends(require("visits.review"))
CANCEL = Depends(require("visits.cancel"))
SCHEDULE_DAYS = 14


@dataclass(frozen=True)
class DayChoice:
    day: date
    windows: list[str]  # "18:00–20:00" in the borrower's time


def ctx(db: Session, actor: Actor) -> service.Ctx:
    return service.Ctx(session=db, actor=actor, at=clock.now())


def gate_lines(gate: GateEvaluation) -> list[dict[str, Any]]:
    """Each gate condition: met or not, what it tests, and the rules (with sources) behind it."""
    return [{"code": c.code, "met": c.met, "condition": c.condition, "rules": [r.model_dump() for r in c.rules]}
            for c in gate.gate_detail]


def approval_blockers(gate: GateEvaluation) -> list[str]:
    """Why approving now would stop the visit (empty: the gate holds for approval)."""
    return gate.stop_reasons(service.AT_APPROVAL)


def schedule_blockers(gate: GateEvaluation) -> list[str]:
    """Why scheduling now would stop the visit: the gate must hold in full, and the decision be visit_schedule."""
    extra = [] if gate.action == "visit_schedule" else [f"decision_is_{gate.action}"]
    return gate.stop_reasons() + extra


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching windows as one span each."""
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(spans):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def day_choices(db: Session, borrower: Borrower, policy: VisitPolicy, at: datetime) -> list[DayChoice]:
    """The next days on which the visit window, the law's hours and the borrower's stated times leave room for a
    window that can still be booked now (today only while a window starting at least two hours ahead is left)."""
    tz = ZoneInfo(borrower.timezone)
    today = at.astimezone(tz).date()
    out = []
    for i in range(SCHEDULE_DAYS + 1):
        d = today + timedelta(days=i)
        spans = _merged([(s, s + length) for s, length in scheduling.bookable_windows(db, borrower, d, policy, at)])
        if spans:
            out.append(DayChoice(d, [f"{lo // 60:02d}:{lo % 60:02d}–{hi // 60:02d}:{hi % 60:02d}" for lo, hi in spans]))
    return out


def field_agents(db: Session) -> list[StaffUser]:
    found = [db.get(StaffUser, a) for a in scheduling.active_field_agents(db)]
    return [u for u in found if u is not None]


def visit_context(db: Session, actor: Actor, visit_id: str) -> dict[str, Any]:
    c = ctx(db, actor)
    visit = repository.get_visit(db, visit_id, actor)  # not visible: NotFound, a 404
    borrower = db.get(Borrower, visit.borrower_id)
    assert borrower is not None
    notice = db.get(Notice, visit.notice_id) if visit.notice_id else None
    period = c.policy.strategy.params.notice_period_days
    gate: GateEvaluation | None = None
    gate_error = None
    if (visit.state in BEFORE_VISIT or visit.state == S.IN_PROGRESS) and visit.state not in (
            S.DECLINED, S.EXPIRED, S.REJECTED, S.CANCELLED):
        try:
            gate = service.gate_now(c, visit.id)
        except LookupError as exc:
            gate_error = str(exc)
    proposer = actor.label == visit.proposed_by
    return {
        "visit": visit, "borrower": borrower, "notice": notice, "now": c.at,
        "notice_ends": notice.sent_at + timedelta(days=period) if notice else None, "notice_days": period,
        "consent": repository.consent_state(db, visit.borrower_id, notice.id, notice.sent_at) if notice else "none",
        "gate": gate, "gate_error": gate_error, "lines": gate_lines(gate) if gate else [],
        "approval_blockers": approval_blockers(gate) if gate else [],
        "schedule_blockers": schedule_blockers(gate) if gate else [],
        "is_proposer": proposer, "partner": _partner(visit, actor),
        "agents": field_agents(db) if visit.state == S.APPROVED else [],
        "days": day_choices(db, borrower, c.policy, c.at) if visit.state == S.APPROVED else [],
        "events": repository.events(db, visit.id),
        "forms": list(db.scalars(select(ConsentForm).where(ConsentForm.visit_id == visit.id)
                                 .order_by(ConsentForm.uploaded_at))),
        "report": repository.report_of(db, visit.id),
        "rule_of": {line["code"]: line["rules"] for line in (gate_lines(gate) if gate else [])},
    }


def _page(request: Request, db: Session, actor: Actor, visit_id: str, status: int = 200, **extra: Any) -> Response:
    return render(request, "console/visit.html", status_code=status, **visit_context(db, actor, visit_id),
                  back_to=f"/console/visits/{visit_id}", **extra)


def _refused(request: Request, db: Session, actor: Actor, visit_id: str, exc: Exception) -> Response:
    """The visit page again with why a step was refused: 409 for a step the workflow refuses, 422 for bad input."""
    return _page(request, db, actor, visit_id, status=getattr(exc, "status", 422), error=shown(request, exc))


def _back(visit_id: str, done: str) -> Response:
    return RedirectResponse(f"/console/visits/{visit_id}?done={done}", status_code=303)


def _stopped(request: Request, db: Session, actor: Actor, visit: VisitCase, reasons: list[str]) -> Response:
    """The gate was closed when the step ran: the service stopped the visit. Say so, never 'done'."""
    return _page(request, db, actor, visit.id, status=409, stopped=reasons)


@router.get("/visits/{visit_id}")
def visit_page(visit_id: str, request: Request, actor: Actor = CASES, db: Session = DB) -> Response:
    return _page(request, db, actor, visit_id)


@router.post("/loans/{loan_id}/visit")
def propose(loan_id: str, request: Request, actor: Actor = PROPOSE, db: Session = DB) -> Response:
    """Open a visit for a loan whose decision today is visit_notice."""
    result = service.propose(ctx(db, actor), loan_id)  # refused: 409; no such loan: 404 (web/errors.py)
    return _back(result.visit.id, "proposed")


@router.post("/visits/{visit_id}/notice")
def send_notice(visit_id: str, request: Request, actor: Actor = NOTICE, db: Session = DB) -> Response:
    try:
        result = service.send_notice(ctx(db, actor), visit_id)
    except TransitionError as exc:
        return _page(request, db, actor, visit_id, status=exc.status, error=shown(request, exc))
    if result.stopped:
        return _stopped(request, db, actor, result.visit, result.stopped)
    return _back(visit_id, "notice_sent")


@router.post("/visits/{visit_id}/schedule")
def schedule(visit_id: str, request: Request, agent_a: str = Form(min_length=1, max_length=64),
             agent_b: str = Form(min_length=1, max_length=64),
             day: str = Form(max_length=10, json_schema_extra={"pattern": f"^{DATE_PATTERN}$"}),
             actor: Actor = SCHEDULE, db: Session = DB) -> Response:
    """Two chosen field agents and a chosen day; the service picks the window and re-plans their route. The same
    agent twice, an agent or a day the visit cannot have answers 409 with the reason."""
    try:
        chosen = date.fromisoformat(day)
    except ValueError:
        return _page(request, db, actor, visit_id, status=422, error=shown(request, N_("day: choose one of the days offered")))
    c = ctx(db, actor)
    visit = repository.get_visit(db, visit_id, actor)  # not visible: NotFound, a 404
    gate = service.gate_now(c, visit_id) if visit.state == S.APPROVED else None
    if gate is not None and schedule_blockers(gate):
        # Scheduling on a closed gate would cancel the visit; the page refuses instead and says why.
        return _page(request, db, actor, visit_id, status=409, refused=schedule_blockers(gate))
    try:
        result = service.schedule(c, visit_id, agents=(agent_a, agent_b), day=chosen)
    except TransitionError as exc:
        return _page(request, db, actor, visit_id, status=exc.status, error=shown(request, exc))
    if result.stopped:
        return _stopped(request, db, actor, result.visit, result.stopped)
    return _back(visit_id, "scheduled")


@router.post("/visits/{visit_id}/approval")
def decide(visit_id: str, request: Request,
           decision: str = Form(max_length=8, json_schema_extra={"enum": ["approve", "reject"]}),
           comment: str = Form(max_length=1000, json_schema_extra={"pattern": NOT_BLANK}),
           next: str = Form("", max_length=200), actor: Actor = APPROVE, db: Session = DB) -> Response:
    """Approve or reject with the gate as it stands now; never by the proposer (four eyes)."""
    if decision not in ("approve", "reject"):
        return _page(request, db, actor, visit_id, status=422, error=shown(request, N_("decision: approve or reject")))
    try:
        result = service.decide_approval(ctx(db, actor), visit_id, decision == "approve", comment)
    except (TransitionError, UserError) as exc:
        return _refused(request, db, actor, visit_id, exc)
    if result.stopped:
        return _stopped(request, db, actor, result.visit, result.stopped)
    if next == "approvals":
        return RedirectResponse(f"/console/visits/approvals?done={decision}", status_code=303)
    return _back(visit_id, "approved" if decision == "approve" else "rejected")


def _partner(visit: VisitCase, actor: Actor) -> str:
    """The other agent of the pair (check-in and check-out are done together)."""
    pair = [a for a in (visit.agent_a, visit.agent_b) if a]
    others = [a for a in pair if a != actor.id]
    return others[0] if len(pair) == 2 and len(others) == 1 else ""


@router.post("/visits/{visit_id}/check-in")
def check_in(visit_id: str, request: Request, partner: str = Form("", max_length=64), actor: Actor = REPORT,
             db: Session = DB) -> Response:
    """Both agents at the door, inside the slot, with the gate holding now (the service checks each)."""
    try:
        result = service.check_in(ctx(db, actor), visit_id, partner)
    except TransitionError as exc:
        return _page(request, db, actor, visit_id, status=exc.status, error=shown(request, exc))
    if result.stopped:
        return _stopped(request, db, actor, result.visit, result.stopped)
    return _back(visit_id, "checked_in")


@router.post("/visits/{visit_id}/check-out")
def check_out(visit_id: str, request: Request, partner: str = Form("", max_length=64), actor: Actor = REPORT,
              db: Session = DB) -> Response:
    try:
        service.check_out(ctx(db, actor), visit_id, partner)
    except TransitionError as exc:
        return _page(request, db, actor, visit_id, status=exc.status, error=shown(request, exc))
    return _back(visit_id, "checked_out")


@router.post("/visits/{visit_id}/consent-form")
def upload_consent_form(visit_id: str, request: Request, actor: Actor = CONSENT_RECORD, form: FormData = FORM,
                        db: Session = DB) -> Response:
    """The borrower's signed form or recorded statement: its hash is recorded (the file stays where it is kept);
    it grants nothing until a second person verifies it."""
    upload = form.get("document")
    data = upload.file.read() if isinstance(upload, StarletteUpload) else b""
    try:
        if not data:
            raise UserError(N_("document: choose the scanned form or the recording"), place="document")
        visit = repository.get_visit(db, visit_id, actor)
        borrower = db.get(Borrower, visit.borrower_id)
        assert borrower is not None
        try:
            signed = datetime.fromisoformat(str(form.get("signed_at", ""))).replace(tzinfo=ZoneInfo(borrower.timezone))
        except ValueError:
            raise UserError(N_("signed at: use the date and time picker"), place="signed_at") from None
        service.upload_form(ctx(db, actor), visit_id, kind=str(form.get("kind", "")),
                            document_sha256=hashlib.sha256(data).hexdigest(),
                            document_ref=str(form.get("document_ref", ""))[:500], signed_at=signed)
    except (TransitionError, UserError) as exc:
        return _refused(request, db, actor, visit_id, exc)
    return _back(visit_id, "form_uploaded")


@router.post("/consent-forms/{form_id}/verification")
def verify_consent_form(form_id: str, request: Request,
                        accept: str = Form(max_length=3, json_schema_extra={"enum": ["yes", "no"]}), actor: Actor = APPROVE,
                        db: Session = DB) -> Response:
    """A second person (neither the uploader nor the proposer) checks the form against the notice."""
    form = db.get(ConsentForm, form_id)
    if form is None:
        raise HTTPException(404, N_("no such consent form"))
    try:
        result = service.verify_form(ctx(db, actor), form_id, accept=accept == "yes")
    except TransitionError as exc:
        return _page(request, db, actor, form.visit_id, status=exc.status, error=shown(request, exc))
    if result.stopped:
        return _stopped(request, db, actor, result.visit, result.stopped)
    return _back(form.visit_id, "form_verified" if accept == "yes" else "form_rejected")


@router.post("/visits/{visit_id}/review")
def review(visit_id: str, request: Request, comment: str = Form("", max_length=1000), actor: Actor = REVIEW,
           db: Session = DB) -> Response:
    try:
        service.review(ctx(db, actor), visit_id, comment)
    except (TransitionError, UserError) as exc:
        return _refused(request, db, actor, visit_id, exc)
    return _back(visit_id, "reviewed")


@router.post("/visits/{visit_id}/cancel")
def cancel(visit_id: str, request: Request, reason: str = Form("", max_length=200), actor: Actor = CANCEL,
           db: Session = DB) -> Response:
    try:
        service.cancel(ctx(db, actor), visit_id, reason)
    except (TransitionError, UserError) as exc:
        return _refused(request, db, actor, visit_id, exc)
    return _back(visit_id, "cancelled")
