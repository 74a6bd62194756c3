"""REST API of the home-visit workflow (`router`), used by the console and the portal.

Every route declares its permission with `require(...)`. Errors: 404 unknown (or not visible) visit, 409 a
transition the table refuses or a closed gate (`{"code": ..., "message": ..., "unmet": [...]}`), 422 bad input
or a refused report (with its reasons). A step is refused while the gate is closed for it: when a standing
condition no longer holds the visit is stopped at once (cancelled or on_hold, committed) and the answer is
409 `gate_closed` with the reasons; when only this step's own condition is unmet (approving while the notice
period runs) the answer is 409 `gate_closed` and nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from duecare.kit import clock
from duecare.kit.bounds import NOT_BLANK, SHA256_PATTERN, Day, moment_schema
from duecare.kit.errors import NotFound
from duecare.kit.i18n import N_
from duecare.privacy.audit import audit_read
from duecare.privacy.deps import DB, require
from duecare.privacy.permissions import Actor
from duecare.visits import notice as notice_mod
from duecare.visits import register, repository, service, views
from duecare.visits.models import VisitState
from duecare.visits.scope import load_visit_policy
from duecare.visits.transitions import use_clock

router = APIRouter(tags=["visits"])
# One dependency per permission (FastAPI reads these defaults; each route names exactly one).
ALLOW_CONSENT_EVIDENCE = Depends(require("consent.evidence"))
ALLOW_PORTAL_READ = Depends(require("portal.read"))
ALLOW_PORTAL_WRITE = Depends(require("portal.write"))
ALLOW_VISITS_APPROVE = Depends(require("visits.approve"))
ALLOW_VISITS_CANCEL = Depends(require("visits.cancel"))
ALLOW_VISITS_CONSENT_RECORD = Depends(require("visits.consent.record"))
ALLOW_VISITS_NOTICE = Depends(require("visits.notice"))
ALLOW_VISITS_PROPOSE = Depends(require("visits.propose"))
ALLOW_VISITS_READ = Depends(require("visits.read"))
ALLOW_VISITS_REGISTER = Depends(require("visits.register"))
ALLOW_VISITS_REPORT = Depends(require("visits.report"))
ALLOW_VISITS_REVIEW = Depends(require("visits.review"))
ALLOW_VISITS_SCHEDULE = Depends(require("visits.schedule"))

ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such visit (or not visible to you)"},
    409: {"description": "Transition refused by the table, or the gate closed (visit cancelled)"},
    422: {"description": "Invalid input or a refused report, with reasons"},
}


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProposeIn(_Body):
    loan_id: str = Field(max_length=64)


class AnswerIn(_Body):
    decision: Literal["granted", "declined"]
    notice_version_hash: str = Field(min_length=64, max_length=64, json_schema_extra={"pattern": SHA256_PATTERN},
                                     description="sha256 of the notice text shown (64 lowercase hex digits)")


class RecordAnswerIn(AnswerIn):
    """Staff record an answer on the borrower's word. Only a decline is accepted: a grant needs the borrower's
    own act (portal, a verified reply, or a consent form verified by a second person); 422 otherwise."""

    # The schema admits only `declined`; `granted` is still parsed so the service answers why it is refused.
    decision: Literal["granted", "declined"] = Field(json_schema_extra={"enum": ["declined"]})
    channel: Literal["letter", "in_person_form", "call", "in_person"]
    evidence: str = Field(min_length=1, max_length=500, json_schema_extra={"pattern": NOT_BLANK},
                          description="letter reference or call id")


class RecordWithdrawalIn(_Body):
    channel: Literal["sms_reply", "email_reply", "letter", "in_person_form", "call", "in_person"]
    evidence: str = Field(min_length=1, max_length=500)


class ConsentFormIn(_Body):
    kind: Literal["signed_form", "recorded_statement"]
    document_sha256: str = Field(min_length=64, max_length=64, json_schema_extra={"pattern": SHA256_PATTERN},
                                 description="sha256 of the uploaded file (64 lowercase hex digits)")
    document_ref: str = Field(min_length=1, max_length=500, json_schema_extra={"pattern": NOT_BLANK},
                              description="where the document/recording is kept")
    signed_at: datetime = Field(json_schema_extra=moment_schema,
                                description="when the borrower signed or spoke (ISO 8601 with offset)")


class VerifyFormIn(_Body):
    accept: bool


class PartnerIn(_Body):
    partner: str = Field(min_length=1, max_length=64, description="the other field agent of this visit")


class DoorWithdrawalIn(_Body):
    evidence: str = Field(min_length=1, max_length=500, description="what the borrower said, e.g. 'asked us to leave'")


class ApprovalIn(_Body):
    approve: bool
    comment: str = Field(min_length=1, max_length=2000)


class ScheduleIn(_Body):
    agents: Annotated[list[str], Field(min_length=2, max_length=2)] | None = None
    day: Day | None = Field(default=None, alias="date",
                             description="the borrower-local day; default: the first that fits")


class ReviewIn(_Body):
    comment: str = Field(min_length=1, max_length=2000)


class CancelIn(_Body):
    reason: str = Field(min_length=1, max_length=80, description="a reason code, e.g. borrower_moved")
    comment: str | None = Field(default=None, max_length=2000)


class PreferredTime(_Body):
    weekday: int = Field(ge=0, le=6, description="0 = Monday")
    start: time
    end: time


class PreferencesIn(_Body):
    times: list[PreferredTime] = Field(min_length=1, max_length=21)


def _ctx(request: Request, db: Session, actor: Actor) -> service.Ctx:
    fake: Callable[[], datetime] | None = getattr(request.app.state, "clock", None)
    if fake is not None:
        use_clock(db, fake)  # re-checks at commit run at the app's clock too
    return service.Ctx(session=db, actor=actor, at=clock.now(), policy=load_visit_policy())


def _result(db: Session, result: service.StepResult) -> Any:
    body = views.visit_view(db, result.visit)
    if result.stopped:
        message = f"the gate no longer allows this visit; it is now {result.visit.state}"
        return JSONResponse(status_code=409, content={
            "error": message, "code": "gate_closed", "message": message,
            "reasons": result.stopped, "unmet": result.stopped, "visit": body})
    if result.gate is not None:
        body["gate"] = {"action": result.gate.action, "unmet": result.gate.unmet, "digest": result.gate.digest}
    return body


@router.get("/visits", summary="List visits you may see", responses=ERRORS)
def list_visits(state: VisitState | None = None, actor: Actor = ALLOW_VISITS_READ, db: Session = DB) -> Any:
    return [views.visit_view(db, v, timeline=False) for v in repository.list_visits(db, actor, state)]


@router.post("/visits", status_code=201, summary="Propose a visit for a loan the gate puts on the visit track",
             responses=ERRORS)
def propose(body: ProposeIn, request: Request, actor: Actor = ALLOW_VISITS_PROPOSE,
            db: Session = DB) -> Any:
    return _result(db, service.propose(_ctx(request, db, actor), body.loan_id))


@router.get("/visits/{visit_id}", summary="A visit with its timeline", responses=ERRORS)
def get_visit(visit_id: str, actor: Actor = ALLOW_VISITS_READ, db: Session = DB) -> Any:
    return views.visit_view(db, repository.get_visit(db, visit_id, actor))


@router.get("/visits/{visit_id}/gate", summary="The full gate evaluation now, with reasons and rule sources",
            responses=ERRORS)
def gate(visit_id: str, request: Request, actor: Actor = ALLOW_VISITS_APPROVE,
         db: Session = DB) -> Any:
    return service.gate_now(_ctx(request, db, actor), visit_id).as_json()


@router.post("/visits/{visit_id}/notice", summary="Render, hash and send the transparency notice", responses=ERRORS)
def send_notice(visit_id: str, request: Request, actor: Actor = ALLOW_VISITS_NOTICE,
                db: Session = DB) -> Any:
    return _result(db, service.send_notice(_ctx(request, db, actor), visit_id))


def _notice_response(db: Session, visit_id: str, actor: Actor, fmt: str) -> Response:
    visit = repository.get_visit(db, visit_id, actor)
    doc = repository.notice_document(db, visit.notice_id) if visit.notice_id else None
    if doc is None:
        raise repository.NotFound(N_("visit {visit_id} has no notice yet"), visit_id=visit_id)
    headers = {"X-Notice-Version-Hash": doc.version_hash, "X-Notice-Template-Version": doc.template_version}
    if fmt == "pdf":
        return Response(notice_mod.to_pdf(doc.canonical_text), media_type="application/pdf", headers=headers)
    if fmt == "html":
        return Response(notice_mod.to_html(doc.canonical_text, doc.language), media_type="text/html",
                        headers=headers)
    return PlainTextResponse(doc.canonical_text, headers=headers)


@router.get("/visits/{visit_id}/notice", summary="The notice as sent (text, html or pdf)", responses=ERRORS)
def get_notice(visit_id: str, format: Literal["text", "html", "pdf"] = "html",
               actor: Actor = ALLOW_VISITS_READ, db: Session = DB) -> Response:
    return _notice_response(db, visit_id, actor, format)


@router.get("/portal/visits/{visit_id}/notice", summary="The borrower reads their notice", responses=ERRORS)
def my_notice(visit_id: str, format: Literal["text", "html", "pdf"] = "html",
              actor: Actor = ALLOW_PORTAL_READ, db: Session = DB) -> Response:
    return _notice_response(db, visit_id, actor, format)


@router.post("/portal/visits/{visit_id}/consent", summary="The borrower consents or declines (one step)",
             responses=ERRORS)
def my_answer(visit_id: str, body: AnswerIn, request: Request, actor: Actor = ALLOW_PORTAL_WRITE,
              db: Session = DB) -> Any:
    session_row = getattr(request.state, "auth_session", None)
    evidence = f"portal-session:{session_row.token_hash[:16]}" if session_row is not None else "portal"
    return _result(db, service.answer(_ctx(request, db, actor), visit_id, body.decision, channel="portal",
                                      evidence=evidence, notice_version_hash=body.notice_version_hash))


@router.post("/portal/consents/withdraw", summary="The borrower withdraws home-visit consent (one step)",
             responses=ERRORS)
def my_withdrawal(request: Request, actor: Actor = ALLOW_PORTAL_WRITE, db: Session = DB) -> Any:
    session_row = getattr(request.state, "auth_session", None)
    evidence = f"portal-session:{session_row.token_hash[:16]}" if session_row is not None else "portal"
    cancelled = service.withdraw(_ctx(request, db, actor), actor.id, channel="portal", evidence=evidence)
    return {"withdrawn": True, "visits_cancelled": [v.id for v in cancelled]}


@router.put("/portal/visit-preferences", summary="The borrower states preferred visit times", responses=ERRORS)
def my_preferences(body: PreferencesIn, request: Request, actor: Actor = ALLOW_PORTAL_WRITE,
                   db: Session = DB) -> Any:
    n = service.set_preferences(_ctx(request, db, actor), actor.id,
                                [(t.weekday, t.start, t.end) for t in body.times], channel="portal")
    return {"times": n}


@router.post("/visits/{visit_id}/consent", summary="Record an answer received by reply, letter or signed form",
             responses=ERRORS)
def record_answer(visit_id: str, body: RecordAnswerIn, request: Request,
                  actor: Actor = ALLOW_VISITS_CONSENT_RECORD, db: Session = DB) -> Any:
    return _result(db, service.answer(_ctx(request, db, actor), visit_id, body.decision, channel=body.channel,
                                      evidence=body.evidence, notice_version_hash=body.notice_version_hash))


@router.post("/consents/{borrower_id}/withdraw", summary="Record a withdrawal received by reply or letter",
             responses=ERRORS)
def record_withdrawal(borrower_id: str, body: RecordWithdrawalIn, request: Request,
                      actor: Actor = ALLOW_VISITS_CONSENT_RECORD, db: Session = DB) -> Any:
    cancelled = service.withdraw(_ctx(request, db, actor), borrower_id, channel=body.channel,
                                 evidence=body.evidence)
    return {"withdrawn": True, "visits_cancelled": [v.id for v in cancelled]}


@router.put("/borrowers/{borrower_id}/visit-preferences", summary="Record the borrower's stated visit times",
            responses=ERRORS)
def record_preferences(borrower_id: str, body: PreferencesIn, request: Request,
                       actor: Actor = ALLOW_VISITS_CONSENT_RECORD, db: Session = DB) -> Any:
    n = service.set_preferences(_ctx(request, db, actor), borrower_id,
                                [(t.weekday, t.start, t.end) for t in body.times], channel="staff")
    return {"times": n}


@router.get("/consents/{borrower_id}/evidence", summary="One borrower's consent evidence (audited read)",
            responses=ERRORS)
def evidence(borrower_id: str, actor: Actor = ALLOW_CONSENT_EVIDENCE, db: Session = DB) -> Any:
    out = views.consent_evidence(db, borrower_id)
    audit_read(db, actor, f"borrower:{borrower_id}", ["consent_evidence"], purpose="compliance evidence")
    return out


@router.post("/visits/{visit_id}/approval", summary="Approve or reject (four-eyes: not the proposer)",
             responses=ERRORS)
def approval(visit_id: str, body: ApprovalIn, request: Request, actor: Actor = ALLOW_VISITS_APPROVE,
             db: Session = DB) -> Any:
    return _result(db, service.decide_approval(_ctx(request, db, actor), visit_id, body.approve, body.comment))


@router.post("/visits/{visit_id}/schedule", summary="Assign two field agents and a window; re-plan the route",
             responses=ERRORS)
def schedule(visit_id: str, body: ScheduleIn, request: Request, actor: Actor = ALLOW_VISITS_SCHEDULE,
             db: Session = DB) -> Any:
    agents = (body.agents[0], body.agents[1]) if body.agents else None
    return _result(db, service.schedule(_ctx(request, db, actor), visit_id, agents=agents, day=body.day))


@router.get("/visits/{visit_id}/checklist", summary="The scoped checklist (re-checks the gate: 409 if closed)",
            responses=ERRORS)
def checklist(visit_id: str, request: Request, lang: Literal["zh", "en"] = "zh", actor: Actor = ALLOW_VISITS_READ,
              db: Session = DB) -> Any:
    result, body = service.checklist(_ctx(request, db, actor), visit_id, lang)
    if result.stopped:
        return _result(db, result)
    return body


@router.post("/visits/{visit_id}/check-in", summary="Both agents at the door (re-checks the gate: 409 if closed)",
             responses=ERRORS)
def check_in(visit_id: str, body: PartnerIn, request: Request, actor: Actor = ALLOW_VISITS_REPORT,
             db: Session = DB) -> Any:
    return _result(db, service.check_in(_ctx(request, db, actor), visit_id, body.partner))


@router.post("/visits/{visit_id}/check-out", summary="Both agents leave (the end of the visit's evidence)",
             responses=ERRORS)
def check_out(visit_id: str, body: PartnerIn, request: Request, actor: Actor = ALLOW_VISITS_REPORT,
              db: Session = DB) -> Any:
    return _result(db, service.check_out(_ctx(request, db, actor), visit_id, body.partner))


@router.post("/visits/{visit_id}/withdrawal-at-door", summary="The borrower withdraws consent in person: the "
             "visit is cancelled at once", responses=ERRORS)
def door_withdrawal(visit_id: str, body: DoorWithdrawalIn, request: Request, actor: Actor = ALLOW_VISITS_REPORT,
                    db: Session = DB) -> Any:
    visit = repository.get_visit(db, visit_id, actor)
    if actor.id not in (visit.agent_a, visit.agent_b):
        raise repository.NotFound(N_("visit {visit_id} not found"), visit_id=visit_id)
    ctx = _ctx(request, db, actor)
    cancelled = service.withdraw(ctx, visit.borrower_id, channel="in_person",
                                 evidence=f"at the door, recorded by {actor.id}: {body.evidence}")
    return {"withdrawn": True, "visits_cancelled": [v.id for v in cancelled]}


@router.post("/visits/{visit_id}/consent-forms", status_code=201, summary="Upload the borrower's signed form or "
             "recorded statement (grants nothing until a second person verifies it)", responses=ERRORS)
def upload_form(visit_id: str, body: ConsentFormIn, request: Request, actor: Actor = ALLOW_VISITS_CONSENT_RECORD,
                db: Session = DB) -> Any:
    form = service.upload_form(_ctx(request, db, actor), visit_id, kind=body.kind,
                               document_sha256=body.document_sha256, document_ref=body.document_ref,
                               signed_at=body.signed_at)
    return {"id": form.id, "visit_id": form.visit_id, "status": form.status, "kind": form.kind}


@router.post("/consent-forms/{form_id}/verification", summary="A second person (not the proposer, not the "
             "uploader) verifies or rejects a consent form", responses=ERRORS)
def verify_form(form_id: str, body: VerifyFormIn, request: Request, actor: Actor = ALLOW_VISITS_APPROVE,
                db: Session = DB) -> Any:
    return _result(db, service.verify_form(_ctx(request, db, actor), form_id, accept=body.accept))


@router.post("/visits/{visit_id}/report", summary="File the scoped visit report", responses=ERRORS)
def report(visit_id: str, body: dict[str, Any], request: Request, actor: Actor = ALLOW_VISITS_REPORT,
           db: Session = DB) -> Any:
    return _result(db, service.file_report(_ctx(request, db, actor), visit_id, body))


@router.post("/visits/{visit_id}/review", summary="Close a reported visit", responses=ERRORS)
def review(visit_id: str, body: ReviewIn, request: Request, actor: Actor = ALLOW_VISITS_REVIEW,
           db: Session = DB) -> Any:
    return _result(db, service.review(_ctx(request, db, actor), visit_id, body.comment))


@router.post("/visits/{visit_id}/cancel", summary="Cancel a visit that has not happened", responses=ERRORS)
def cancel(visit_id: str, body: CancelIn, request: Request, actor: Actor = ALLOW_VISITS_CANCEL,
           db: Session = DB) -> Any:
    return _result(db, service.cancel(_ctx(request, db, actor), visit_id, body.reason, body.comment))


@router.post("/visit-sweeps/expire", summary="Expire notices left unanswered past the response period",
             responses=ERRORS)
def expire(request: Request, actor: Actor = ALLOW_VISITS_SCHEDULE, db: Session = DB) -> Any:
    return {"expired": [v.id for v in service.expire_due(_ctx(request, db, actor))]}


@router.get("/visit-routes/{agent_id}", summary="A field agent's day route (field agents: their own only)",
            responses=ERRORS)
def route(agent_id: str, day: Annotated[Day, Query(alias="date")], actor: Actor = ALLOW_VISITS_READ,
          db: Session = DB) -> Any:
    if actor.role == "field_agent" and actor.id != agent_id:
        raise NotFound(N_("no such route"))
    return views.day_route(db, agent_id, day, load_visit_policy())


@router.get("/visit-register.csv", summary="The visit register (CSV)", response_class=Response,
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}})
def register_csv(actor: Actor = ALLOW_VISITS_REGISTER, db: Session = DB) -> Response:
    data = register.rows(db)
    audit_read(db, actor, "visits:register", ["register"], purpose="compliance register export")
    return Response(register.to_csv(data), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="visit-register.csv"'})


@router.get("/visit-register.pdf", summary="The visit register (PDF)", response_class=Response,
            responses={200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}})
def register_pdf(actor: Actor = ALLOW_VISITS_REGISTER, db: Session = DB) -> Response:
    data = register.rows(db)
    audit_read(db, actor, "visits:register", ["register"], purpose="compliance register export")
    return Response(register.to_pdf(data), media_type="application/pdf",
                    headers={"Content-Disposition": 'attachment; filename="visit-register.pdf"'})


def _inbox(db: Session, kind: str, reader: str) -> list[dict[str, Any]]:
    return [{"id": m.id, "visit_id": m.visit_id, "kind": m.kind, "subject": m.subject, "body": m.body,
             "at": (m.delivered_at or m.created_at).isoformat()} for m in repository.inbox(db, kind, reader)]


@router.get("/portal/visit-messages", summary="The borrower's visit messages (notice, schedule, summary, cancellation)")
def my_visit_messages(actor: Actor = ALLOW_PORTAL_READ, db: Session = DB) -> Any:
    return {"messages": _inbox(db, "borrower", actor.id)}


@router.get("/visit-inbox", summary="The signed-in staff member's visit notifications (assignments, cancellations)")
def staff_inbox(actor: Actor = ALLOW_VISITS_READ, db: Session = DB) -> Any:
    return {"messages": _inbox(db, "staff", actor.id)}
