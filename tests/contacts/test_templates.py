"""Templates carry each pack's mandatory content and never show the debt where someone else may read it."""

from __future__ import annotations

from pathlib import Path

import pytest

from duecare.contacts.adapters.base import OutboundMessage
from duecare.contacts.adapters.pdf_letters import PdfLetters
from duecare.contacts.templates import preview, render

DEBT_WORDS = ("debt", "overdue", "arrears", "owe", "collect", "逾期", "债务", "欠款", "催收", "还款", "借款")
PACKS, LANGS = ("cn", "us", "uk"), ("zh", "en")


@pytest.mark.parametrize("pack", PACKS)
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("action", ["sms_reminder", "email_notice", "visit_notice"])
def test_every_pack_and_language_renders_every_message(pack: str, lang: str, action: str) -> None:
    out = render(pack, action, lang, name="王芳", loan_id="L000123")
    assert out.body.strip()
    assert "{" not in out.body and "{" not in out.subject


@pytest.mark.parametrize("lang", LANGS)
def test_us_messages_say_they_come_from_a_debt_collector_and_how_to_opt_out(lang: str) -> None:
    sms = render("us", "sms_reminder", lang).body
    email = render("us", "email_notice", lang, name="Jane Doe", loan_id="L1").body
    assert "This is a communication from a debt collector" in sms and "STOP" in sms
    assert "attempting to collect a debt" in email or "attempt to collect a debt" in email
    assert "UNSUBSCRIBE" in email


@pytest.mark.parametrize("pack", PACKS)
@pytest.mark.parametrize("lang", LANGS)
def test_subjects_and_previews_never_mention_the_debt(pack: str, lang: str) -> None:
    out = render(pack, "email_notice", lang, name="Jane Doe", loan_id="L1")
    shown = (out.subject + "\n" + preview(out.body)).lower()
    assert not [w for w in DEBT_WORDS if w in shown]


@pytest.mark.parametrize("pack", ["cn", "uk"])
@pytest.mark.parametrize("lang", LANGS)
def test_sms_is_minimal_and_names_no_debt_outside_the_us_disclosure(pack: str, lang: str) -> None:
    body = render(pack, "sms_reminder", lang).body.lower()
    assert not [w for w in DEBT_WORDS if w in body]
    assert len(body) <= 120


def test_a_letter_is_a_pdf_with_chinese_text_written_once_by_key(tmp_path: Path) -> None:
    out = render("cn", "visit_notice", "zh", name="王芳", loan_id="L000123")
    letters = PdfLetters(tmp_path)
    msg = OutboundMessage(task_id=1, key="k" * 64, channel="letter", to="王芳\n上海市浦东新区XX路1号",
                          body=out.body, subject=out.subject)
    first = letters.deliver(msg, None)  # type: ignore[arg-type]
    second = letters.deliver(msg, None)  # type: ignore[arg-type]
    pdf = (tmp_path / f"{'k' * 64}.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and b"WenQuanYi" in pdf or b"wqy" in pdf.lower()
    assert not first.duplicate and second.duplicate
    assert list(tmp_path.iterdir()) == [tmp_path / f"{'k' * 64}.pdf"]
