"""Generic behaviours that carry the analyser beyond its own templates: spoken and regional Chinese, ASR noise,
negation and hedge scope, elliptical answers, and date and amount grammar on awkward calendar days."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests.speech.conftest import OPEN, borrower_says, call

from duecare.speech.amounts import find_amounts
from duecare.speech.analysis import analyze_transcript
from duecare.speech.transcript import clauses, normalise_text

SUNDAY = "2026-11-15T16:20:00+08:00"
MONTH_END_MONDAY = "2026-11-30T09:15:00+08:00"
YEAR_END = "2026-12-31T20:45:00+08:00"
JAN_31_SUNDAY = "2027-01-31T11:00:00+08:00"
FEB_27_FRIDAY = "2026-02-27T10:30:00+08:00"


@pytest.mark.parametrize(("as_of", "phrase", "expected"), [
    (SUNDAY, "下周五", "2026-11-20"), (SUNDAY, "下礼拜一", "2026-11-16"), (SUNDAY, "15号", "2026-11-15"),
    (SUNDAY, "明儿个", "2026-11-16"), (SUNDAY, "三天后", "2026-11-18"), (SUNDAY, "月底", "2026-11-30"),
    (MONTH_END_MONDAY, "月底", "2026-11-30"), (MONTH_END_MONDAY, "本月底之前", "2026-11-30"),
    (MONTH_END_MONDAY, "下个月底", "2026-12-31"), (MONTH_END_MONDAY, "本周五", "2026-12-04"),
    (YEAR_END, "明天", "2027-01-01"), (YEAR_END, "下周五", "2027-01-08"), (YEAR_END, "下个月十五号", "2027-01-15"),
    (JAN_31_SUNDAY, "下个月底", "2027-02-28"), (JAN_31_SUNDAY, "后天", "2027-02-02"),
    (FEB_27_FRIDAY, "月底", "2026-02-28"), (FEB_27_FRIDAY, "后天", "2026-03-01"), (FEB_27_FRIDAY, "下週五", "2026-03-06"),
])
def test_chinese_promise_date_on_awkward_days(as_of: str, phrase: str, expected: str) -> None:
    assert borrower_says("zh", f"{phrase}还五百", as_of=as_of)["promise"] == {"date": expected, "amount": 500}


@pytest.mark.parametrize(("as_of", "phrase", "expected"), [
    ("2026-11-15T16:20:00-05:00", "next Friday", "2026-11-20"), ("2026-11-15T16:20:00-05:00", "in two weeks", "2026-11-29"),
    ("2026-11-30T09:15:00-05:00", "by the end of the month", "2026-11-30"), ("2026-11-30T09:15:00-05:00", "this Friday", "2026-12-04"),
    ("2026-09-16T11:00:00-04:00", "on the 15th", "2026-10-15"), ("2026-09-16T11:00:00-04:00", "on the 1st", "2026-10-01"),
    # late evening in New York is already the next day in UTC: the borrower's own calendar counts
    ("2026-12-31T18:00:00-05:00", "tomorrow", "2027-01-01"), ("2026-10-31T20:30:00-04:00", "end of next month", "2026-11-30"),
])
def test_english_promise_date_on_awkward_days(as_of: str, phrase: str, expected: str) -> None:
    assert borrower_says("en", f"I'll pay $500 {phrase}.", as_of=as_of)["promise"] == {"date": expected, "amount": 500}


@pytest.mark.parametrize(("text", "value"), [
    ("两百五", 250), ("1千2", 1200), ("3千", 3000), ("一千零五十", 1050), ("2,000元", 2000), ("两千五百块", 2500),
    ("四千八", 4800), ("一万二", 12000),
])
def test_more_chinese_amounts(text: str, value: int) -> None:
    assert [a.value for a in find_amounts(f"我先还{text}", "zh")] == [Decimal(value)]


@pytest.mark.parametrize(("text", "value"), [
    ("three hundred and fifty", "350"), ("a hundred and fifty", "150"), ("1.5k", "1500"), ("2 grand", "2000"),
    ("twelve hundred", "1200"), ("seven hundred fifty dollars", "750"),
])
def test_more_english_amounts(text: str, value: str) -> None:
    assert [a.value for a in find_amounts(f"I can pay {text} then", "en")] == [Decimal(value)]


def test_a_bare_number_after_a_pay_verb_is_money_but_not_a_count_of_days() -> None:
    assert [a.value for a in find_amounts("Tomorrow I'll send 400.", "en")] == [Decimal(400)]
    assert find_amounts("I can pay in 15 days", "en") == []


@pytest.mark.parametrize(("raw", "normal"), [
    ("下週五還你一千塊", "下周五还你一千块"), ("俺现在木有工作", "我现在没有工作"), ("我以经转过去了", "我已经转过去了"),
    ("15 号 还 1 千 2", "15号 还 1千2"), ("明儿个还", "明天还"),
])
def test_chinese_text_is_normalised(raw: str, normal: str) -> None:
    assert normalise_text(raw, "zh") == normal


def test_spaces_are_pauses_in_unpunctuated_chinese_but_single_characters_stay_attached() -> None:
    assert clauses("我也不是不还 下个月底吧 不 还了", "zh") == ["我也不是不还", "下个月底吧", "不还了"]


@pytest.mark.parametrize(("text", "expected"), [
    ("我也不是不还 下个月底吧 下个月底还两千五", {"date": "2026-12-31", "amount": 2500}),
    ("我没说不还啊 月底还 还三千五", {"date": "2026-11-30", "amount": 3500}),
    ("I'm not saying I won't pay. I'll pay $500 next Friday.", {"date": "2026-11-20", "amount": 500}),
])
def test_double_negation_does_not_cancel_a_promise(text: str, expected: dict) -> None:
    lang = "en" if text.isascii() else "zh"
    result = borrower_says(lang, text)
    assert (result["promise"], "refusal" in result["intents"]) == (expected, False)


def test_a_firm_part_across_a_contrast_is_not_hedged_but_a_plain_hedge_still_is() -> None:
    assert borrower_says("zh", "下周五肯定还 不过能还多少我尽量多还点")["promise"] == {"date": "2026-11-20", "amount": None}
    assert borrower_says("zh", "下周五还，但是不能保证")["promise"] is None
    assert borrower_says("en", "I'll pay on Friday but no promises.")["promise"] is None


@pytest.mark.parametrize(("lang", "text", "expected"), [
    ("zh", "这周五吧 这周五下午 五百块钱", {"date": "2026-11-13", "amount": 500}),
    ("en", "Next Monday, 250 dollars, I'll call it in myself.", {"date": "2026-11-16", "amount": 250}),
])
def test_a_date_and_an_amount_said_together_are_a_promise(lang: str, text: str, expected: dict) -> None:
    assert borrower_says(lang, text)["promise"] == expected


def test_income_next_to_a_date_is_not_a_promise() -> None:
    assert borrower_says("zh", "下周五发工资，工资才三千")["promise"] is None


def test_refusing_then_accepting_the_agents_proposal_is_both() -> None:
    result = analyze_transcript(call("zh", f"A: {OPEN['zh']}", "B: 没钱 不还了", "A: 能不能下周一先还五百？", "B: 唉 那就下周一吧"))
    assert (result["intents"], result["promise"]) == (["promise_to_pay", "refusal"], {"date": "2026-11-16", "amount": 500})


@pytest.mark.parametrize(("lang", "text", "category"), [
    ("zh", "我们厂子黄了 我现在木有工作", "job_loss"), ("zh", "俺这腰间盘突出 躺了俩月了", "illness"),
    ("zh", "今年生意忒差了", "income_drop"), ("zh", "我被人骗了 卡里的钱全被转走了", "other"),
    ("en", "It's not me who's sick, it's my daughter, she's in the hospital.", "family_emergency"),
])
def test_hardship_in_colloquial_words(lang: str, text: str, category: str) -> None:
    assert borrower_says(lang, text)["hardship"] == {"category": category}


@pytest.mark.parametrize(("lang", "agent"), [
    ("zh", "你不想让你单位知道吧？"), ("en", "You wouldn't want your boss finding out about this, would you?"),
    ("en", "Maybe we should give your neighbors a call."), ("zh", "我们就去你们村里贴告示 让全村都知道"),
    ("en", "We'll make sure your whole church knows about it."),
])
def test_exposure_threat_phrased_as_a_question(lang: str, agent: str) -> None:
    result = analyze_transcript(call(lang, f"A: {OPEN[lang]}", "B: ...", f"A: {agent}"))
    assert result["violations"] == [{"code": "threat", "turn": 2}]


@pytest.mark.parametrize(("lang", "agent", "code"), [
    ("zh", "不还钱的话 你终身不能坐飞机", "false_consequence"), ("en", "People like you are a waste of space.", "abusive_language"),
])
def test_lifetime_bans_and_insults(lang: str, agent: str, code: str) -> None:
    result = analyze_transcript(call(lang, f"A: {OPEN[lang]}", "B: ...", f"A: {agent}"))
    assert result["violations"] == [{"code": code, "turn": 2}]


def test_lawful_words_near_insults_are_not_abuse() -> None:
    result = analyze_transcript(call("en", f"A: {OPEN['en']}", "B: So?", "A: Please don't trash your credit over this, let's set up a plan."))
    assert result["violations"] == []


def test_claiming_to_be_the_police_is_impersonation_not_the_agents_identity() -> None:
    result = analyze_transcript(call("zh", "A: 喂，王刚是吧，我们是公安局经侦的，你在安信金融的借款到现在还没还。", "B: 我下周一还两千"))
    assert result["violations"] == [{"code": "impersonation_of_authority", "turn": 0}]
    assert result["missing_disclosures"] == ["agent_identity", "recording_notice"]


def test_true_credit_reporting_and_legal_review_are_lawful() -> None:
    zh = analyze_transcript(call("zh", f"A: {OPEN['zh']}", "B: 拖几天能咋地", "A: 逾期会影响征信记录，以后贷款审批都可能受影响。"))
    en = analyze_transcript(call("en", f"A: {OPEN['en']}", "B: So?", "A: Late payments may be reported to the credit bureaus, "
                                 "and we may refer the account for legal review."))
    assert (zh["violations"], en["violations"]) == ([], [])


def test_the_borrowers_local_date_is_used_not_utc() -> None:
    as_of = "2026-11-13T07:30:00+08:00"  # still 12 November in UTC
    assert borrower_says("zh", "明天还八百", as_of=as_of)["promise"] == {"date": "2026-11-14", "amount": 800}
