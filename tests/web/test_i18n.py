"""Translations: every message the pages use has a Chinese translation; the switch and fallbacks work."""

from __future__ import annotations

from typing import Any

from duecare.web import catalogs, i18n


def test_every_message_id_in_the_code_has_a_simplified_chinese_translation() -> None:
    assert catalogs.missing("zh_CN") == []


def test_the_po_source_is_read_without_a_compiled_catalog() -> None:
    i18n.translations.cache_clear()
    tr = i18n.translations("zh_CN")
    assert tr.gettext("Promise to pay") == "承诺还款"
    assert i18n.translations("en").gettext("Promise to pay") == "Promise to pay"


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
