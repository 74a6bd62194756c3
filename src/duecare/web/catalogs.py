"""Message catalogs: extract the English ids from templates and label tables, and keep the `.po` files in step.

    python -m duecare.web.catalogs          # add new ids to every .po (translations are kept), report gaps
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from duecare.kit.i18n import DOMAIN, LOCALES, po_path

METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
# `translate(language, message, **values)`: the message is the second argument; `bilingual(message, ...)`.
KEYWORDS: dict[str, Any] = {"_": None, "N_": None, "gettext": None, "tr": None, "translate": (2,), "bilingual": None}


def extract() -> Catalog:
    """Every message id used by the templates and the Python code of every package."""
    root = Path(__file__).resolve().parent.parent
    catalog = Catalog(project="duecare", domain=DOMAIN)
    for filename, lineno, message, _comments, _context in extract_from_dir(root, METHODS, keywords=KEYWORDS):
        if isinstance(message, str) and message:
            catalog.add(message, locations=[(filename, lineno)])
    return catalog


def read(locale: str) -> Catalog:
    with po_path(locale).open("rb") as fh:
        return read_po(fh, locale=locale, domain=DOMAIN)


def missing(locale: str) -> list[str]:
    """Ids used in the code that the locale does not translate (English needs none: its ids are English)."""
    known = {m.id: m.string for m in read(locale) if m.id}
    used = [m.id for m in extract() if isinstance(m.id, str) and m.id]
    return sorted(mid for mid in used if not known.get(mid))


def update(locale: str) -> int:
    """Merge newly extracted ids into a locale's .po; returns how many lack a translation."""
    template = extract()
    path = po_path(locale)
    catalog = read(locale) if path.exists() else Catalog(locale=locale, domain=DOMAIN, project="duecare")
    catalog.update(template, no_fuzzy_matching=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, catalog, width=110, omit_header=False, ignore_obsolete=True)
    return sum(1 for m in catalog if m.id and not m.string) if locale != "en" else 0


if __name__ == "__main__":
    gaps = {loc: update(loc) for loc in LOCALES}
    print(gaps)
    sys.exit(1 if gaps.get("zh_CN") else 0)
