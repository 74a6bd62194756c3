"""The agent's side of a video or phone appointment (issue 17): the visit's scoped checklist, the call (WebRTC,
signalling over `/rtc/{id}`, nothing recorded) and the same scoped report a visit files, with source `video` or
`phone`. Filing it verifies the borrower's remote alternative: the visit need is closed (`verified_remotely`).
Only `video.call` holders, for borrowers in their scope (agents: assigned borrowers)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from duecare.kit import clock
from duecare.kit.errors import TransitionError
from duecare.kit.i18n import N_
from duecare.portal.video import CALL_HEADERS, ice_servers
from duecare.privacy.deps import DB, FORM, require
from duecare.privacy.permissions import Actor
from duecare.visits import video as calls
from duecare.visits.report import EmploymentStatus, HardshipCategory, ReportRefused, Willingness
from duecare.visits.scope import load_visit_policy
from duecare.web.errors import shown
from duecare.web.i18n import request_locale
from duecare.web.templating import render

router = APIRouter()
CALL = Depends(require("video.call"))
MONEY_FIELDS = ("monthly_income", "monthly_expenses", "other_debts_monthly", "capacity_monthly")
CHOICES = {"employment_status": [e.value for e in EmploymentStatus],
           "hardship_category": [h.value for h in HardshipCategory], "willingness": [w.value for w in Willingness]}


def _page(request: Request, db: Session, actor: Actor, appointment_id: str, status: int = 200,
          **extra: Any) -> Response:
    appt = calls.for_staff(db, actor, appointment_id)
    policy = load_visit_policy()
    scoped = set(policy.scope_fields)
    response = render(request, "console/video.html", status_code=status, appt=appt, role="agent",
                      token=calls.join_token(appt, f"staff:{actor.id}") if appt.state.value == "booked" else "",
                      ice=ice_servers(), checklist=policy.checklist("zh" if request_locale(request) == "zh_CN" else "en"),
                      money_fields=[f for f in MONEY_FIELDS if f in scoped],
                      choices={k: v for k, v in CHOICES.items() if k in scoped}, **extra)
    response.headers.update(CALL_HEADERS)
    return response


@router.get("/video")
def appointments_page(request: Request, actor: Actor = CALL, db: Session = DB) -> Response:
    return render(request, "console/video_list.html", rows=calls.booked_for_staff(db, actor))


@router.get("/video/{appointment_id}")
def video_page(appointment_id: str, request: Request, actor: Actor = CALL, db: Session = DB) -> Response:
    return _page(request, db, actor, appointment_id)


@router.post("/video/{appointment_id}/report")
def video_report(appointment_id: str, request: Request, actor: Actor = CALL, form: FormData = FORM,
                 db: Session = DB) -> Response:
    fields: dict[str, Any] = {}
    try:
        for name in MONEY_FIELDS:
            value = str(form.get(name) or "").strip()
            if value:
                fields[name] = str(Decimal(value.replace(",", "")))
    except InvalidOperation:
        return _page(request, db, actor, appointment_id, 422, error=shown(request, N_("amounts: enter numbers such as 3000")))
    for name in CHOICES:
        value = str(form.get(name) or "").strip()
        if value:
            fields[name] = value
    raw: dict[str, Any] = {"outcome": str(form.get("outcome") or "met_borrower"), "fields": fields}
    notes = str(form.get("notes") or "").strip()
    if notes:
        raw["notes"] = notes
    try:
        calls.file_report(db, actor, appointment_id, raw, clock.now())
    except ReportRefused as exc:
        return _page(request, db, actor, appointment_id, 422, error=shown(request, exc), reasons=exc.reasons)
    except TransitionError as exc:
        return _page(request, db, actor, appointment_id, 409, error=shown(request, exc))
    return RedirectResponse(f"/console/video/{appointment_id}?done=filed", status_code=303)
