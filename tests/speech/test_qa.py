"""Agent QA: one most specific code per offending turn; disclosures judged only when the debtor is reached."""

from __future__ import annotations

import pytest
from tests.speech.conftest import OPEN, call

from duecare.speech.analysis import analyze_transcript


def _violations(lang: str, agent_line: str) -> list[dict[str, object]]:
    return analyze_transcript(call(lang, f"A: {OPEN[lang]}", "B: 我现在没钱。" if lang == "zh" else "B: I don't have it.",
                                   f"A: {agent_line}"))["violations"]


@pytest.mark.parametrize(("lang", "line", "code"), [
    ("zh", "你再不还，我们就通知你的家人和单位。", "threat"),
    ("zh", "你这个老赖，借了钱就想赖账？", "abusive_language"),
    ("zh", "再不还你就等着坐牢吧。", "false_consequence"),
    ("zh", "你的征信会被永久拉黑，一辈子都贷不了款。", "false_consequence"),
    ("zh", "我这边是法院执行局的，你的案子已经立案了。", "impersonation_of_authority"),
    ("en", "We'll tell your employer about it.", "threat"),
    ("en", "You're just a deadbeat.", "abusive_language"),
    ("en", "If you don't pay, you're going to jail.", "false_consequence"),
    ("en", "This is Officer Brown from the county sheriff's office, and there's a warrant.", "impersonation_of_authority"),
])
def test_violation_gets_its_most_specific_code_and_quotes_its_turn(lang: str, line: str, code: str) -> None:
    assert _violations(lang, line) == [{"code": code, "turn": 2}]


@pytest.mark.parametrize(("lang", "line"), [
    ("zh", "逾期可能会影响您的征信记录，建议尽快处理。"),
    ("zh", "您的信息我们会严格保密，不会告诉您的家人。"),
    ("zh", "如果有异议，您可以向监管部门投诉。"),
    ("en", "Late payments may be reported to the credit bureaus."),
    ("en", "We won't discuss this with your family or employer."),
    ("en", "You won't go to jail over this, but we'd like to agree on a plan."),
])
def test_lawful_statements_are_not_violations(lang: str, line: str) -> None:
    assert _violations(lang, line) == []


def test_stating_the_purpose_before_confirming_identity_to_someone_else_is_a_disclosure() -> None:
    result = analyze_transcript(call("zh", "A: 张伟吗？你在我们这的借款已经逾期三十天了。", "O: 我不是张伟，我是他同事。"))
    assert result["violations"] == [{"code": "third_party_disclosure", "turn": 0}]
    assert result["missing_disclosures"] == []


def test_naming_only_the_lender_to_someone_else_is_not_a_disclosure() -> None:
    result = analyze_transcript(call("en", "A: Hi, may I speak with Michael? This is Dana from Harbor Finance.",
                                     "O: He's not home.", "A: Could you ask him to call Dana back? Thanks."))
    assert result["violations"] == []


def test_missing_disclosures_are_listed_when_the_debtor_is_reached() -> None:
    result = analyze_transcript(call("zh", "A: 喂，王强吗？", "B: 是我。", "A: 你那笔钱什么时候还？"))
    assert result["missing_disclosures"] == ["agent_identity", "call_purpose", "recording_notice"]


def test_a_disclosure_anywhere_in_the_agents_turns_counts() -> None:
    result = analyze_transcript(call("en", "A: Hi, is this Michael?", "B: Yes.",
                                     "A: This is Dana from Harbor Finance, calling about your loan.", "B: Okay.",
                                     "A: By the way, this call is recorded."))
    assert result["missing_disclosures"] == []
