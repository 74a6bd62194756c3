"""Message catalogs: extract the English ids from templates, label tables and the rule sources of the policy
packs and strategies, and keep the `.po` files in step.

    python -m duecare.web.catalogs          # add new ids to every .po (translations are kept), report gaps
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from duecare.kit.i18n import DOMAIN, LOCALES, po_path

# The rules' `source:` citations in the packs and strategies are message ids too: pages show them in the reader's
# language (the YAML keeps the English one, which decisions and the audit trail carry).
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python"),
           ("**/policy/packs/*.yaml", "duecare.web.catalogs:extract_rule_sources"),
           ("**/policy/strategies/*.yaml", "duecare.web.catalogs:extract_rule_sources")]
# `translate(language, message, **values)`: the message is the second argument; `bilingual(message, ...)`.
KEYWORDS: dict[str, Any] = {"_": None, "N_": None, "gettext": None, "tr": None, "translate": (2,), "bilingual": None}


def extract_rule_sources(fileobj: Any, keywords: Any, comment_tags: Any, options: Any
                         ) -> Iterator[tuple[int, None, str, list[str]]]:
    """Babel extractor of a pack or strategy YAML: each rule's `source:` and the visit window's (a strategy's
    examples file has neither)."""
    text = fileobj.read().decode("utf-8")
    data = yaml.safe_load(text) or {}
    found = [rule.get("source") for rule in data.get("rules") or [] if isinstance(rule, dict)]
    if isinstance(data.get("visit_window"), dict):
        found.append(data["visit_window"].get("source"))
    lines = text.splitlines()
    for source in found:
        if isinstance(source, str) and source:
            at = next((n for n, line in enumerate(lines, start=1) if "source:" in line and source[:30] in line), 0)
            yield at, None, source, []


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
