"""The request's locale: the language switch's cookie, else the Accept-Language header (`kit.i18n`, where the
catalogs are: one mechanism for pages, messages and labels)."""

from __future__ import annotations

from starlette.requests import Request

from duecare.kit.i18n import LANG_COOKIE, choose_locale


def request_locale(request: Request) -> str:
    return choose_locale(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language", ""))
