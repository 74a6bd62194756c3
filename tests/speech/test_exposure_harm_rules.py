"""Generic QA and intent rules added after the probe2 split: exposure-verb x audience, implied harm, legal-penalty
nouns stated as certain, impersonation in new self-introductions, plus the lawful look-alikes that must stay clean.
The sentences here are variations, not the probe's own sentences."""

from __future__ import annotations

import pytest
from tests.speech.conftest import OPEN, borrower_says, call

from duecare.speech.analysis import analyze_transcript


def _violations(lang: str, agent_line: str) -> list[dict[str, object]]:
    return analyze_transcript(call(lang, f"A: {OPEN[lang]}", "B: 我现在没钱。" if lang == "zh" else "B: I don't have it.",
                                   f"A: {agent_line}"))["violations"]


@pytest.mark.parametrize(("lang", "line", "code"), [
    # contacts list and social exposure
    ("zh", "你再拖，我们就把你的联系人挨个打一遍。", "threat"),
    ("zh", "信不信我爆你手机通讯录？", "threat"),
    ("zh", "我们让你在朋友圈里社会性死亡。", "threat"),
    # "we have / can reach the people around you"
    ("zh", "你爸妈的地址我们早就查到了。", "threat"),
    ("zh", "我们已经拿到你公司同事的联系方式了。", "threat"),
    ("zh", "你老家的亲戚我们都找得到。", "threat"),
    # the family's whereabouts, named by the agent
    ("zh", "你儿子在三中上学对吧？", "threat"),
    ("zh", "我们知道你家住哪里。", "threat"),
    ("en", "We know where your wife works.", "threat"),
    ("en", "Too bad if anything were to happen to your house.", "threat"),
    ("en", "Something unfortunate could happen to your family.", "threat"),
    ("en", "We'll come over to your house and sort this out in front of your kids.", "threat"),
    ("en", "Maybe we'll pay you a little visit.", "threat"),
    ("en", "Your coworkers are all going to learn about this.", "threat"),
    # insults
    ("zh", "你这样的人借什么钱。", "abusive_language"),
    ("zh", "猪脑子，说了几遍都记不住。", "abusive_language"),
    # legal penalties stated as certain
    ("zh", "你女儿将来考公政审肯定过不了，前途就完了。", "false_consequence"),
    ("zh", "下个月你的车子就会被拖走抵债。", "false_consequence"),
    ("en", "We're garnishing your paycheck on Monday.", "false_consequence"),
    ("en", "Your professional license will be revoked.", "false_consequence"),
    ("en", "We'll have your passport flagged at the border.", "false_consequence"),
    # impersonation in new self-introductions
    ("zh", "我现在是代表法院正式通知你，明天之前必须还清。", "impersonation_of_authority"),
    ("zh", "我们其实是公安局的，这个案子我们在跟。", "impersonation_of_authority"),
    ("en", "I'm from the county court, and this is your final notice.", "impersonation_of_authority"),
    ("en", "I work at the sheriff's department and I'm handling your file.", "impersonation_of_authority"),
])
def test_new_generic_violation_rules(lang: str, line: str, code: str) -> None:
    assert _violations(lang, line) == [{"code": code, "turn": 2}]


@pytest.mark.parametrize(("lang", "line"), [
    ("zh", "如果进入诉讼，法院判决后可能会依法查封财产，这个需要法院来决定。"),
    ("zh", "我们不会联系您的同事或者通讯录里的人。"),
    ("zh", "逾期记录会报送征信，这是真实的。"),
    ("zh", "您的案件可能会转交合作律所，届时会寄送律师函。"),
    ("en", "We may pursue lawful collection, including legal review of your account."),
    ("en", "If a court issues a judgment, wages could be garnished, but that's a legal process."),
    ("en", "I'm required to tell you this call is recorded."),
    ("en", "We don't contact your employer or your neighbors about your account."),
])
def test_lawful_look_alikes_stay_clean(lang: str, line: str) -> None:
    assert _violations(lang, line) == []


@pytest.mark.parametrize(("lang", "text", "intents"), [
    ("zh", "现在在忙，晚上你再打吧", ["callback_request"]),
    ("zh", "我在外面，回头再聊", ["callback_request"]),
    ("zh", "忙完了我打给你", ["callback_request"]),
    ("en", "Can we go over this later? I'm at the store.", ["callback_request"]),
    ("en", "Let's discuss it some other time.", ["callback_request"]),
    ("en", "Are you going to sue me?", []),
    ("zh", "这个数明显不对", ["dispute"]),
    ("zh", "怎么就滚到一万了", ["dispute"]),
])
def test_new_intent_cues(lang: str, text: str, intents: list[str]) -> None:
    assert borrower_says(lang, text)["intents"] == intents


@pytest.mark.parametrize(("lang", "text", "category"), [
    ("zh", "这半年营业额腰斩了", "income_drop"),
    ("zh", "小店门可罗雀，房租都交不上", "income_drop"),
    ("en", "They let us go when the plant closed.", "job_loss"),
    ("en", "Scammers wiped out my savings.", "other"),
])
def test_new_hardship_wordings(lang: str, text: str, category: str) -> None:
    assert borrower_says(lang, text)["hardship"] == {"category": category}


@pytest.mark.parametrize(("first", "missing"), [
    ("您好，我姓孙，是安达金融的工作人员，本次通话录音，关于您的借款。", []),
    ("这边是汇通小贷，通话有录音，您的账单还没还。", []),
    ("您好，本次通话录音，您打算什么时候还？", ["agent_identity"]),
])
def test_chinese_identity_and_purpose_forms(first: str, missing: list[str]) -> None:
    assert analyze_transcript(call("zh", f"A: {first}", "B: 嗯。"))["missing_disclosures"] == missing
