"""The request's locale: the `lang` cookie (set by the language switch), else the Accept-Language header.

The catalogs themselves are `duecare.kit.i18n` (one mechanism for pages, messages and labels).
"""

from __future__ import annotations

from starlette.requests import Request

from duecare.kit.i18n import DEFAULT

LANG_COOKIE = "duecare_lang"
HTML_LANG = {"zh_CN": "zh-CN", "en": "en"}


def normalise(code: str | None) -> str | None:
    if not code:
        return None
    c = code.strip().replace("-", "_").lower()
    if c.startswith("zh"):
        return "zh_CN"
    if c.startswith("en"):
        return "en"
    return None


def request_locale(request: Request) -> str:
    chosen = normalise(request.cookies.get(LANG_COOKIE))
    if chosen:
        return chosen
    for part in request.headers.get("accept-language", "").split(","):
        found = normalise(part.split(";")[0])
        if found:
            return found
    return DEFAULT
