"""Jinja2 rendering shared by the portal and the console: one environment, per-request translations,
locale-aware money and dates (Babel), and the CSRF token every form echoes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape
from starlette.requests import Request

from duecare.web import i18n
from duecare.web.labels import label


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


def moment(value: datetime | None, locale: str, tz: str | None = None) -> str:
    if value is None:
        return "—"
    zone = ZoneInfo(tz) if tz else None
    shown = value.astimezone(zone) if zone else value
    return format_datetime(shown, format="medium", tzinfo=shown.tzinfo, locale=_babel_locale(locale))


def context(request: Request, extra: dict[str, Any]) -> dict[str, Any]:
    locale = i18n.request_locale(request)
    tr = i18n.translations(locale)
    db = getattr(request.state, "db", None)
    actor = getattr(request.state, "actor", None)
    base = {
        "request": request,
        "locale": locale,
        "html_lang": i18n.HTML_LANG[locale],
        "_": tr.gettext,
        "gettext": tr.gettext,
        "ngettext": tr.ngettext,
        "actor": actor,
        "csrf_token": _csrf(request, db),
        "money": lambda minor, currency="CNY": money(minor, currency, locale),
        "number": lambda value, digits=0: number(value, locale, digits),
        "day": lambda value: day(value, locale),
        "moment": lambda value, tz=None: moment(value, locale, tz),
        "label": lambda kind, code: tr.gettext(label(kind, code)),
        "path": request.url.path,
        "query": request.url.query,
    }
    base.update(extra)
    return base


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
