"""Translations: every message the pages use has a Chinese translation; the switch and fallbacks work."""

from __future__ import annotations

import gettext
import io
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from duecare.kit import i18n as kit_i18n
from duecare.web import catalogs, i18n

FIELD = re.compile(r"{(\w*)[^{}]*}")


def test_every_message_id_in_the_code_has_a_simplified_chinese_translation() -> None:
    assert catalogs.missing("zh_CN") == []


@pytest.mark.parametrize("locale", kit_i18n.LOCALES)
def test_the_catalog_compiles_and_every_translation_keeps_its_fields(locale: str) -> None:
    """Babel's checks pass, the compiled catalog reads back with gettext, and a translation names exactly the
    `{fields}` of its id (a dropped or renamed field would raise or lose the value at run time)."""
    with kit_i18n.po_path(locale).open("rb") as fh:
        catalog = read_po(fh, locale=locale, abort_invalid=True)  # a malformed entry fails here, not silently
    problems = [f"{m.id!r}: {errs}" for m, errs in catalog.check()]
    wrong_fields = [m.id for m in catalog if isinstance(m.id, str) and m.id and m.string
                    and sorted(FIELD.findall(m.id)) != sorted(FIELD.findall(str(m.string)))]
    assert problems == [] and wrong_fields == []
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    compiled = gettext.GNUTranslations(buffer)
    translated = [m for m in catalog if isinstance(m.id, str) and m.id and m.string and not m.fuzzy]
    assert translated or locale == "en"
    assert all(compiled.gettext(m.id) == m.string for m in translated)


def test_every_rule_source_the_packs_and_strategies_cite_is_extracted_and_reads_in_chinese() -> None:
    """Pages show a rule's `source:` through the catalog (policy page, gate, blocking rules, the portal's decision
    page): catalogs.py extracts them from the YAML, so a new or reworded citation needs its translation."""
    from duecare.policy.loader import PACKAGE, all_packs, load_strategy

    strategies = [load_strategy(p.stem) for p in sorted(Path(str(PACKAGE / "strategies")).glob("*.yaml"))
                  if not p.name.endswith(".examples.yaml")]
    cited = {r.source for pack in all_packs().values() for r in pack.rules}
    cited |= {r.source for s in strategies for r in s.rules} | {s.visit_window.source for s in strategies}
    extracted = {m.id for m in catalogs.extract()}
    assert strategies and sorted(cited - extracted) == []
    kit_i18n.translations.cache_clear()
    untranslated = sorted(s for s in cited if not re.search(r"[\u4e00-\u9fff]", kit_i18n.translate("zh", s))
                          or kit_i18n.translate("zh", s) == s)
    assert untranslated == []
    assert all(kit_i18n.translate("en", s) == s for s in cited)


def test_one_catalog_serves_pages_and_domain_messages() -> None:
    kit_i18n.translations.cache_clear()
    assert kit_i18n.translations("zh_CN").gettext("Promise to pay") == "承诺还款"
    assert kit_i18n.translations("en").gettext("Promise to pay") == "Promise to pay"
    assert kit_i18n.translate("zh", "Promise to pay") == "承诺还款"
    assert kit_i18n.translate("en-GB", "Promise to pay") == "Promise to pay"


def test_the_locale_comes_from_the_cookie_then_the_browser() -> None:
    from starlette.requests import Request

    def req(headers: list[tuple[bytes, bytes]]) -> Request:
        return Request({"type": "http", "headers": headers})

    assert i18n.request_locale(req([(b"accept-language", b"en-GB,en;q=0.9")])) == "en"
    assert i18n.request_locale(req([(b"accept-language", b"fr-FR")])) == "zh_CN"
    assert i18n.request_locale(req([(b"cookie", b"duecare_lang=en"), (b"accept-language", b"zh-CN")])) == "en"


def test_the_language_switch_remembers_the_choice_and_returns_to_the_page(client: Any) -> None:
    r = client.get("/lang/en?next=/portal/signin", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/portal/signin"
    assert "Sign in to your account" in client.get("/portal/signin").text
    client.get("/lang/zh_CN?next=//evil.example")  # an open redirect is refused: it goes home
    assert "登录您的账户" in client.get("/portal/signin").text


def test_a_moment_reads_the_decision_contracts_iso_strings_and_always_names_its_zone() -> None:
    from duecare.web.templating import moment

    assert moment("2026-12-05T08:00:00+08:00", "en", "Asia/Shanghai") == "2026-12-05 08:00 (Asia/Shanghai)"
    assert moment("2026-12-05T00:00:00", "en", "Europe/London") == "2026-12-05 00:00 (Europe/London)"  # naive = UTC
    assert moment(datetime(2026, 12, 5, tzinfo=UTC), "en", "Asia/Shanghai") == "2026-12-05 08:00 (Asia/Shanghai)"
    assert moment(None, "en", "Asia/Shanghai") == moment("", "en", "Asia/Shanghai") == "—"
