"""Staff pages for the remote alternatives to a visit (issue 17): the alternatives in the actor's scope (agents:
their assigned borrowers only) and the confirmation that an alternative established the borrower's situation,
which closes the visit need (`verified_remotely`). Video calls have their own pages (console/videopages.py)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from duecare.kit import clock
from duecare.privacy.audit import audit_read
from duecare.privacy.deps import DB, require
from duecare.privacy.permissions import Actor
from duecare.visits import alternatives
from duecare.visits import documents as docs
from duecare.web.templating import render

router = APIRouter()
VERIFY = Depends(require("alternatives.verify"))


@router.get("/alternatives")
def alternatives_page(request: Request, actor: Actor = VERIFY, db: Session = DB) -> Response:
    rows = alternatives.awaiting_review(db, actor)
    files = docs.listed_for(db, actor, [a.id for a in rows])
    audit_read(db, actor, "alternatives", ["alternative_states", "document_names"], purpose="remote verification")
    return render(request, "console/alternatives.html", rows=rows, files=files)


@router.post("/alternatives/{alternative_id}/verify")
def verify_alternative(alternative_id: str, request: Request, evidence: str = Form("", max_length=200),
                       actor: Actor = VERIFY, db: Session = DB) -> Response:
    alternatives.verify(db, actor, alternative_id, clock.now(), evidence.strip() or None)
    return RedirectResponse("/console/alternatives?done=verified", status_code=303)
