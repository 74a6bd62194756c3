"""Shared pages: the landing page, the language switch and a health check."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import text
from sqlalchemy.orm import Session

from duecare.kit.i18n import DEFAULT, LANG_COOKIE, normalise
from duecare.privacy.deps import DB, require
from duecare.privacy.permissions import Actor
from duecare.web.templating import render

router = APIRouter(tags=["web"])
PUBLIC = Depends(require("public"))
SIGNED_IN = Depends(require("authenticated"))


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/")
def landing(request: Request, actor: Actor | None = PUBLIC, db: Session = DB) -> Response:
    return render(request, "home.html")


@router.get("/lang/{code}")
def switch_language(code: str, request: Request, next: str = "/", _: Actor | None = PUBLIC,
                    db: Session = DB) -> Response:
    """Remember the chosen language in a cookie and go back to the page."""
    locale = normalise(code) or DEFAULT
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(LANG_COOKIE, locale, max_age=365 * 24 * 3600, samesite="lax", path="/")
    return response


@router.get("/healthz")
def health(_: Actor | None = PUBLIC, db: Session = DB) -> dict[str, str]:
    db.execute(text("SELECT 1"))
    return {"status": "ok"}


@router.post("/signout")
def sign_out(request: Request, actor: Actor = SIGNED_IN, db: Session = DB) -> Response:
    from duecare.privacy.sessions import SESSION_COOKIE, clear_session_cookie, revoke

    revoke(db, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/portal/signin" if actor.kind == "borrower" else "/console/signin", status_code=303)
    clear_session_cookie(response, request)
    return response
