"""Every label fires on what it means and stays silent on the hard negatives next to it."""

from __future__ import annotations

import pytest
from tests.speech.conftest import OPEN, borrower_says, call

from duecare.speech.analysis import analyze_transcript

POSITIVE = [
    ("zh", "下周五发工资，我还两千。", "promise_to_pay"),
    ("zh", "我上个月被裁员了。", "hardship"),
    ("zh", "我从来没在你们那借过钱。", "dispute"),
    ("zh", "我在开会，你晚点再打吧。", "callback_request"),
    ("zh", "我不会还的，别打了。", "refusal"),
    ("zh", "我昨天已经还清了。", "claims_paid"),
    ("en", "I'll pay two hundred dollars next Friday.", "promise_to_pay"),
    ("en", "I got laid off in October.", "hardship"),
    ("en", "That's not my loan, someone used my identity.", "dispute"),
    ("en", "I'm driving, can you call me back later?", "callback_request"),
    ("en", "I'm not paying, period.", "refusal"),
    ("en", "I already paid that last week.", "claims_paid"),
]


@pytest.mark.parametrize(("lang", "text", "label"), POSITIVE)
def test_label_fires(lang: str, text: str, label: str) -> None:
    assert label in borrower_says(lang, text)["intents"]


HARD_NEGATIVES = [
    ("zh", "我不能保证下周五能还上。"),
    ("zh", "下周五我尽量还一千。"),
    ("zh", "看情况吧，如果发了工资就15号还五百。"),
    ("zh", "每个月还三百行不行？"),
    ("zh", "我不是不想还，是真的没钱。"),
    ("zh", "我还没还，也不知道什么时候能还。"),
    ("zh", "别再打了。"),
    ("zh", "我没钱。"),
    ("en", "I'll try to pay something on Friday."),
    ("en", "Maybe next Friday, if my check clears."),
    ("en", "I'm not refusing, I just need time."),
    ("en", "I haven't paid yet."),
    ("en", "Stop calling me so much."),
    ("en", "I don't have any money right now."),
]


@pytest.mark.parametrize(("lang", "text"), HARD_NEGATIVES)
def test_hard_negative_gives_no_intent(lang: str, text: str) -> None:
    result = borrower_says(lang, text)
    assert (result["intents"], result["promise"]) == ([], None)


def test_cant_promise_until_a_job_is_hardship_not_a_promise() -> None:
    result = borrower_says("en", "I can't promise anything until I find a job.")
    assert (result["intents"], result["hardship"]) == (["hardship"], {"category": "job_loss"})


@pytest.mark.parametrize(("text", "category"), [
    ("我生病住院了。", "illness"), ("我妈住院了，钱都交了医药费。", "family_emergency"), ("这几个月工资降了一半。", "income_drop"),
    ("老家发大水，房子被淹了。", "disaster"), ("我刚离婚，家里一团乱。", "other"), ("公司倒闭了，我没工作了。", "job_loss"),
])
def test_hardship_category(text: str, category: str) -> None:
    assert borrower_says("zh", text)["hardship"] == {"category": category}


def test_a_relatives_illness_is_a_family_emergency_not_the_borrowers_illness() -> None:
    assert borrower_says("en", "My son is in the hospital.")["hardship"] == {"category": "family_emergency"}
    assert borrower_says("en", "I'm in the hospital.")["hardship"] == {"category": "illness"}


@pytest.mark.parametrize(("lang", "reply"), [
    ("zh", "我不是他本人，我是他同事。"), ("zh", "你打错了。"), ("zh", "我是他老婆，他出去了。"),
    ("en", "Sorry, wrong number."), ("en", "No, I'm his wife, he's not home."),
])
def test_someone_else_answering_is_wrong_party_and_disclosures_are_not_judged(lang: str, reply: str) -> None:
    hello = "请问是张伟本人吗？我是信合金融的小王。" if lang == "zh" else "Hi, may I speak with Michael? This is Dana."
    result = analyze_transcript(call(lang, f"A: {hello}", f"O: {reply}"))
    assert (result["intents"], result["missing_disclosures"], result["violations"]) == (["wrong_party"], [], [])


def test_the_person_saying_it_is_them_is_not_wrong_party() -> None:
    assert borrower_says("zh", "是我，我就是张伟本人。")["intents"] == []


def test_accepting_the_agents_proposal_is_a_promise_with_its_date_and_amount() -> None:
    result = analyze_transcript(call("zh", f"A: {OPEN['zh']}", "A: 那您下周三能先还一千五吗？", "B: 可以，没问题。"))
    assert result["promise"] == {"date": "2026-11-18", "amount": 1500}


def test_a_later_firm_promise_replaces_a_hedge() -> None:
    result = analyze_transcript(call("en", f"A: {OPEN['en']}", "B: Maybe Friday, I'm not sure.",
                                     "A: Can you commit to a date?", "B: Okay. I'll pay $300 on the 20th."))
    assert result["promise"] == {"date": "2026-11-20", "amount": 300}


def test_by_the_end_of_the_month_is_the_deadline() -> None:
    assert borrower_says("zh", "月底之前我一定还三千块。")["promise"] == {"date": "2026-11-30", "amount": 3000}
