"""Privacy API: borrowers' own rights (`/privacy/me/...`, always scoped to the signed-in borrower, so no id in a
URL or body can reach someone else) and the staff side (requests, reviews, scoped borrower view, audit check).
Mounted by the web app: `app.include_router(rights_routes.router)`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Path
from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.kit.bounds import RowId
from duecare.kit.i18n import N_
from duecare.privacy import rights
from duecare.privacy.audit import audit_read, verify_chain
from duecare.privacy.deps import DB, require
from duecare.privacy.masking import mask_record, sees_clear
from duecare.privacy.models import ReviewRequest, SubjectRequest
from duecare.privacy.permissions import Actor
from duecare.privacy.scope import borrower_filter, readable_borrowers

router = APIRouter(prefix="/privacy", tags=["privacy"])

BORROWER_RIGHTS = Depends(require("rights.request"))
BORROWER_REVIEW = Depends(require("review.request"))
RIGHTS_MANAGE = Depends(require("rights.manage"))
REVIEW_MANAGE = Depends(require("review.manage"))
CASES_READ = Depends(require("cases.read"))
AUDIT_READ = Depends(require("audit.read"))


def _request_json(r: SubjectRequest) -> dict[str, Any]:
    return {
        "id": r.id, "borrower_id": r.borrower_id, "kind": r.kind, "status": r.status,
        "received_at": r.received_at.isoformat(), "deadline": r.deadline.isoformat(),
        "deadline_source": r.deadline_source, "outcome": r.outcome,
    }  # fmt: skip


def _review_json(r: ReviewRequest) -> dict[str, Any]:
    return {
        "id": r.id, "borrower_id": r.borrower_id, "decision_ref": r.decision_ref,
        "decision_summary": r.decision_summary, "status": r.status, "requested_at": r.requested_at.isoformat(),
        "reviewer_note": r.reviewer_note,
    }  # fmt: skip


# --- the borrower's own rights -------------------------------------------------------------------------------


@router.get("/me/export")
def my_export(actor: Actor = BORROWER_RIGHTS, db: Session = DB) -> dict[str, Any]:
    return rights.access_export(db, actor, actor.id)


@router.post("/me/requests")
def my_new_request(
    kind: str = Form(max_length=40, json_schema_extra={"enum": list(rights.REQUEST_KINDS)}), details: str | None = Form(None, max_length=4000), actor: Actor = BORROWER_RIGHTS,
    db: Session = DB,
) -> dict[str, Any]:  # fmt: skip
    return _request_json(rights.create_request(db, actor, actor.id, kind, details))


@router.get("/me/requests")
def my_requests(actor: Actor = BORROWER_RIGHTS, db: Session = DB) -> list[dict[str, Any]]:
    rows = db.execute(select(SubjectRequest).where(SubjectRequest.borrower_id == actor.id)).scalars()
    return [_request_json(r) for r in rows]


@router.get("/me/requests/{request_id}")
def my_request(request_id: RowId, actor: Actor = BORROWER_RIGHTS, db: Session = DB) -> dict[str, Any]:
    row = db.execute(
        select(SubjectRequest).where(SubjectRequest.id == request_id, SubjectRequest.borrower_id == actor.id)
    ).scalar_one_or_none()
    if row is None:  # someone else's request looks exactly like a missing one
        raise HTTPException(404, N_("no such request"))
    return _request_json(row)


@router.post("/me/reviews")
def my_new_review(
    loan_id: str = Form(min_length=1, max_length=64), summary: str | None = Form(None, max_length=2000),
    reason: str | None = Form(None, max_length=4000), actor: Actor = BORROWER_REVIEW, db: Session = DB,
) -> dict[str, Any]:  # fmt: skip
    from duecare.ledger.models import Loan

    owner = db.execute(select(Loan.borrower_id).where(Loan.id == loan_id)).scalar_one_or_none()
    if owner != actor.id:
        raise HTTPException(404, N_("no such loan"))
    return _review_json(rights.request_review(db, actor, actor.id, f"loan:{loan_id}", summary, reason))


@router.get("/me/reviews")
def my_reviews(actor: Actor = BORROWER_REVIEW, db: Session = DB) -> list[dict[str, Any]]:
    rows = db.execute(select(ReviewRequest).where(ReviewRequest.borrower_id == actor.id)).scalars()
    return [_review_json(r) for r in rows]


# --- staff ---------------------------------------------------------------------------------------------------


@router.get("/borrowers/{borrower_id}")
def borrower_view(borrower_id: Annotated[str, Path(max_length=64)], actor: Actor = CASES_READ, db: Session = DB) -> dict[str, Any]:
    """A borrower's contact details, within the actor's scope, masked by role; the read is audited."""
    from duecare.ledger.models import Borrower

    stmt = readable_borrowers(select(Borrower).where(Borrower.id == borrower_id), actor)
    b = db.execute(stmt).scalar_one_or_none()
    if b is None:  # out of scope and missing look the same: no probing for ids
        raise HTTPException(404, N_("no such borrower"))
    record = {
        "id": b.id,
        "name": b.name,
        "phones": b.phones,
        "email": b.email,
        "address": b.address,
        "city": b.city,
        "jurisdiction": str(b.jurisdiction.value),
        "language": str(b.language.value),
    }
    shown = ["name", "phones", "email", "address"] if sees_clear(actor) else []
    audit_read(db, actor, f"borrower:{b.id}", shown or ["masked"], purpose="case work")
    result: dict[str, Any] = mask_record(record, actor)
    return result


@router.get("/borrowers/{borrower_id}/export")
def borrower_export(borrower_id: Annotated[str, Path(max_length=64)], actor: Actor = RIGHTS_MANAGE, db: Session = DB) -> dict[str, Any]:
    return rights.access_export(db, actor, borrower_id)


@router.get("/requests")
def open_requests(actor: Actor = RIGHTS_MANAGE, db: Session = DB) -> list[dict[str, Any]]:
    stmt = select(SubjectRequest).where(SubjectRequest.status.in_(("received", "in_progress")))
    clause = borrower_filter(actor, SubjectRequest.borrower_id)
    if clause is not None:
        stmt = stmt.where(clause)
    return [_request_json(r) for r in db.execute(stmt.order_by(SubjectRequest.deadline)).scalars()]


@router.post("/requests/{request_id}/correction")
def correct(
    request_id: RowId, field: str = Form(max_length=40, json_schema_extra={"enum": list(rights.CORRECTABLE)}),
    value: str = Form(min_length=1, max_length=1000), actor: Actor = RIGHTS_MANAGE,
    db: Session = DB,
) -> dict[str, Any]:  # fmt: skip
    return _request_json(rights.apply_correction(db, actor, request_id, field, value))


@router.post("/requests/{request_id}/deletion")
def delete_data(request_id: RowId, actor: Actor = RIGHTS_MANAGE, db: Session = DB) -> dict[str, Any]:
    return _request_json(rights.handle_deletion(db, actor, request_id))


@router.get("/reviews")
def pending_reviews(actor: Actor = REVIEW_MANAGE, db: Session = DB) -> list[dict[str, Any]]:
    stmt = select(ReviewRequest).where(ReviewRequest.status == "pending").order_by(ReviewRequest.requested_at)
    clause = borrower_filter(actor, ReviewRequest.borrower_id)
    if clause is not None:
        stmt = stmt.where(clause)
    return [_review_json(r) for r in db.execute(stmt).scalars()]


@router.post("/reviews/{review_id}")
def resolve(
    review_id: RowId, outcome: str = Form(max_length=40, json_schema_extra={"enum": list(rights.REVIEW_OUTCOMES)}),
    note: str = Form(min_length=1, max_length=4000), actor: Actor = REVIEW_MANAGE,
    db: Session = DB,
) -> dict[str, Any]:  # fmt: skip
    return _review_json(rights.resolve_review(db, actor, review_id, outcome, note))


@router.get("/audit/verify")
def audit_status(actor: Actor = AUDIT_READ, db: Session = DB) -> dict[str, Any]:
    count, problem = verify_chain(db)
    return {"events": count, "ok": problem is None, "problem": str(problem) if problem else None}
