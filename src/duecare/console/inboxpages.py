"""The staff inbox pages (`/console/inbox`): list every borrower request with its deadline, and handle it.

Each form calls the domain's service with the same permission the API asks for: data-subject requests
`rights.manage`, reviews `review.manage`, complaints and referrals `review.manage`, hardship reviews
`holds.manage`. Errors re-show the inbox with the reason.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from duecare.console import inbox
from duecare.kit import clock
from duecare.kit.bounds import NOT_BLANK, RowId
from duecare.kit.errors import Conflict, NotFound, UserError
from duecare.kit.i18n import N_
from duecare.portal import complaints
from duecare.portal import rights as portal_rights
from duecare.privacy import rights
from duecare.privacy.audit import audit_read
from duecare.privacy.deps import DB, FORM, require
from duecare.privacy.permissions import Actor
from duecare.visits import corrections
from duecare.web.errors import shown
from duecare.web.forms import field, form_body, text, variant
from duecare.web.templating import render

router = APIRouter()
READ = Depends(require("review.manage"))
RIGHTS = Depends(require("rights.manage"))
REVIEWS = Depends(require("review.manage"))
HOLDS = Depends(require("holds.manage"))


def _page(request: Request, db: Session, actor: Actor, status: int = 200, **extra: Any) -> Response:
    now = clock.now()
    items = inbox.everything(db, actor, now)
    # The page shows borrowers' own words (review reasons, complaint texts): the read is recorded.
    audit_read(db, actor, "inbox", ["review_reasons", "complaint_texts", "request_details"], purpose="request handling")
    return render(request, "console/inbox.html", status_code=status, items=items, totals=inbox.counts(items),
                  reply_rules=complaints.REPLY_RULES,
                  referral_outcomes=inbox.REFERRAL_OUTCOMES, **extra)


def _done(what: str) -> Response:
    return RedirectResponse(f"/console/inbox?done={what}", status_code=303)


@router.get("/inbox")
def inbox_page(request: Request, actor: Actor = READ, db: Session = DB) -> Response:
    return _page(request, db, actor)


@router.post("/inbox/requests/{request_id}/assign")
def assign_request(request_id: RowId, request: Request, actor: Actor = RIGHTS, db: Session = DB) -> Response:
    try:
        inbox.assign_request(db, actor, request_id, clock.now())
    except UserError as exc:
        return _page(request, db, actor, exc.status, error=shown(request, exc))
    return _done("assigned")


@router.post("/inbox/requests/{request_id}/answer")
def answer_request(request_id: RowId, request: Request,
                   field: str = Form("", max_length=40, json_schema_extra={"enum": list(rights.CORRECTABLE)}),
                   value: str = Form("", max_length=1000), actor: Actor = RIGHTS, db: Session = DB) -> Response:
    """Access: the export; correction: the field and its new value; deletion: delete unless the law keeps it.
    What the stored request asks for decides what the form must carry: a mismatch answers 409."""
    from duecare.privacy.models import SubjectRequest

    req = db.get(SubjectRequest, request_id)
    try:
        if req is None:
            raise NotFound(N_("no request {request_id}"), place="request", request_id=request_id)
        if req.kind == "access":
            inbox.answer_access(db, actor, request_id, clock.now())
        elif req.kind == "correction":
            if corrections.of_request(db, request_id) is not None:
                raise Conflict(N_("this asks to correct a visit report: approve or refuse it"),
                               place="request")
            if not field:
                raise Conflict(N_("this asks for a correction: choose the field and give its new value"),
                               place="field")
            rights.apply_correction(db, actor, request_id, field, value)
        else:
            rights.handle_deletion(db, actor, request_id, clock.now().date())
    except UserError as exc:
        return _page(request, db, actor, exc.status, error=shown(request, exc))
    return _done("answered")


# Approving needs nothing more; refusing needs the reasons (PIPL Art. 50).
REPORT_CORRECTION_FORM = form_body(
    variant(["decision"], decision=field(["approve"]), note=field(None, maxLength=2000)),
    variant(["decision", "note"], decision=field(["refuse"]), note=field(None, maxLength=2000, pattern=NOT_BLANK)))


@router.post("/inbox/requests/{request_id}/report-correction", openapi_extra=REPORT_CORRECTION_FORM)
def decide_report_correction(request_id: RowId, request: Request, actor: Actor = RIGHTS, form: FormData = FORM,
                             db: Session = DB) -> Response:
    """A borrower's correction of a visit report: applied (the original kept) or refused with the reasons."""
    decision = text(form, "decision", 8)
    try:
        if decision not in ("approve", "refuse"):
            raise UserError(N_("decision: approve or refuse"), place="decision")
        corrections.decide(db, actor, request_id, decision == "approve", text(form, "note", 2000), clock.now())
    except UserError as exc:
        return _page(request, db, actor, exc.status, error=shown(request, exc))
    return _done("answered")


@router.post("/inbox/reviews/{review_id}")
def resolve_review(review_id: RowId, request: Request,
                   outcome: str = Form(max_length=16, json_schema_extra={"enum": list(rights.REVIEW_OUTCOMES)}),
                   note: str = Form(max_length=4000, json_schema_extra={"pattern": NOT_BLANK}), actor: Actor = REVIEWS,
                   db: Session = DB) -> Response:
    try:
        if not note.strip():
            raise UserError(N_("note: say what the person reviewing found"), place="note")
        rights.resolve_review(db, actor, review_id, outcome, note.strip())
    except UserError as exc:
        return _page(request, db, actor, exc.status, error=shown(request, exc))
    return _done("reviewed")


@router.post("/inbox/complaints/{complaint_id}/assign")
def assign_complaint(complaint_id: RowId, request: Request, actor: Actor = REVIEWS, db: Session = DB) -> Response:
    try:
        complaints.assign(db, actor, complaint_id, actor.id, clock.now())
    except UserError as exc:
        return _page(request, db, actor, exc.status, error=shown(request, exc))
    return _done("assigned")


@router.post("/inbox/complaints/{complaint_id}/answer")
def answer_complaint(complaint_id: RowId, request: Request,
                     reply: str = Form(max_length=complaints.REPLY_MAX,
                                       json_schema_extra={"pattern": portal_rights.COMPLAINT_TEXT_PATTERN}),
                     actor: Actor = REVIEWS, db: Session = DB) -> Response:
    try:
        complaints.answer(db, actor, complaint_id, reply, clock.now())
    except UserError as exc:
        return _page(request, db, actor, exc.status, error=shown(request, exc))
    return _done("answered")


@router.post("/inbox/referrals/{proposal_id}/assign")
def assign_referral(proposal_id: RowId, request: Request, actor: Actor = REVIEWS, db: Session = DB) -> Response:
    try:
        inbox.assign_referral(db, actor, proposal_id, clock.now())
    except UserError as exc:
        return _page(request, db, actor, exc.status, error=shown(request, exc))
    return _done("assigned")


@router.post("/inbox/referrals/{proposal_id}/close")
def close_referral(proposal_id: RowId, request: Request,
                   outcome: str = Form(max_length=32, json_schema_extra={"enum": list(inbox.REFERRAL_OUTCOMES)}),
                   note: str = Form(max_length=inbox.NOTE_MAX, json_schema_extra={"pattern": NOT_BLANK}),
                   actor: Actor = REVIEWS, db: Session = DB) -> Response:
    try:
        inbox.close_referral(db, actor, proposal_id, outcome, note, clock.now())
    except UserError as exc:
        return _page(request, db, actor, exc.status, error=shown(request, exc))
    return _done("referral_closed")


@router.post("/inbox/hardship/{hold_id}/assign")
def assign_hardship(hold_id: str, request: Request, actor: Actor = HOLDS, db: Session = DB) -> Response:
    try:
        inbox.assign_hardship(db, actor, hold_id, clock.now())
    except UserError as exc:
        return _page(request, db, actor, exc.status, error=shown(request, exc))
    return _done("assigned")


@router.post("/inbox/hardship/{hold_id}/close")
def close_hardship(hold_id: str, request: Request, note: str = Form("", max_length=4000), actor: Actor = HOLDS,
                   db: Session = DB) -> Response:
    try:
        inbox.close_hardship(db, actor, hold_id, clock.now(), note)
    except UserError as exc:
        return _page(request, db, actor, exc.status, error=shown(request, exc))
    return _done("closed")
