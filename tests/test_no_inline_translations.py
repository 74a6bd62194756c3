"""One i18n mechanism: user-facing text lives in the gettext catalogs (duecare/locale), never as zh/en pairs in
Python. This test fails when a .py file under src/ contains a CJK character, except in the few modules whose
Chinese is the *language being processed* (input vocabularies and synthetic data), not text shown to a user."""

from __future__ import annotations

import re
from pathlib import Path

import duecare

SRC = Path(duecare.__file__).resolve().parent
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff60]")

ALLOWED = {
    # Chinese speech analytics: lexicons, number/date/amount grammars and synthetic test clips are the language
    # the transcripts are in.
    "speech/": "parses Chinese speech",
    # Borrowers' replies (consent, opt-out, wrong number, yes/no) are parsed in Chinese and English.
    "contacts/replies.py": "parses replies",
    # The words the personal-data scanner looks for in visit reports (health, religion, politics, ...).
    "visits/scanner_lexicon.py": "scanner vocabulary",
    # Synthetic Chinese names, cities and streets for generated portfolios.
    "ledger/synth/places.py": "synthetic data",
}


def _allowed(relative: str) -> bool:
    return any(relative == entry or (entry.endswith("/") and relative.startswith(entry)) for entry in ALLOWED)


def test_no_python_module_outside_the_allow_list_contains_chinese() -> None:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if _allowed(relative):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if CJK.search(line):
                found.append(f"{relative}:{number}: {line.strip()[:80]}")
    assert found == [], ("put user-facing text in the catalog (kit.i18n.translate / N_ / templates with _()), "
                         "not inline:\n" + "\n".join(found))


def test_every_allow_list_entry_exists_and_still_needs_it() -> None:
    for entry in ALLOWED:
        paths = [p for p in SRC.rglob("*.py") if _allowed(p.relative_to(SRC).as_posix())
                 and p.relative_to(SRC).as_posix().startswith(entry)]
        assert any(CJK.search(p.read_text(encoding="utf-8")) for p in paths), f"{entry} is stale: remove it"
