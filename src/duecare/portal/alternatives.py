"""Portal pages for the remote alternatives to a visit (issue 17): the choice offered on the visit notice before
any consent is asked, and the list of the borrower's own alternatives. Documents and video calls have their
own modules (`portal.documents`, `portal.video`). The borrower id always comes from the session."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from duecare.kit import clock
from duecare.kit.i18n import N_
from duecare.ledger.models import Alternative
from duecare.portal import notices
from duecare.privacy.deps import DB, require
from duecare.privacy.permissions import Actor
from duecare.visits import alternatives
from duecare.web.templating import render

router = APIRouter(prefix="/portal", tags=["portal"])
READ = Depends(require("portal.read"))
WRITE = Depends(require("portal.write"))

# Where the borrower goes to do the alternative they chose.
NEXT_PAGE = {"questionnaire": "/portal/hardship", "plan": "/portal/plan", "documents": "/portal/documents",
             "video": "/portal/video", "phone_appointment": "/portal/video?mode=phone"}


def context(db: Session, borrower_id: str) -> dict[str, Any]:
    """What the notice page shows about alternatives: what the strategy offers and the borrower's own."""
    mine = alternatives.of_borrower(db, borrower_id)
    return {"offered": [k.value for k in alternatives.policy().offered], "mine": mine,
            "open_kinds": {a.kind.value for a in mine if a.state in alternatives.OPEN}, "next_page": NEXT_PAGE}


@router.post("/notices/{notice_id}/alternative")
def choose_alternative(notice_id: str, request: Request,
                       kind: str = Form(max_length=24, json_schema_extra={"enum": list(NEXT_PAGE)}), actor: Actor = WRITE,
                       db: Session = DB) -> Response:
    """Choose a remote alternative instead of a visit: recorded at once (the visit waits), then its page."""
    notice = notices.notice_of(db, actor.id, notice_id)
    if notice is None:
        raise HTTPException(404, N_("no such notice"))
    alternatives.choose(db, actor.id, kind, clock.now(), notice_id=notice.id, loan_id=notice.loan_id)
    return RedirectResponse(NEXT_PAGE[kind], status_code=303)


@router.get("/alternatives")
def my_alternatives(request: Request, actor: Actor = READ, db: Session = DB) -> Response:
    rows: list[Alternative] = alternatives.of_borrower(db, actor.id)
    return render(request, "portal/alternatives.html", rows=rows, next_page=NEXT_PAGE)
