"""Staff console pages (`/console/...`): sign-in, work queue, case page with one timeline, call and promise
logging, visit approvals, schedule and routes, the scoped visit report, policy, dashboards and audit search.

Every route declares its permission; which borrowers a person sees is a filter in each query (privacy.scope).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from duecare.console import (
    alternativepages,
    casework,
    dashboards,
    documentpages,
    inboxpages,
    limitpages,
    search,
    simulations,
    videopages,
    visitpages,
)
from duecare.console import queue as work_queues
from duecare.console.queue import SORTS, WORK_ACTIONS, Filters, work_queue
from duecare.console.timeline import timeline
from duecare.contacts.preferences import get_preferences
from duecare.kit import clock, democlock
from duecare.kit.bounds import AMOUNT_PATTERN, DATE_PATTERN, LOCAL_MOMENT_PATTERN, NOT_BLANK
from duecare.kit.errors import UserError
from duecare.kit.i18n import N_, translations
from duecare.kit.settings import demo_mode
from duecare.ledger import models as m
from duecare.ledger.promises import outcomes as promise_outcomes
from duecare.policy.promises import settle_store
from duecare.portal import account
from duecare.privacy import auth
from duecare.privacy.audit import audit_read, record_audit
from duecare.privacy.deps import DB, FORM, require
from duecare.privacy.masking import mask_record, sees_clear
from duecare.privacy.models import AuditEvent, StaffUser
from duecare.privacy.permissions import Actor
from duecare.privacy.scope import can_read_borrower
from duecare.privacy.security import LOGIN_PER_ACCOUNT, LOGIN_PER_IP
from duecare.privacy.sessions import SESSION_COOKIE, create_session, revoke, set_session_cookie
from duecare.web.casepage import case_snapshot
from duecare.web.errors import shown
from duecare.web.i18n import request_locale
from duecare.web.templating import render

router = APIRouter(prefix="/console", tags=["console"])
PUBLIC = Depends(require("public"))
USE = Depends(require("console.use"))
CASES = Depends(require("cases.read"))
CONTACTS = Depends(require("contacts.write"))
VISITS_READ = Depends(require("visits.read"))
VISITS_APPROVE = Depends(require("visits.approve"))
VISITS_REPORT = Depends(require("visits.report"))
POLICY = Depends(require("policy.read"))
DASHBOARDS = Depends(require("dashboards.read"))
AUDIT = Depends(require("audit.read"))


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/console"


def _fragment(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


# --- sign-in -----------------------------------------------------------------------------------------------

@router.get("/signin")
def signin_page(request: Request, next: str = "/console", _: Actor | None = PUBLIC, db: Session = DB) -> Response:
    return render(request, "console/signin.html", next=_safe_next(next))


@router.post("/signin")
def signin(request: Request, username: str = Form(min_length=1, max_length=128),
           password: str = Form(min_length=1, max_length=1024),
           next: str = Form("/console"), _: Actor | None = PUBLIC, db: Session = DB) -> Response:
    ip = request.client.host if request.client else "unknown"
    if not LOGIN_PER_IP.hit(ip) or not LOGIN_PER_ACCOUNT.hit(f"{ip}|{username.casefold()}"):
        return render(request, "console/signin.html", status_code=429, next=next, error="too_many")
    result = auth.authenticate_staff(db, username, password)
    if result.user is None:
        return render(request, "console/signin.html", status_code=423 if result.outcome == "locked" else 401,
                      next=next, error="locked" if result.outcome == "locked" else "bad_login")
    stage = "totp" if result.outcome == "needs_totp" else "full"
    target = f"/auth/totp?next={_safe_next(next)}" if stage == "totp" else _safe_next(next)
    response = RedirectResponse(target, status_code=303)
    revoke(db, request.cookies.get(SESSION_COOKIE))
    token = create_session(db, kind="staff", subject_id=result.user.id, role=result.user.role, stage=stage)
    set_session_cookie(response, request, token, "staff")
    return response


@router.get("")
def home(request: Request, actor: Actor = USE, db: Session = DB) -> Response:
    user = db.get(StaffUser, actor.id)
    return render(request, "console/home.html", user=user)


# --- work queue and case -----------------------------------------------------------------------------------

@router.get("/queue")
def queue_page(request: Request, action: str = "", bucket: str = "", band: str = "", min_overdue: str = "",
               q: str = "", sort: str = "priority", idle: str = "", page: str = "1", actor: Actor = CASES,
               db: Session = DB) -> Response:
    try:
        minimum = int(float(min_overdue) * 100) if min_overdue.strip() else 0
    except ValueError:
        minimum = 0
    q = q.strip()[:64]
    f = Filters(action=action if action in WORK_ACTIONS + ("hold", "none") else "", bucket=bucket,
                band=band if band in ("low", "medium", "high") else "", min_overdue=max(minimum, 0), q=q,
                matched=tuple(search.matching_borrowers(db, actor, q)),
                sort=sort if sort in SORTS else "priority", include_idle=idle == "1" or action in ("hold", "none") or bool(q))
    size = work_queues.PAGE_ROWS
    number = int(page) if page.isdigit() and 0 < len(page) <= 6 else 1
    rows, total = work_queue(db, actor, clock.now(), f, limit=size, offset=(number - 1) * size)
    pages = max(1, -(-total // size))
    if number > pages:  # past the end (the queue shrank since the link was drawn): the last page
        number = pages
        rows, total = work_queue(db, actor, clock.now(), f, limit=size, offset=(number - 1) * size)
    kept = {k: v for k, v in request.query_params.items() if k != "page" and v}
    template = "console/queue_rows.html" if _fragment(request) else "console/queue.html"
    return render(request, template, rows=rows, total=total, f=f, actions=WORK_ACTIONS + ("hold", "none"),
                  sorts=SORTS, min_overdue=min_overdue, page=number, pages=pages,
                  first_row=(number - 1) * size + 1 if rows else 0, last_row=(number - 1) * size + len(rows),
                  page_link=lambda n: "/console/queue?" + urlencode({**kept, "page": n}))


def _case_context(db: Session, actor: Actor, borrower_id: str) -> dict[str, Any]:
    from duecare.web.explain import explanations

    if not can_read_borrower(db, actor, borrower_id):
        raise HTTPException(404, N_("no such case"))  # the same answer as a borrower that does not exist
    b = db.get(m.Borrower, borrower_id)
    assert b is not None
    person = {"name": b.name, "phones": b.phones, "email": b.email, "address": b.address, "city": b.city}
    shown = mask_record(person, actor)
    audit_read(db, actor, f"borrower:{borrower_id}",
               ["name", "phones", "email", "address"] if sees_clear(actor) else ["masked"], purpose="case work")
    case = case_snapshot(db, actor, borrower_id)  # read and aged once: the loans and the decision share it
    t = case.as_of  # the moment the decision was made, now: the loans and the dates are read at it too
    today = account.today_for(db, borrower_id, t)
    loans = account.my_loans(db, borrower_id, t, frames=case.frames, aged=case.decided, coverage=(case.covered, case.paid))
    return {
        "b": b, "person": shown, "clear": sees_clear(actor),
        "loans": loans,
        "promises": promise_outcomes(db, borrower_id, today),
        "currency_of": {ln.loan_id: ln.currency for ln in loans},
        "decisions": explanations(db, actor, t, [borrower_id], decided=case.decided),
        "items": timeline(db, borrower_id),
        "outcomes": casework.CALL_OUTCOMES,
        "can_write": actor.can("contacts.write"),
        "today": today,
        "visits": _visits_of(db, borrower_id),
        "stated": get_preferences(db, borrower_id),
    }


@router.get("/cases/{borrower_id}")
def case_page(borrower_id: str, request: Request, actor: Actor = CASES, db: Session = DB) -> Response:
    return render(request, "console/case.html", **_case_context(db, actor, borrower_id))


@router.post("/cases/{borrower_id}/calls")
def log_call(borrower_id: str, request: Request,
             outcome: str = Form(max_length=16, json_schema_extra={"enum": list(casework.CALL_OUTCOMES)}),
             direction: str = Form("outbound", max_length=8, json_schema_extra={"enum": list(casework.DIRECTIONS)}),
             loan_id: str = Form("", max_length=64),
             duration_s: str = Form("", max_length=6, json_schema_extra={"pattern": casework.DURATION_PATTERN}),
             actor: Actor = CONTACTS, db: Session = DB) -> Response:
    """A call that happened; an unknown loan answers 404 on the re-shown case page."""
    if not can_read_borrower(db, actor, borrower_id):
        raise HTTPException(404, N_("no such case"))
    try:
        seconds = int(duration_s) if duration_s.strip() else None
        casework.log_call(db, actor, borrower_id, loan_id or None, outcome, direction, seconds, clock.now())
    except (UserError, ValueError) as exc:
        return render(request, "console/case.html", status_code=getattr(exc, "status", 422), error=shown(request, exc),
                      **_case_context(db, actor, borrower_id))
    return RedirectResponse(f"/console/cases/{borrower_id}?done=call", status_code=303)


@router.post("/cases/{borrower_id}/promises")
def record_promise(borrower_id: str, request: Request,
                   promised_date: str = Form(max_length=10, json_schema_extra={"pattern": f"^{DATE_PATTERN}$"}),
                   amount: str = Form(max_length=20, json_schema_extra={"pattern": AMOUNT_PATTERN}),
                   loan_id: str = Form("", max_length=64), actor: Actor = CONTACTS, db: Session = DB) -> Response:
    """A promise made on a call; a date past the strategy's horizon from today, or an amount under its minimum,
    answers 409 (what the strategy allows now, not the form)."""
    if not can_read_borrower(db, actor, borrower_id):
        raise HTTPException(404, N_("no such case"))
    try:
        at = clock.now()
        casework.record_promise(db, actor, borrower_id, loan_id or None, promised_date, amount,
                                account.today_for(db, borrower_id, at), at)
    except UserError as exc:
        return render(request, "console/case.html", status_code=exc.status, error=shown(request, exc),
                      **_case_context(db, actor, borrower_id))
    return RedirectResponse(f"/console/cases/{borrower_id}?done=promise", status_code=303)


@router.post("/cases/{borrower_id}/notes")
def add_note(borrower_id: str, request: Request,
             text: str = Form(max_length=4000, json_schema_extra={"maxLength": casework.NOTE_MAX, "pattern": NOT_BLANK}),
             loan_id: str = Form("", max_length=64), actor: Actor = CONTACTS, db: Session = DB) -> Response:
    if not can_read_borrower(db, actor, borrower_id):
        raise HTTPException(404, N_("no such case"))
    try:
        casework.add_note(db, actor, borrower_id, loan_id or None, text, clock.now())
    except UserError as exc:  # the page again with what was typed, to correct rather than retype
        return render(request, "console/case.html", status_code=exc.status, error=shown(request, exc),
                      note_text=text, **_case_context(db, actor, borrower_id))
    return RedirectResponse(f"/console/cases/{borrower_id}?done=note", status_code=303)


@router.post("/cases/{borrower_id}/callbacks")
def add_callback(borrower_id: str, request: Request,
                 due_at: str = Form(max_length=32, json_schema_extra={"pattern": LOCAL_MOMENT_PATTERN}),
                 text: str = Form("", max_length=4000), loan_id: str = Form("", max_length=64),
                 actor: Actor = CONTACTS, db: Session = DB) -> Response:
    """A call back at the borrower's local time; outside the next 30 days or the hours they may (or asked to) be
    called answers 409 with the next lawful time."""
    if not can_read_borrower(db, actor, borrower_id):
        raise HTTPException(404, N_("no such case"))
    b = db.get(m.Borrower, borrower_id)
    assert b is not None
    try:
        casework.schedule_callback(db, actor, borrower_id, loan_id or None, due_at, b.timezone, text, clock.now())
    except UserError as exc:
        return render(request, "console/case.html", status_code=exc.status, error=shown(request, exc),
                      **_case_context(db, actor, borrower_id))
    return RedirectResponse(f"/console/cases/{borrower_id}?done=callback", status_code=303)


# --- visits --------------------------------------------------------------------------------------------------

def _visit_ctx(db: Session, actor: Actor) -> Any:
    from duecare.visits import service

    return service.Ctx(session=db, actor=actor, at=clock.now())


@router.get("/visits/approvals")
def approvals_page(request: Request, actor: Actor = VISITS_APPROVE, db: Session = DB) -> Response:
    from duecare.visits import repository, service

    ctx = _visit_ctx(db, actor)
    waiting = []
    for v in repository.list_visits(db, actor, state="consented"):
        gate = service.gate_now(ctx, v.id)  # live: the gate as it stands now, not as it stood at consent
        waiting.append({"visit": v, "gate": gate, "lines": visitpages.gate_lines(gate),
                        "blockers": visitpages.approval_blockers(gate), "is_proposer": actor.label == v.proposed_by})
    approved = repository.list_visits(db, actor, state="approved")
    before = [*repository.list_visits(db, actor, state="proposed"), *repository.list_visits(db, actor, state="notice_sent")]
    return render(request, "console/approvals.html", waiting=waiting, approved=approved, before=before)


@router.get("/visits/schedule")
def schedule_page(request: Request, day: str = "", actor: Actor = VISITS_READ, db: Session = DB) -> Response:
    from duecare.visits import repository, views
    from duecare.visits.scope import load_visit_policy

    on_route = repository.list_visits(db, actor, state="scheduled") + repository.list_visits(db, actor, state="in_progress")
    visits = [views.visit_view(db, v, timeline=False) for v in on_route]
    try:
        chosen = date.fromisoformat(day) if day else None
    except ValueError:
        chosen = None
    routes = []
    if actor.role == "field_agent":
        days = sorted({v["window"]["start"][:10] for v in visits if v["window"]})
        for d in ([chosen.isoformat()] if chosen else days):
            routes.append(views.day_route(db, actor.id, date.fromisoformat(d), load_visit_policy()))
    return render(request, "console/schedule.html", visits=visits, routes=routes)


@router.get("/visits/{visit_id}/report")
def report_page(visit_id: str, request: Request, actor: Actor = VISITS_REPORT, db: Session = DB) -> Response:
    return _report_form(request, db, actor, visit_id)


def _report_form(request: Request, db: Session, actor: Actor, visit_id: str, status: int = 200,
                 **extra: Any) -> Response:
    from duecare.visits import repository
    from duecare.visits.scope import load_visit_policy

    visit = repository.get_visit(db, visit_id, actor)  # not visible: NotFound, a 404
    policy = load_visit_policy()
    lang = "zh" if request_locale(request) == "zh_CN" else "en"
    checklist = policy.checklist(lang)
    return render(request, "console/report.html", status_code=status, visit=visit, checklist=checklist,
                  allowed={a["field"] for a in checklist["ask"]},
                  recording=policy.recording_required(visit.pack) is not None, **_report_choices(), **extra)


def _report_choices() -> dict[str, Any]:
    from duecare.visits import report
    from duecare.visits.models import Outcome

    return {"outcomes_v": [o.value for o in Outcome], "employment": [e.value for e in report.EmploymentStatus],
            "hardships": [h.value for h in report.HardshipCategory],
            "willingness": [w.value for w in report.Willingness], "referrals": [r.value for r in report.Referral]}


def report_payload(form: Any) -> dict[str, Any]:
    """The report body from the form: empty fields are left out, so only what the agent filled is checked."""
    def val(key: str) -> str | None:
        v = str(form.get(key, "") or "").strip()
        return v or None

    fields: dict[str, Any] = {}
    for key in ("employment_status", "monthly_income", "monthly_expenses", "other_debts_monthly",
                "hardship_category", "willingness", "capacity_monthly", "referral"):
        if val(key) is not None:
            fields[key] = val(key)
    if val("hardship_hold"):
        fields["hardship_hold"] = True
    if val("ptp_date") and val("ptp_amount"):
        fields["promise_to_pay"] = {"date": val("ptp_date"), "amount": val("ptp_amount")}
    if val("plan_monthly") and val("plan_months") and val("plan_first"):
        fields["proposed_plan"] = {"monthly_amount": val("plan_monthly"), "months": val("plan_months"),
                                   "first_payment_date": val("plan_first")}
    out: dict[str, Any] = {"outcome": val("outcome"), "fields": fields}
    if val("notes"):
        out["notes"] = val("notes")
    if val("recording_ref"):
        out["recording_ref"] = val("recording_ref")
    return out


@router.post("/visits/{visit_id}/report")
def report_submit(visit_id: str, request: Request, actor: Actor = VISITS_REPORT, form: FormData = FORM,
                  db: Session = DB) -> Response:
    """File the scoped report; a refusal re-shows the form with every reason (nothing was stored)."""
    from duecare.visits import service

    try:
        service.file_report(_visit_ctx(db, actor), visit_id, report_payload(form))
    except UserError as exc:  # a refused report (422), a step the workflow refuses (409); no such visit: 404
        if exc.status == 404:
            raise
        reasons = getattr(exc, "reasons", None) or []
        return _report_form(request, db, actor, visit_id, status=exc.status,
                            error=shown(request, exc), reasons=reasons, sent={k: str(v) for k, v in form.items()})
    return RedirectResponse(f"/console/visits/{visit_id}?done=report", status_code=303)


# --- the demo's clock (demo mode only) ---------------------------------------------------------------------------

@router.post("/demo/clock")
def demo_clock(request: Request, days: str = Form(max_length=12, json_schema_extra={"pattern": democlock.DAYS_PATTERN}),
               next: str = Form("/console", max_length=512),
               actor: Actor = USE, db: Session = DB) -> Response:
    """Move the demo's shared clock forward (absent outside demo mode: production time is never shifted)."""
    if not demo_mode():
        raise HTTPException(404, N_("not found"))
    try:
        moment = democlock.advance(float(days))
    except ValueError:
        raise UserError(N_("a number such as 1 or 3"), place="days") from None
    settle_store(db, moment)  # promises whose day the clock passed are settled now, as the nightly run would
    record_audit(db, actor=actor, action="demo_clock_advanced", subject="demo:clock",
                 after={"days": days, "demo_now": moment.isoformat()})
    return RedirectResponse(_safe_next(next), status_code=303)


# --- policy, dashboards, audit ---------------------------------------------------------------------------------

@router.get("/policy")
def policy_page(request: Request, actor: Actor = POLICY, db: Session = DB) -> Response:
    from duecare.policy.loader import all_packs, load_strategy

    return render(request, "console/policy.html", packs=all_packs(), strategy=load_strategy("standard"))


@router.get("/policy/diff")
def policy_diff_page(request: Request, actor: Actor = POLICY, db: Session = DB) -> Response:
    """Champion against challenger on today's store: how many loans would change action (`policy diff`)."""
    from duecare.console.policydiff import champion_challenger

    return render(request, "console/policy_diff.html", **champion_challenger(db, clock.now()))


@router.get("/dashboards")
def dashboards_page(request: Request, actor: Actor = DASHBOARDS, db: Session = DB) -> Response:
    d = dashboards.build(db, clock.now())
    tr = translations(request_locale(request)).gettext
    return render(request, "console/dashboards.html", d=d, figs=dashboards.figures(d, tr),
                  visit_labels=dashboards.VISIT_LABELS)


@router.get("/audit")
def audit_page(request: Request, borrower: str = "", actor: Actor = AUDIT, db: Session = DB) -> Response:
    events: list[AuditEvent] = []
    borrower = borrower.strip()[:64]
    if borrower:
        events = list(db.scalars(select(AuditEvent).where(AuditEvent.subject == f"borrower:{borrower}")
                                 .order_by(AuditEvent.seq.desc()).limit(500)))
        visit_ids = _visit_ids(db, borrower)
        if visit_ids:
            events += list(db.scalars(select(AuditEvent).where(AuditEvent.subject.in_([f"visit:{v}" for v in visit_ids]))
                                      .order_by(AuditEvent.seq.desc()).limit(500)))
            events.sort(key=lambda e: e.seq, reverse=True)
        audit_read(db, actor, f"borrower:{borrower}", ["audit_trail"], purpose="audit search")
    return render(request, "console/audit.html", borrower=borrower, events=events)


def _visits_of(db: Session, borrower_id: str) -> dict[str, list[Any]]:
    """The borrower's visits by loan, newest first (the case page links each and offers to propose one)."""
    from duecare.visits.models import VisitCase

    out: dict[str, list[Any]] = {}
    for v in db.scalars(select(VisitCase).where(VisitCase.borrower_id == borrower_id)
                        .order_by(VisitCase.proposed_at.desc())):
        out.setdefault(v.loan_id, []).append(v)
    return out


def _visit_ids(db: Session, borrower_id: str) -> list[str]:
    from duecare.visits.models import VisitCase

    return list(db.scalars(select(VisitCase.id).where(VisitCase.borrower_id == borrower_id)))


def local(moment: datetime, tz: str) -> datetime:
    return moment.astimezone(ZoneInfo(tz))


router.include_router(visitpages.router)  # the visit workflow's pages (console/visitpages.py)
router.include_router(inboxpages.router)  # the staff inbox of borrower requests (console/inboxpages.py)
router.include_router(simulations.router)  # Policy › Simulations: the last simulate/optimise reports (console/simulations.py)
router.include_router(alternativepages.router)  # remote alternatives to a visit (console/alternativepages.py)
router.include_router(videopages.router)  # video/phone appointments, the agent's side (console/videopages.py)
router.include_router(documentpages.router)  # borrowers' uploaded proof, need to know (console/documentpages.py)
router.include_router(limitpages.router)  # known limits on a channel, from the case page (console/limitpages.py)
