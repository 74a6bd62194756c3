"""Borrower portal pages (`/portal/...`): sign-in by one-time code, my loans, notices and consent, hardship
questionnaire, repayment plan, promise to pay, my data, complaints and automated-decision explanations.

Every route declares its permission; the borrower id always comes from the session, never from the URL, so
one borrower can never reach another's records.
"""

from __future__ import annotations

import json
import math
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, get_args

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from duecare.contacts import preferences
from duecare.kit import clock
from duecare.kit.bounds import AMOUNT_PATTERN, DATE_PATTERN, RowId
from duecare.kit.errors import UserError
from duecare.kit.i18n import LANG_COOKIE, N_
from duecare.kit.money import to_minor
from duecare.ledger import models as m
from duecare.ledger.casefile import ContactPreferences, Weekday
from duecare.payments.callback import signed_payment_callback
from duecare.payments.models import PaymentIntent
from duecare.policy.guardrails import contact_window, seconds_of_day
from duecare.policy.loader import load_pack, load_strategy
from duecare.policy.promises import PromiseTooLarge, check_promised_date, promise_amount_minor, record_promise
from duecare.portal import account, activity, commitments, complaints, hardship, notices, plans, rights, terms
from duecare.portal import alternatives as remote_alternatives
from duecare.portal.forms import (
    CALLBACK_HOURS_FORM,
    CONTACT_PREFERENCES_BODY,
    DATA_REQUEST_FORM,
    HARDSHIP_FORM,
    VISIT_CORRECTION_FORM,
)
from duecare.portal.models import PlanProposal
from duecare.portal.plans import Instalment
from duecare.privacy import auth
from duecare.privacy.audit import audit_read, record_audit
from duecare.privacy.deps import BODY, DB, FORM, require
from duecare.privacy.permissions import Actor
from duecare.privacy.security import (
    CODE_PER_ACCOUNT,
    CODE_PER_IP,
    CODE_PER_PHONE,
    LOGIN_PER_ACCOUNT,
    LOGIN_PER_IP,
    RateLimiter,
)
from duecare.privacy.sessions import SESSION_COOKIE, create_session, revoke, set_session_cookie
from duecare.visits import corrections
from duecare.web.errors import shown
from duecare.web.forms import text
from duecare.web.templating import render

router = APIRouter(prefix="/portal", tags=["portal"])
WEEKDAYS: tuple[str, ...] = get_args(Weekday)
PUBLIC = Depends(require("public"))
READ = Depends(require("portal.read"))
WRITE = Depends(require("portal.write"))
RIGHTS = Depends(require("rights.request"))
REVIEW = Depends(require("review.request"))
PAYMENT_CALLBACK = Depends(signed_payment_callback)


def _ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _back(url: str, flash: str | None = None) -> RedirectResponse:
    return RedirectResponse(url + (f"?done={flash}" if flash else ""), status_code=303)


# --- sign-in -----------------------------------------------------------------------------------------------

@router.get("/signin")
def signin_page(request: Request, _: Actor | None = PUBLIC, db: Session = DB) -> Response:
    return render(request, "portal/signin.html", step="phone")


def _minutes(seconds: float) -> int:
    return max(math.ceil(seconds / 60), 1)


def _code_request_wait(ip: str, digits: str, borrower_id: str | None) -> float:
    """Seconds until this number may ask for another code from this address (0: now)."""
    return max(CODE_PER_ACCOUNT.retry_after(f"{ip}|{digits}"), CODE_PER_IP.retry_after(ip),
               CODE_PER_PHONE.retry_after(f"borrower:{borrower_id}" if borrower_id else f"number:{digits}"))


# Wrong tries at numbers we do not know count like a real code's (so the answer never tells them apart).
_GHOST_TRIES = RateLimiter(limit=auth.CODE_MAX_ATTEMPTS, window_s=auth.CODE_TTL.total_seconds(),
                           name="portal-ghost-code-tries")


@router.post("/signin")
def signin_send_code(request: Request, phone: str = Form(min_length=1, max_length=40), _: Actor | None = PUBLIC,
                     db: Session = DB) -> Response:
    """Send a code through the contact channels; the same answer whether or not the number is known."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    with auth.answer_no_sooner_than():  # a registered number must not answer at a different speed
        borrower_id = auth.find_borrower_by_phone(db, phone)
        if not auth.code_request_allowed(_ip(request), phone, borrower_id):
            wait = _code_request_wait(_ip(request), digits, borrower_id)
            return render(request, "portal/signin.html", status_code=429, step="phone", error="too_many",
                          wait_minutes=_minutes(wait))
        shown: str | None = None
        if borrower_id is not None:
            try:
                shown = auth.issue_code(db, borrower_id).shown_code
            except UserError:
                return render(request, "portal/signin.html", status_code=503, step="phone", error="no_channel")
        db.commit()
    return render(request, "portal/signin.html", step="code", phone=digits, demo_code=shown,
                  tries_left=auth.CODE_MAX_ATTEMPTS)


@router.post("/signin/verify")
def signin_verify(request: Request, phone: str = Form(min_length=1, max_length=40),
                  code: str = Form(min_length=1, max_length=12),
                  _: Actor | None = PUBLIC, db: Session = DB) -> Response:
    """A mistyped code can be typed again: the page says how many tries are left with it and, once it is
    spent, when a new code can be asked for; the code stays valid meanwhile (no new request is needed)."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    ip = _ip(request)
    account_key = f"{ip}|code|{digits}"
    if not LOGIN_PER_IP.hit(ip) or not LOGIN_PER_ACCOUNT.hit(account_key):
        wait = max(LOGIN_PER_IP.retry_after(ip), LOGIN_PER_ACCOUNT.retry_after(account_key))
        return render(request, "portal/signin.html", status_code=429, step="code", phone=digits, error="too_many",
                      wait_minutes=_minutes(wait), tries_left=0)
    candidate = auth.find_borrower_by_phone(db, phone)
    if candidate is None or not auth.verify_code(db, candidate, code.strip()):
        if candidate is None:
            _GHOST_TRIES.hit(digits)
            left = _GHOST_TRIES.remaining(digits)
        else:
            db.flush()
            left = auth.code_tries_left(db, candidate)
        wait = 0 if left else _code_request_wait(ip, digits, candidate)
        return render(request, "portal/signin.html", status_code=401, step="code" if left else "phone",
                      phone=digits, error="wrong_code_retry" if left else "code_spent", tries_left=left,
                      wait_minutes=_minutes(wait) if wait else 0)
    response = RedirectResponse("/portal", status_code=303)
    revoke(db, request.cookies.get(SESSION_COOKIE))  # a new token at every sign-in: no session fixation
    token = create_session(db, kind="borrower", subject_id=candidate, role="borrower")
    set_session_cookie(response, request, token, "borrower")
    borrower = db.get(m.Borrower, candidate)
    if borrower is not None and not request.cookies.get(LANG_COOKIE):
        # pages in the borrower's own language (notices are written in it), until they switch
        response.set_cookie(LANG_COOKIE, "en" if str(borrower.language) == "en" else "zh_CN",
                            max_age=365 * 24 * 3600, samesite="lax", path="/")
    activity.record_sign_in(db, candidate, clock.now())  # audited; not a contact (portal/activity.py)
    return response


# --- home and loans ----------------------------------------------------------------------------------------

@router.get("")
def home(request: Request, actor: Actor = READ, db: Session = DB) -> Response:
    loans = account.my_loans_now(db, actor.id)
    open_notices = [n for n in notices.notices_of(db, actor.id) if n.state == "none"]
    return render(request, "portal/home.html", loans=loans, open_notices=open_notices,
                  questionnaire=hardship.latest(db, actor.id) is not None,
                  commitments=commitments.commitments_of(db, actor.id, account.today_for(db, actor.id, clock.now())))


@router.get("/loans/{loan_id}")
def loan_page(loan_id: str, request: Request, actor: Actor = READ, db: Session = DB) -> Response:
    loan = account.loan_now(db, actor.id, loan_id)
    if loan is None:
        raise HTTPException(404, N_("no such loan"))
    return render(request, "portal/loan.html", loan=loan,
                  commitments=commitments.commitments_of(db, actor.id, account.today_for(db, actor.id, clock.now())))


@router.get("/loans/{loan_id}/terms")
def loan_terms_page(loan_id: str, request: Request, actor: Actor = READ, db: Session = DB) -> Response:
    """The contract terms in plain words: costs, what a missed payment leads to, rights, free help."""
    loan = account.loan_of(db, actor.id, loan_id, clock.now())
    if loan is None:
        raise HTTPException(404, N_("no such loan"))
    return render(request, "portal/terms.html", terms=terms.terms_of(db, actor.id, loan))


# --- notices and consent -----------------------------------------------------------------------------------

@router.get("/notices")
def notices_page(request: Request, actor: Actor = READ, db: Session = DB) -> Response:
    return render(request, "portal/notices.html", notices=notices.notices_of(db, actor.id),
                  history=notices.consents_of(db, actor.id))


@router.get("/notices/{notice_id}")
def notice_page(notice_id: str, request: Request, actor: Actor = READ, db: Session = DB) -> Response:
    notice = notices.notice_of(db, actor.id, notice_id)
    if notice is None:
        raise HTTPException(404, N_("no such notice"))
    state = notices.state_of(db, actor.id, notice)
    borrower = db.get(m.Borrower, actor.id)
    record_audit(db, actor=actor, action="notice_read", subject=f"borrower:{actor.id}", after={"notice": notice.id})
    history = [c for c in notices.consents_of(db, actor.id) if c.notice_id in (notice.id, None)
               and c.at >= notice.sent_at]
    visit = notices.visit_of(db, notice)
    return render(request, "portal/notice.html", notice=notice, state=state, history=history,
                  visit_state=visit.state.value if visit else None,
                  workflow_html=notices.rendered_notice(db, notice),
                  pack=borrower.jurisdiction.value if borrower else "cn",
                  steps=notices.allowed_decisions(db, notice, state),
                  alternatives=remote_alternatives.context(db, actor.id))


@router.post("/notices/{notice_id}/decision")
def notice_decision(notice_id: str, request: Request,
                    decision: str = Form(max_length=16, json_schema_extra={"enum": list(notices.DECISIONS)}),
                    actor: Actor = WRITE, db: Session = DB) -> Response:
    notice = notices.notice_of(db, actor.id, notice_id)
    if notice is None:
        raise HTTPException(404, N_("no such notice"))
    if decision not in notices.DECISIONS:
        raise HTTPException(422, N_("decision: granted, declined or withdrawn"))
    stopped = notices.decide(db, actor.id, notice, decision, clock.now(), evidence=f"portal session {_ip(request)}")
    return _back(f"/portal/notices/{notice_id}", "visit_stopped" if stopped else decision)


# --- contact preferences (when and how the borrower wants to be contacted; the guardrails honour them) ------

@router.get("/contact-preferences")
def contact_preferences_get(actor: Actor = READ, db: Session = DB) -> JSONResponse:
    """The borrower's own stated preferences (empty when none were stated)."""
    prefs = preferences.get_preferences(db, actor.id) or ContactPreferences()
    return JSONResponse(prefs.model_dump(mode="json"))


async def _json_body(request: Request) -> bytes:
    """A JSON body, read on the event loop (the handler is a plain `def`); any other type is answered 415."""
    if not request.headers.get("content-type", "").startswith("application/json"):
        raise UserError(N_("the body must be JSON (application/json)"),
                        code="unsupported_media_type", status=415)
    return await request.body()


JSON_BODY = Depends(_json_body)


@router.post("/contact-preferences", openapi_extra=CONTACT_PREFERENCES_BODY)
def contact_preferences_set(request: Request, actor: Actor = WRITE, raw: bytes = JSON_BODY,
                            db: Session = DB) -> JSONResponse:
    """Replace the borrower's preferences: `{"hours": [{"days": ["mon"], "start": "18:00", "end": "20:00"}],
    "channels_refused": ["call"]}` (the case file's `borrower.contact_preferences`)."""
    try:
        body = json.loads(raw)
        prefs = ContactPreferences.model_validate({**body, "stated_at": None} if isinstance(body, dict) else body)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()[:10]]) from None
    except ValueError:
        raise UserError(N_("the body must be JSON"), place="body") from None
    t = clock.now()
    saved = preferences.set_preferences(db, actor.id, prefs, actor=actor, source="portal", at=t)
    activity.record_contact(db, actor.id, t, "contact_preferences")  # the borrower is reached
    return JSONResponse(saved.model_dump(mode="json"))


@router.get("/callback-hours")
def callback_hours_page(request: Request, actor: Actor = READ, db: Session = DB) -> Response:
    """The borrower states when they want to be called (a page over the same preferences as the JSON above)."""
    return render(request, "portal/callback_hours.html", **_hours_context(db, actor.id))


def _hours_context(db: Session, borrower_id: str) -> dict[str, Any]:
    b = db.get(m.Borrower, borrower_id)  # a portal account without a ledger row yet: the default pack, UTC
    window = contact_window(load_pack(complaints.jurisdiction_of(db, borrower_id)))
    return {"prefs": preferences.get_preferences(db, borrower_id) or ContactPreferences(),
            "lawful": (f"{window.start // 3600:02d}:{window.start % 3600 // 60:02d}",
                       f"{window.end // 3600:02d}:{window.end % 3600 // 60:02d}"),
            "zone": b.timezone if b else "UTC", "weekdays": WEEKDAYS}


def _overlaps_lawful_hours(db: Session, borrower_id: str, start: str, end: str) -> bool:
    """Whether a stated window ("HH:MM", validated) shares a moment with the pack's contact hours."""
    window = contact_window(load_pack(complaints.jurisdiction_of(db, borrower_id)))
    return seconds_of_day(start) < window.end and seconds_of_day(end) > window.start


@router.post("/callback-hours", openapi_extra=CALLBACK_HOURS_FORM)
def callback_hours_submit(request: Request, actor: Actor = WRITE, form: FormData = FORM, db: Session = DB) -> Response:
    """Replace the stated hours with one window on the chosen days (or clear them); refused channels stay."""
    current = preferences.get_preferences(db, actor.id) or ContactPreferences()
    if form.get("clear"):
        hours: list[dict[str, Any]] = []
    else:
        days = [d for d in form.getlist("days") if isinstance(d, str) and d in WEEKDAYS]
        hours = [{"days": days, "start": str(form.get("start", ""))[:5], "end": str(form.get("end", ""))[:5]}]
    try:
        if hours and not hours[0]["days"]:
            raise ValueError("no day chosen")
        prefs = ContactPreferences.model_validate({"hours": hours, "channels_refused": current.channels_refused})
    except (ValueError, ValidationError):
        return render(request, "portal/callback_hours.html", status_code=422, error="hours_invalid",
                      **_hours_context(db, actor.id))
    if hours and not _overlaps_lawful_hours(db, actor.id, hours[0]["start"], hours[0]["end"]):
        # a window wholly outside the pack's contact hours could never be honoured: say so, save nothing
        return render(request, "portal/callback_hours.html", status_code=409, error="hours_outside_lawful",
                      **_hours_context(db, actor.id))
    t = clock.now()
    preferences.set_preferences(db, actor.id, prefs, actor=actor, source="portal", at=t)
    activity.record_contact(db, actor.id, t, "contact_preferences")
    return _back("/portal/callback-hours", "hours_saved" if hours else "hours_cleared")


# --- hardship questionnaire --------------------------------------------------------------------------------

@router.get("/hardship")
def hardship_page(request: Request, actor: Actor = READ, db: Session = DB) -> Response:
    return render(request, "portal/hardship.html", answers=hardship.latest(db, actor.id), form={},
                  reasons=hardship.REASONS, times=hardship.TIMES, channels=hardship.CHANNELS)


@router.post("/hardship", openapi_extra=HARDSHIP_FORM)
def hardship_submit(request: Request, actor: Actor = WRITE, form: FormData = FORM, db: Session = DB) -> Response:
    data: dict[str, Any] = {k: form.getlist(k) if k.startswith("contact_") else form.get(k) for k in form}
    try:
        answers = hardship.parse(data)
    except UserError as exc:
        return render(request, "portal/hardship.html", status_code=exc.status, answers=None, form=data, error=shown(request, exc),
                      reasons=hardship.REASONS, times=hardship.TIMES, channels=hardship.CHANNELS)
    t = clock.now()
    hardship.save(db, actor.id, answers, t)
    activity.record_contact(db, actor.id, t, "hardship_questionnaire")
    activity.open_hardship_review(db, actor.id, t, answers.reason)
    return RedirectResponse("/portal/plan?done=hardship", status_code=303)


# --- repayment plan ----------------------------------------------------------------------------------------

def _plan_rows(form: Any) -> list[Instalment]:
    rows: list[Instalment] = []
    dates, amounts = form.getlist("date"), form.getlist("amount")
    for i, (d, a) in enumerate(zip(dates, amounts, strict=False)):
        if not str(d).strip() and not str(a).strip():
            continue
        try:
            rows.append(Instalment(date.fromisoformat(str(d)), to_minor(Decimal(str(a).replace(",", "")))))
        except (ValueError, InvalidOperation):
            raise UserError(N_("row {row}: enter a date and an amount such as 500"),
                            place=f"row {i + 1}", row=i + 1) from None
        if rows[-1].amount_minor <= 0:
            raise UserError(N_("row {row}: the amount must be more than 0"), place=f"row {i + 1}", row=i + 1)
    if not rows:
        raise UserError(N_("add at least one payment date and amount"))
    if len(rows) > 36:
        raise UserError(N_("at most 36 payments"))
    return rows


def _plan_context(db: Session, actor: Actor, request: Request) -> dict[str, Any]:
    """The loans a plan can cover, every rule, and the affordable amount worked out from the questionnaire,
    less the contractual instalments still falling due on every loan of the borrower."""
    t = clock.now()
    mine = account.my_loans(db, actor.id, t)
    today = account.today_for(db, actor.id, t)
    rules = plans.plan_rules()
    answers = hardship.latest(db, actor.id)
    upcoming = [Instalment(i.due_date, i.amount_minor - i.paid_minor) for ln in mine for i in ln.installments
                if i.status != "paid" and i.due_date >= today]
    committed = plans.committed_by_month(upcoming)
    afford = answers.affordability() if answers else None
    monthly = afford.monthly_minor(rules) if afford else None
    work = None if afford is None else {
        "income": afford.income_minor, "expenses": afford.expenses_minor, "dependants": afford.dependants,
        "allowance": afford.dependants * rules.allowance_per_dependant_minor,
        "disposable": afford.income_minor - afford.expenses_minor - afford.dependants * rules.allowance_per_dependant_minor,
        "share": round(rules.share_of_disposable * 100), "monthly": monthly,
        "committed": sorted(committed.items())[:rules.max_term_months],
        "free": plans.free_for_plan(monthly, committed, today, rules)}
    return {"loans": [ln for ln in mine if ln.overdue_minor > 0], "rules": rules, "answers": answers,
            "upcoming": upcoming, "work": work, "today": today}


@router.get("/plan")
def plan_page(request: Request, actor: Actor = READ, db: Session = DB) -> Response:
    return render(request, "portal/plan.html", result=None, **_plan_context(db, actor, request))


@router.post("/plan")
def plan_submit(request: Request, actor: Actor = WRITE, form: FormData = FORM, db: Session = DB) -> Response:
    ctx = _plan_context(db, actor, request)
    loan = next((ln for ln in ctx["loans"] if ln.loan_id == form.get("loan_id")), None)
    if loan is None:
        raise HTTPException(404, N_("no such loan with an overdue amount"))
    try:
        proposed = _plan_rows(form)
    except UserError as exc:
        return render(request, "portal/plan.html", status_code=exc.status, result=None, error=shown(request, exc), loan=loan, **ctx)
    answers = ctx["answers"]
    t = clock.now()
    result = plans.evaluate(proposed, loan.overdue_minor, ctx["today"],
                            answers.affordability() if answers else None, upcoming=ctx["upcoming"])
    row = plans.record_proposal(db, actor.id, loan.loan_id, proposed, result, t)
    activity.record_contact(db, actor.id, t, "plan_proposal", loan.loan_id)
    if result.outcome == "accepted":
        plans.accept_plan(db, actor.id, loan.loan_id, proposed, t, row.id)
    return render(request, "portal/plan.html", result=result, proposal_id=row.id, loan=loan, proposed=proposed,
                  **ctx)


@router.post("/plan/{proposal_id}/accept")
def plan_accept_counter(proposal_id: RowId, request: Request, actor: Actor = WRITE, db: Session = DB) -> Response:
    """Accept the counter-offer exactly as it was made (read back from the stored proposal, never the form)."""
    row = db.get(PlanProposal, proposal_id)
    if row is None or row.borrower_id != actor.id or row.outcome != "counter_offer" or not row.counter:
        raise HTTPException(404, N_("no such counter-offer"))
    counter = [Instalment(date.fromisoformat(i["date"]), int(i["amount_minor"])) for i in json.loads(row.counter)]
    t = clock.now()
    accepted = plans.Evaluation("accepted", [], counter)
    new = plans.record_proposal(db, actor.id, row.loan_id, counter, accepted, t)
    activity.record_contact(db, actor.id, t, "plan_accepted", row.loan_id)
    plans.accept_plan(db, actor.id, row.loan_id, counter, t, new.id)
    return _back("/portal/plan", "plan_accepted")


# --- promise to pay ----------------------------------------------------------------------------------------

@router.get("/promise")
def promise_page(request: Request, actor: Actor = READ, db: Session = DB) -> Response:
    loans = [ln for ln in account.my_loans(db, actor.id, clock.now()) if ln.overdue_minor > 0]
    return render(request, "portal/promise.html", loans=loans)


@router.post("/promise")
def promise_submit(request: Request, loan_id: str = Form(min_length=1, max_length=64),
                   promised_date: str = Form(max_length=10, json_schema_extra={"pattern": f"^{DATE_PATTERN}$"}),
                   amount: str = Form(max_length=20, json_schema_extra={"pattern": AMOUNT_PATTERN}),
                   actor: Actor = WRITE, db: Session = DB) -> Response:
    """A date past the strategy's horizon from the borrower's today, or an amount under the least this loan's
    overdue allows, answers 409 on the re-shown page (what is allowed now, not the form)."""
    loans = [ln for ln in account.my_loans(db, actor.id, clock.now()) if ln.overdue_minor > 0]
    loan = next((ln for ln in loans if ln.loan_id == loan_id), None)
    if loan is None:
        raise HTTPException(404, N_("no such loan with an overdue amount"))
    params = load_strategy("standard").params
    try:
        when = date.fromisoformat(promised_date)
        Decimal(amount.replace(",", "").strip())
    except (ValueError, InvalidOperation):
        return render(request, "portal/promise.html", status_code=422, loans=loans, error="promise_invalid")
    today = account.today_for(db, actor.id, clock.now())
    try:
        check_promised_date(params, today, when)  # the strategy's one horizon rule
    except UserError:
        return render(request, "portal/promise.html", status_code=409, loans=loans, error="promise_invalid")
    try:
        minor = promise_amount_minor(amount, params, loan.overdue_minor, loan.balance_minor)
    except PromiseTooLarge:
        return render(request, "portal/promise.html", status_code=409, loans=loans, error="promise_too_large")
    except ValueError:
        return render(request, "portal/promise.html", status_code=409, loans=loans, error="promise_too_small")
    t = clock.now()
    record_promise(db, borrower_id=actor.id, loan_id=loan_id, promised_date=when, amount_minor=minor,
                   channel="portal", today=today, actor=actor, params=params, made_at=t)
    activity.record_contact(db, actor.id, t, "promise", loan_id, outcome="ptp")
    return _back("/portal", "promise")


# --- paying through the lender's payment provider (duecare/payments) ---------------------------------------

def _payable(db: Session, actor: Actor, request: Request) -> list[account.LoanView]:
    return [ln for ln in account.my_loans(db, actor.id, clock.now()) if ln.balance_minor > 0]


def _callback_url(request: Request) -> str:
    """Where the provider confirms: the configured public address, else the address the borrower used."""
    from duecare.kit.settings import get_settings

    s = get_settings()
    base = s.public_url.rstrip("/") if "public_url" in s.model_fields_set else str(request.base_url).rstrip("/")
    return f"{base}/portal/payments/callback"


def _may_post_to_provider(response: Response) -> Response:
    """The pay form's answer is a redirect to the provider's checkout: the page's CSP `form-action` names the
    provider's origin as well as our own (browsers apply form-action to where a form's redirect leads)."""
    from urllib.parse import urlsplit

    from duecare.kit.settings import get_settings
    from duecare.privacy.security import DEFAULT_CSP

    url = get_settings().payment_provider_url
    if url:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        response.headers["Content-Security-Policy"] = DEFAULT_CSP.replace("form-action 'self'",
                                                                          f"form-action 'self' {origin}")
    return response


@router.get("/pay")
def pay_page(request: Request, loan: str = "", actor: Actor = READ, db: Session = DB) -> Response:
    from duecare.payments.provider import configured_provider

    return _may_post_to_provider(render(request, "portal/pay.html", loans=_payable(db, actor, request), chosen=loan,
                                        available=configured_provider() is not None))


@router.post("/pay")
def pay_submit(request: Request, loan_id: str = Form(min_length=1, max_length=64),
               amount: str = Form(max_length=20, json_schema_extra={"pattern": AMOUNT_PATTERN}),
               actor: Actor = WRITE, db: Session = DB) -> Response:
    """Start a payment: an intent, then the browser goes to the provider's checkout page (303). More than the
    loan still owes answers 409 (the balance, not the form)."""
    from duecare.payments import service as payments
    from duecare.payments.provider import ProviderUnavailable, configured_provider

    loans = _payable(db, actor, request)
    provider = configured_provider()
    loan = next((ln for ln in loans if ln.loan_id == loan_id), None)
    if loan is None:
        raise HTTPException(404, N_("no such loan with an amount to repay"))
    ctx = {"loans": loans, "chosen": loan_id, "available": provider is not None}
    if provider is None:
        return render(request, "portal/pay.html", status_code=503, error="pay_unavailable", **ctx)
    try:
        minor = to_minor(Decimal(amount.replace(",", "").strip()))
    except (InvalidOperation, ValueError):
        minor = 0
    if not 0 < minor <= loan.balance_minor:
        status = 409 if minor > loan.balance_minor else 422
        return _may_post_to_provider(render(request, "portal/pay.html", status_code=status, error="pay_amount", **ctx))
    try:
        _, url = payments.start(db, provider, borrower_id=actor.id, loan_id=loan.loan_id, amount_minor=minor,
                                currency=loan.currency, at=clock.now(),
                                return_url=str(request.base_url).rstrip("/") + "/portal/pay/return",
                                callback_url=_callback_url(request))
    except ProviderUnavailable:
        return render(request, "portal/pay.html", status_code=503, error="pay_unreachable", **ctx)
    return RedirectResponse(url, status_code=303)


@router.get("/pay/return")
def pay_return(request: Request, intent: str = "", actor: Actor = READ, db: Session = DB) -> Response:
    """Where the provider sends the browser back: the payment's state and the loan as it stands now."""
    from duecare.payments import service as payments

    row = payments.intent_of(db, actor.id, intent[:64])
    if row is None:
        raise HTTPException(404, N_("no such payment"))
    loan = account.loan_of(db, actor.id, row.loan_id, clock.now())
    return render(request, "portal/pay_return.html", intent=row, loan=loan)


@router.post("/payments/callback")
def payment_callback(request: Request, _: Actor = PAYMENT_CALLBACK, raw: bytes = BODY,
                     db: Session = DB) -> JSONResponse:
    """The provider's signed confirmation (payments/callback.py). Idempotent: a replay answers 200 with
    `duplicate: true` and writes nothing."""
    from duecare.payments import service as payments

    try:
        body = json.loads(raw)
        if not isinstance(body, dict):
            raise ValueError
    except ValueError:
        return JSONResponse({"error": "the body must be a JSON object"}, status_code=422)
    try:
        done = payments.confirm(db, body, clock.now())
    except payments.CallbackRejected as exc:
        return JSONResponse({"error": exc.reason}, status_code=exc.status)
    paid = db.get(PaymentIntent, done.intent_id) if done.recorded else None
    if paid is not None:  # the borrower's own action in the portal: an inbound contact on their timeline
        activity.record_contact(db, paid.borrower_id, clock.now(), "payment", loan_id=paid.loan_id)
    return JSONResponse({"intent": done.intent_id, "state": done.state, "recorded": done.recorded,
                         "duplicate": done.duplicate, "payment": done.payment_id})


# --- my data, complaints, decisions ------------------------------------------------------------------------

def _data_page(request: Request, db: Session, actor: Actor, status: int = 200, **extra: Any) -> Response:
    b = db.get(m.Borrower, actor.id)
    audit_read(db, actor, f"borrower:{actor.id}", ["name", "phones", "email", "address", "visit_reports"],
               purpose="own_data_view")
    reports = [{"visit": case.id, "facts": [{"field": k, "value": v} for k, v in facts.items()
                                            if k in corrections.CORRECTABLE]}
               for case, facts in corrections.reports_of(db, actor.id)]
    return render(request, "portal/data.html", status_code=status, borrower=b,
                  requests=rights.requests_of(db, actor.id), complaints=rights.complaints_of(db, actor.id),
                  reviews=rights.reviews_of(db, actor.id), visit_reports=reports,
                  correctable=corrections.CORRECTABLE, **extra)


@router.get("/data")
def data_page(request: Request, actor: Actor = RIGHTS, db: Session = DB) -> Response:
    return _data_page(request, db, actor)


@router.get("/data/export.json")
def data_export(actor: Actor = RIGHTS, db: Session = DB) -> JSONResponse:
    body = rights.export(db, actor.id)
    return JSONResponse(body, headers={"Content-Disposition": 'attachment; filename="my-duecare-data.json"'})


@router.post("/data/request", openapi_extra=DATA_REQUEST_FORM)
def data_request(request: Request, actor: Actor = RIGHTS, form: FormData = FORM, db: Session = DB) -> Response:
    try:
        rights.request_change(db, actor.id, text(form, "kind", 16), text(form, "details", 2000), clock.now())
    except UserError as exc:
        return _data_page(request, db, actor, exc.status, error=shown(request, exc))
    return _back("/portal/data", "request")


@router.post("/data/visit-correction", openapi_extra=VISIT_CORRECTION_FORM)
def visit_report_correction(request: Request, actor: Actor = RIGHTS, form: FormData = FORM,
                            db: Session = DB) -> Response:
    """Ask for one fact of a visit report to be corrected; a person reviews it (PIPL Art. 46). No report of the
    borrower's with this reference answers 404, a correction of the same fact already under review 409."""
    try:
        corrections.request(db, actor.id, text(form, "visit", 64), text(form, "field", 40), text(form, "value", 200),
                            text(form, "reason", 1000), clock.now())
    except UserError as exc:
        return _data_page(request, db, actor, exc.status, error=shown(request, exc))
    return _back("/portal/data", "request")


def _reply_by(db: Session, borrower_id: str) -> date:
    """The day by which a complaint made now is answered (portal/complaints.py), in the borrower's calendar."""
    return complaints.reply_due(complaints.jurisdiction_of(db, borrower_id), account.today_for(db, borrower_id, clock.now()))


@router.get("/complaint")
def complaint_page(request: Request, actor: Actor = RIGHTS, db: Session = DB) -> Response:
    return render(request, "portal/complaint.html", categories=rights.COMPLAINT_CATEGORIES,
                  reply_by=_reply_by(db, actor.id))


@router.post("/complaint")
def complaint_submit(request: Request,
                     category: str = Form(max_length=32, json_schema_extra={"enum": list(rights.COMPLAINT_CATEGORIES)}),
                     text: str = Form(max_length=4000, json_schema_extra={"pattern": rights.COMPLAINT_TEXT_PATTERN}),
                     actor: Actor = RIGHTS, db: Session = DB) -> Response:
    try:
        rights.complain(db, actor.id, category, text, clock.now())
    except UserError as exc:
        return render(request, "portal/complaint.html", status_code=exc.status, categories=rights.COMPLAINT_CATEGORIES,
                      error=shown(request, exc), text=text, reply_by=_reply_by(db, actor.id))
    return _back("/portal/data", "complaint")


@router.get("/decisions")
def decisions_page(request: Request, actor: Actor = READ, db: Session = DB) -> Response:
    from duecare.web.explain import borrower_explanations

    return render(request, "portal/decisions.html", items=borrower_explanations(db, actor, clock.now()),
                  reviews=rights.reviews_of(db, actor.id))


@router.post("/decisions/review")
def decisions_review(request: Request, loan_id: str = Form(min_length=1, max_length=64), reason: str = Form("", max_length=2000),
                     actor: Actor = REVIEW, db: Session = DB) -> Response:
    from duecare.web.explain import borrower_explanations

    item = next((i for i in borrower_explanations(db, actor, clock.now()) if i["loan_id"] == loan_id), None)
    if item is None:
        raise HTTPException(404, N_("no such decision"))
    rights.ask_review(db, actor.id, item["ref"], item["summary"], reason)
    return _back("/portal/decisions", "review")
