"""Sign-in and sign-out routes (`/auth/...`), mounted by the web app: `app.include_router(auth_routes.router)`.

Form posts answer with a redirect (303) when the client accepts HTML, otherwise with JSON. Every route declares
its permission; every POST carries the CSRF token (`GET /auth/csrf` gives it to API clients). The minimal sign-in
pages are Jinja templates (`privacy/templates/auth_*.html`) and every message comes from the catalogs in the
request's language (`kit.i18n`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from duecare.kit.errors import UserError, message_of
from duecare.kit.i18n import HTML_LANG, LANG_COOKIE, N_, choose_locale, translations
from duecare.privacy import auth
from duecare.privacy.deps import DB, csrf_token, require, session_row
from duecare.privacy.models import StaffUser
from duecare.privacy.permissions import Actor
from duecare.privacy.security import LOGIN_PER_ACCOUNT, LOGIN_PER_IP
from duecare.privacy.sessions import (
    SESSION_COOKIE,
    clear_session_cookie,
    create_session,
    revoke,
    set_session_cookie,
)

router = APIRouter(prefix="/auth", tags=["auth"])
PUBLIC = Depends(require("public"))
SIGNED_IN = Depends(require("authenticated"))

SIGN_IN = N_("Sign in")
TOO_MANY = N_("Too many attempts; wait 15 minutes.")


@cache
def _templates() -> Environment:
    return Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                       autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def _locale(request: Request) -> str:
    return choose_locale(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language", ""))


def _say(request: Request, message: str) -> str:
    """A message id in the request's language."""
    return translations(_locale(request)).gettext(message)


def _page(request: Request, db: Session, template: str, *, title: str, button: str,
          hidden: list[tuple[str, str]]) -> str:  # fmt: skip
    locale = _locale(request)
    tr = translations(locale)
    return _templates().get_template(template).render(
        _=tr.gettext, html_lang=HTML_LANG[locale], title=tr.gettext(title), button=tr.gettext(button),
        csrf_token=csrf_token(request, db), hidden=hidden)


def _ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths: never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _done(
    request: Request, payload: dict[str, Any], next_url: str | None = None, status: int = 200
) -> Response:
    if _wants_html(request) and status == 200:
        return RedirectResponse(_safe_next(next_url), status_code=303)
    return JSONResponse(payload, status_code=status)


def _start_session(request: Request, db: Session, response: Response, kind: str, subject: str, role: str,
                   stage: str = "full") -> None:  # fmt: skip
    revoke(db, request.cookies.get(SESSION_COOKIE))  # a new token at every sign-in: no session fixation
    token = create_session(db, kind=kind, subject_id=subject, role=role, stage=stage)
    set_session_cookie(response, request, token, kind)


@router.get("/csrf")
def get_csrf(request: Request, _: Actor | None = PUBLIC, db: Session = DB) -> dict[str, str]:
    return {"csrf_token": csrf_token(request, db)}


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/", _: Actor | None = PUBLIC, db: Session = DB) -> str:
    return _page(request, db, "auth_login.html", title=SIGN_IN, button=SIGN_IN,
                 hidden=[("next", _safe_next(next))])


@router.post("/login")
def login(
    request: Request,
    username: str = Form(min_length=1, max_length=128),
    password: str = Form(min_length=1, max_length=1024),
    next: str = Form("/"),
    _: Actor | None = PUBLIC,
    db: Session = DB,
) -> Response:
    ip = _ip(request)
    if not LOGIN_PER_IP.hit(ip) or not LOGIN_PER_ACCOUNT.hit(f"{ip}|{username.casefold()}"):
        raise HTTPException(429, _say(request, TOO_MANY))
    result = auth.authenticate_staff(db, username, password)
    if result.outcome == "locked":
        return JSONResponse({"error": _say(request, N_("Account locked for 15 minutes."))}, status_code=423)
    if result.user is None:
        return JSONResponse({"error": _say(request, N_("Wrong username or password."))}, status_code=401)
    stage = "totp" if result.outcome == "needs_totp" else "full"
    target = f"/auth/totp?next={_safe_next(next)}" if stage == "totp" else next
    response = _done(request, {"ok": True, "role": result.user.role, "stage": stage}, target)
    _start_session(request, db, response, "staff", result.user.id, result.user.role, stage)
    return response


@router.get("/totp", response_class=HTMLResponse)
def totp_page(request: Request, next: str = "/", _: Actor | None = PUBLIC, db: Session = DB) -> str:
    return _page(request, db, "auth_totp.html", title=N_("Two-step check"),
                 button=N_("Verify"), hidden=[("next", _safe_next(next))])


@router.post("/totp")
def totp(
    request: Request,
    code: str = Form(min_length=1, max_length=12),
    next: str = Form("/"),
    _: Actor | None = PUBLIC,
    db: Session = DB,
) -> Response:
    row = session_row(request, db)
    if row is None or row.kind != "staff" or row.stage != "totp":
        raise HTTPException(401, _say(request, N_("Sign in with your password first.")))
    if not LOGIN_PER_ACCOUNT.hit(f"totp|{row.subject_id}"):
        raise HTTPException(429, _say(request, TOO_MANY))
    user = db.get(StaffUser, row.subject_id)
    if user is None or not auth.verify_totp(db, user, code.strip()):
        return JSONResponse({"error": _say(request, N_("Wrong code."))}, status_code=401)
    response = _done(request, {"ok": True, "role": user.role, "stage": "full"}, next)
    _start_session(request, db, response, "staff", user.id, user.role)
    return response


@router.post("/totp/setup")
def totp_setup(
    request: Request, password: str = Form(min_length=1, max_length=256), code: str = Form("", max_length=12), actor: Actor = SIGNED_IN,
    db: Session = DB,
) -> JSONResponse:
    """Turn on (or replace) TOTP for the signed-in staff member after they sign in again: the password, and the
    current code when TOTP is already on (a stolen session alone cannot change it). The URI is shown once."""
    user = db.get(StaffUser, actor.id) if actor.kind == "staff" else None
    if user is None:
        raise HTTPException(403, _say(request, N_("Only staff accounts use an authenticator.")))
    if not LOGIN_PER_ACCOUNT.hit(f"reauth|{user.id}"):
        raise HTTPException(429, _say(request, TOO_MANY))
    if not auth.reauthenticate(db, user, password, code):  # answered, not raised: the failure count is kept
        return JSONResponse({"error": _say(request, N_("Confirm with your password (and your current code)."))},
                            status_code=403)
    return JSONResponse({"otpauth_uri": auth.enable_totp(db, user)})


@router.post("/logout")
def logout(request: Request, actor: Actor = SIGNED_IN, db: Session = DB) -> Response:
    revoke(db, request.cookies.get(SESSION_COOKIE))
    response = _done(request, {"ok": True}, "/auth/login")
    clear_session_cookie(response, request)
    return response


@router.post("/borrower/code")
def borrower_code(
    request: Request, phone: str = Form(min_length=1, max_length=40), _: Actor | None = PUBLIC, db: Session = DB
) -> JSONResponse:
    """Always the same answer whether or not the number is known (no account enumeration)."""
    with auth.answer_no_sooner_than():
        borrower_id = auth.find_borrower_by_phone(db, phone)
        if not auth.code_request_allowed(_ip(request), phone, borrower_id):
            raise HTTPException(429, _say(request, N_("Too many codes requested; wait 10 minutes.")))
        payload: dict[str, Any] = {"sent": True,
                                   "message": _say(request, N_("If this number is registered, a code has been sent."))}
        if borrower_id is not None:
            try:
                issued = auth.issue_code(db, borrower_id)
            except UserError as exc:
                raise HTTPException(503, message_of(exc)) from None
            if issued.shown_code is not None:
                payload["demo_code"] = issued.shown_code
        db.commit()  # inside the padded time: writing a code must not make a known number slower to answer
    return JSONResponse(payload)


@router.get("/borrower/link", response_class=HTMLResponse)
def borrower_link_page(request: Request, token: str, _: Actor | None = PUBLIC, db: Session = DB) -> str:
    """A link opens a confirm page; only the POST spends it (link scanners that prefetch GETs cannot)."""
    return _page(request, db, "auth_link.html", title=SIGN_IN,
                 button=N_("Continue"), hidden=[("token", token[:128])])


@router.post("/borrower/verify")
def borrower_verify(
    request: Request,
    phone: str = Form("", max_length=40),
    code: str = Form("", max_length=12),
    token: str = Form("", max_length=128),
    next: str = Form("/portal"),
    _: Actor | None = PUBLIC,
    db: Session = DB,
) -> Response:
    ip = _ip(request)
    digits = "".join(ch for ch in phone if ch.isdigit())
    if not LOGIN_PER_IP.hit(ip) or not LOGIN_PER_ACCOUNT.hit(f"{ip}|code|{digits or 'link'}"):
        raise HTTPException(429, _say(request, TOO_MANY))
    borrower_id: str | None = None
    if token:
        borrower_id = auth.verify_link(db, token)
    elif digits and code:
        candidate = auth.find_borrower_by_phone(db, phone)
        if candidate is not None and auth.verify_code(db, candidate, code):
            borrower_id = candidate
    if borrower_id is None:
        return JSONResponse({"error": _say(request, N_("The code is wrong or has expired."))}, status_code=401)
    response = _done(request, {"ok": True, "role": "borrower"}, next)
    _start_session(request, db, response, "borrower", borrower_id, "borrower")
    return response
