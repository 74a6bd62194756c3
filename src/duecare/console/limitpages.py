"""Known limits on a channel, from the case page (issue 15): the borrower's limits with the pack rule that makes each
bar its channel (or the note that the pack has none), today's decisions they shape, and the forms to record and to
lift one. Reading needs `cases.read`, changing `contact_limits.write`; either way only borrowers in the actor's
scope (agents: assigned ones), others answer 404 like a borrower that does not exist."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from duecare.console import limits
from duecare.kit import clock
from duecare.kit.errors import UserError, message_of
from duecare.kit.i18n import N_
from duecare.ledger import models as m
from duecare.privacy.audit import audit_read
from duecare.privacy.deps import DB, FORM, require
from duecare.privacy.permissions import Actor
from duecare.privacy.scope import can_read_borrower
from duecare.web.errors import shown
from duecare.web.forms import field, form_body, text, variant
from duecare.web.templating import render

router = APIRouter()
READ = Depends(require("cases.read"))
WRITE = Depends(require("contact_limits.write"))


def _context(db: Session, actor: Actor, borrower_id: str) -> dict[str, Any]:
    from duecare.web.explain import explanations

    if not can_read_borrower(db, actor, borrower_id):
        raise HTTPException(404, N_("no such case"))
    b = db.get(m.Borrower, borrower_id)
    assert b is not None
    pack = b.jurisdiction.value
    rows = limits.limits_of(db, borrower_id)
    audit_read(db, actor, f"borrower:{borrower_id}", ["contact_limits"], purpose="case work")
    return {"b": b, "rows": rows, "rules": {k: limits.honoured_by(pack, k) for k in limits.BY_OF_KIND},
            "by_of_kind": limits.BY_OF_KIND, "channels": limits.CHANNELS,
            "decisions": explanations(db, actor, clock.now(), [borrower_id]),
            "can_write": actor.can("contact_limits.write")}


@router.get("/cases/{borrower_id}/limits")
def limits_page(borrower_id: str, request: Request, actor: Actor = READ, db: Session = DB) -> Response:
    return render(request, "console/limits.html", **_context(db, actor, borrower_id))


def _refused(request: Request, db: Session, actor: Actor, borrower_id: str, exc: UserError) -> Response:
    if exc.status == 404:
        raise HTTPException(404, message_of(exc))
    return render(request, "console/limits.html", status_code=exc.status, error=shown(request, exc),
                  **_context(db, actor, borrower_id))


# One variant per kind: who may set it, and the channels it can bar (a named third party: a person's call only).
LIMIT_FORM = form_body(*(variant(["kind", "by", "channel"], kind=field([kind]), by=field(by),
                                 channel=field(["call"] if kind == "third_party_contact" else limits.CHANNELS))
                         for kind, by in limits.BY_OF_KIND.items()))


@router.post("/cases/{borrower_id}/limits", openapi_extra=LIMIT_FORM)
def record_limit(borrower_id: str, request: Request, actor: Actor = WRITE, form: FormData = FORM,
                 db: Session = DB) -> Response:
    """Record a known limit; the same active limit twice answers 409 (lift it first)."""
    if not can_read_borrower(db, actor, borrower_id):
        raise HTTPException(404, N_("no such case"))
    try:
        limits.record_limit(db, actor, borrower_id, text(form, "kind", 32), text(form, "by", 16),
                            text(form, "channel", 8), clock.now())
    except UserError as exc:
        return _refused(request, db, actor, borrower_id, exc)
    return RedirectResponse(f"/console/cases/{borrower_id}/limits?limit=recorded", status_code=303)


@router.post("/cases/{borrower_id}/limits/{limit_id}/lift")
def lift_limit(borrower_id: str, limit_id: str, request: Request, actor: Actor = WRITE,
               db: Session = DB) -> Response:
    if not can_read_borrower(db, actor, borrower_id):
        raise HTTPException(404, N_("no such case"))
    try:
        limits.lift_limit(db, actor, borrower_id, limit_id, clock.now())
    except UserError as exc:
        return _refused(request, db, actor, borrower_id, exc)
    return RedirectResponse(f"/console/cases/{borrower_id}/limits?limit=lifted", status_code=303)
