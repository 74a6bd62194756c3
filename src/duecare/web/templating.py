"""Jinja2 rendering shared by the portal and the console: one environment, per-request translations,
locale-aware money and dates (Babel), and the CSRF token every form echoes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape
from starlette.requests import Request

from duecare.kit import clock
from duecare.kit.i18n import HTML_LANG, translations
from duecare.kit.settings import demo_mode
from duecare.policy.helplines import Help, help_for
from duecare.web import i18n
from duecare.web.labels import label


def static_dir() -> Path:
    """The page kit's CSS, scripts and icons (the app shell serves them under /static)."""
    return Path(__file__).parent / "static"


@cache
def environment() -> Environment:
    return Environment(
        loader=ChoiceLoader([PackageLoader("duecare.web", "templates"),
                             PackageLoader("duecare.portal", "templates"),
                             PackageLoader("duecare.console", "templates")]),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _babel_locale(locale: str) -> str:
    return "zh_Hans_CN" if locale == "zh_CN" else "en_GB"


def money(minor: int | None, currency: str, locale: str) -> str:
    if minor is None:
        return "—"
    return _money(minor, currency, locale)


@lru_cache(maxsize=8192, typed=True)
def _money(minor: int | Decimal | float, currency: str, locale: str) -> str:
    """Babel's formatting is a pure function of these three and costs ~70 µs: a schedule repeats its amounts."""
    return format_currency(Decimal(minor) / 100, currency, locale=_babel_locale(locale))


def number(value: float | None, locale: str, digits: int = 0) -> str:
    if value is None:
        return "—"
    fmt = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=fmt, locale=_babel_locale(locale))


def day(value: date | None, locale: str) -> str:
    if value is None:
        return "—"
    return format_date(value, format="medium", locale=_babel_locale(locale))


DEFAULT_STAFF_ZONE = "Asia/Shanghai"
TZ_COOKIE = "duecare_tz"


def moment(value: datetime | str | None, locale: str, tz: str) -> str:
    """A moment in a zone, always labelled with it: `2026-12-03 23:55 (Asia/Shanghai)`. An ISO string (as the
    decision contract carries `not_before`) is read first; one without an offset is taken as UTC."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    zone = _zone(tz) or ZoneInfo(DEFAULT_STAFF_ZONE)
    shown = value.astimezone(zone)
    return f"{shown:%Y-%m-%d %H:%M} ({zone.key})"


def _zone(name: str | None) -> ZoneInfo | None:
    if not name or len(name) > 64:
        return None
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return None


def viewer_zone(request: Request, db: Any, actor: Any) -> str:
    """A borrower sees their own zone; staff see the zone their browser reports (cookie), else Shanghai."""
    if actor is not None and getattr(actor, "kind", None) == "borrower" and db is not None:
        from duecare.ledger.models import Borrower

        borrower = db.get(Borrower, actor.id)
        if borrower is not None and _zone(borrower.timezone):
            return str(borrower.timezone)
    chosen = _zone(request.cookies.get(TZ_COOKIE))
    return chosen.key if chosen else DEFAULT_STAFF_ZONE


DEFAULT_PACK = "cn"  # signed out, the portal does not know where the reader lives: the default pack's help


def viewer_pack(db: Any, actor: Any) -> str:
    """A signed-in borrower's jurisdiction (their legal aid and advice), else the default pack."""
    if actor is not None and getattr(actor, "kind", None) == "borrower" and db is not None:
        from duecare.ledger.models import Borrower

        borrower = db.get(Borrower, actor.id)
        if borrower is not None:
            return str(borrower.jurisdiction.value)
    return DEFAULT_PACK


def context(request: Request, extra: dict[str, Any]) -> dict[str, Any]:
    locale = i18n.request_locale(request)
    tr = translations(locale)
    db = getattr(request.state, "db", None)
    actor = getattr(request.state, "actor", None)
    zone = viewer_zone(request, db, actor)
    base = {
        "request": request,
        "viewer_tz": zone,
        "locale": locale,
        "html_lang": HTML_LANG[locale],
        "_": tr.gettext,
        "gettext": tr.gettext,
        "ngettext": tr.ngettext,
        "actor": actor,
        "csrf_token": _csrf(request, db),
        "money": lambda minor, currency="CNY": money(minor, currency, locale),
        "number": lambda value, digits=0: number(value, locale, digits),
        "day": lambda value: day(value, locale),
        "moment": lambda value, tz=None: moment(value, locale, tz or zone),
        "label": lambda kind, code: tr.gettext(label(kind, code)),
        "path": request.url.path,
        "demo_now": clock.now() if demo_mode() else None,  # the demo's clock, shown with its control
        "query": request.url.query,
        "lang_next": _language_next(request),
        "help_lines": lambda: _help_lines(db, actor),
    }
    base.update(extra)
    return base


def _language_next(request: Request) -> str:
    """Where the language link returns to: this page; after a form post (a refused form answers at the form's
    address, which takes only POST) the page the form was on, from the Referer when it is this site's."""
    if request.method in ("GET", "HEAD"):
        return request.url.path + (f"?{request.url.query}" if request.url.query else "")
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc == request.url.netloc and referer.path.startswith("/"):
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return "/"


def _help_lines(db: Any, actor: Any) -> list[Help]:
    return help_for(viewer_pack(db, actor))


def _csrf(request: Request, db: Any) -> str:
    """The form token; on an error page after a rollback the session row is gone, so forms get none."""
    from sqlalchemy.orm.exc import DetachedInstanceError

    from duecare.privacy.deps import csrf_token

    try:
        return csrf_token(request, db)
    except DetachedInstanceError:
        return ""


def render(request: Request, template: str, status_code: int = 200, **extra: Any) -> HTMLResponse:
    html = environment().get_template(template).render(context(request, extra))
    return HTMLResponse(html, status_code=status_code)
