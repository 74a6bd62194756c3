"""Translations: gettext catalogs (zh_CN, en) read from compiled `.mo` files when present, else from the
`.po` sources with Babel (pure Python), so a fresh checkout needs no build step.

The message ids are English; `zh_CN` is the default locale. A request's locale comes from the `lang` cookie
(set by the language switch), else the Accept-Language header.
"""

from __future__ import annotations

import gettext as _gettext
from functools import cache
from importlib import resources
from pathlib import Path

from babel.messages.pofile import read_po
from babel.support import Translations
from starlette.requests import Request

LOCALES = ("zh_CN", "en")
DEFAULT = "zh_CN"
LANG_COOKIE = "duecare_lang"
HTML_LANG = {"zh_CN": "zh-CN", "en": "en"}
DOMAIN = "messages"


def locale_dir() -> Path:
    return Path(str(resources.files("duecare.web") / "locale"))


class PoTranslations(_gettext.NullTranslations):
    """Translations built straight from a `.po` file (fuzzy and empty entries fall back to the id)."""

    def __init__(self, po_path: Path) -> None:
        super().__init__()
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale=po_path.parent.parent.name)
        self._messages: dict[str, str] = {}
        for message in catalog:
            if message.id and message.string and not message.fuzzy and isinstance(message.id, str):
                self._messages[message.id] = str(message.string)

    def gettext(self, message: str) -> str:
        return self._messages.get(message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


@cache
def translations(locale: str) -> _gettext.NullTranslations:
    """The catalog of a locale: `.mo` if compiled and not older than its `.po`, else the `.po` itself."""
    folder = locale_dir() / locale / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        return Translations.load(str(locale_dir()), [locale], DOMAIN)
    if po.exists():
        return PoTranslations(po)
    return _gettext.NullTranslations()


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


def compile_catalogs() -> list[Path]:
    """Write `.mo` files next to the `.po` sources (optional; `make` or a packager may call it)."""
    from babel.messages.mofile import write_mo

    written = []
    for locale in LOCALES:
        folder = locale_dir() / locale / "LC_MESSAGES"
        with (folder / f"{DOMAIN}.po").open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        with (folder / f"{DOMAIN}.mo").open("wb") as out:
            write_mo(out, catalog)
        written.append(folder / f"{DOMAIN}.mo")
    translations.cache_clear()
    return written
