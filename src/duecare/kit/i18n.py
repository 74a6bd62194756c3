"""Translations for every layer: one gettext catalog per locale, `duecare/locale/<locale>/LC_MESSAGES/messages.po`.

Message ids are English; `zh_CN` is the default locale. The catalog is compiled in memory by Babel when a process
first asks for a locale (about 50 ms), so a checkout, an editable install and a wheel all read the same `.po`
sources and there is no second, possibly stale, compiled copy. `python -m duecare.web.catalogs` extracts the ids
used in templates and in Python (`_`, `N_`, `gettext`, `tr`, and `translate(language, message)`) into the `.po`
files; `tests/web/test_i18n.py` fails when an id lacks a Chinese translation or the catalog does not compile.

Domain code that writes to a borrower or an agent (SMS, email, inbox messages, PDF headings, labels) calls
`translate(language, "English text {name}", name=...)` with the reader's language (`zh` or `en`).
"""

from __future__ import annotations

import gettext as _gettext
from functools import cache
from pathlib import Path
from typing import Any

LOCALES = ("zh_CN", "en")
DEFAULT = "zh_CN"
DOMAIN = "messages"
LANG_COOKIE = "duecare_lang"
HTML_LANG = {"zh_CN": "zh-CN", "en": "en"}


def N_(text: str) -> str:
    """Marks a message id for extraction where it is defined; it is translated where it is shown."""
    return text


def locale_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "locale"


def po_path(locale: str) -> Path:
    return locale_dir() / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


class Catalog(_gettext.NullTranslations):
    """A locale's translations read from its `.po` file (fuzzy and empty entries fall back to the id)."""

    def __init__(self, po: Path, locale: str) -> None:
        super().__init__()
        from babel.messages.pofile import read_po  # here: importing this module (N_, translate) stays cheap

        with po.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        self._messages: dict[str, str] = {
            m.id: str(m.string) for m in catalog
            if isinstance(m.id, str) and m.id and m.string and not m.fuzzy}

    def gettext(self, message: str) -> str:
        return self._messages.get(message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


@cache
def translations(locale: str) -> _gettext.NullTranslations:
    """The catalog of a locale (`zh_CN` or `en`); an unknown locale gets the English ids."""
    po = po_path(locale)
    return Catalog(po, locale) if locale in LOCALES and po.exists() else _gettext.NullTranslations()


def locale_of(language: str | None) -> str:
    """A reader's language (`zh`, `en`, `zh_CN`, `zh-Hans`, ...) as a catalog locale; default Chinese."""
    code = (language or "").strip().replace("-", "_").lower()
    if code.startswith("en"):
        return "en"
    return DEFAULT


def translate(language: str | None, message: str, **values: Any) -> str:
    """`message` (an English id) in the reader's language, with `{name}` fields filled from `values`."""
    text = translations(locale_of(language)).gettext(message)
    return text.format(**values) if values else text


def bilingual(message: str, sep: str = " / ", **values: Any) -> str:
    """English and Chinese together, for staff whose language the sender does not know (an agent's inbox
    message, the compliance register's heading)."""
    return sep.join(translate(locale, message, **values) for locale in ("en", "zh_CN"))


def normalise(code: str | None) -> str | None:
    """A language tag (`zh-CN`, `en-GB`, `zh_CN`) as a catalog locale, or None when we have no catalog for it."""
    if not code:
        return None
    c = code.strip().replace("-", "_").lower()
    if c.startswith("zh"):
        return "zh_CN"
    if c.startswith("en"):
        return "en"
    return None


def choose_locale(cookie: str | None, accept_language: str) -> str:
    """The language switch's cookie, else the first Accept-Language tag we have a catalog for, else Chinese."""
    chosen = normalise(cookie)
    if chosen:
        return chosen
    for part in accept_language.split(","):
        found = normalise(part.split(";")[0])
        if found:
            return found
    return DEFAULT
