"""Dates resolve in the borrower's calendar (weeks start Monday) and spoken amounts become numbers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from duecare.speech.amounts import find_amounts
from duecare.speech.dates import find_dates

THURSDAY = date(2026, 11, 12)


@pytest.mark.parametrize(("phrase", "expected"), [
    ("明天", "2026-11-13"), ("后天", "2026-11-14"), ("三天后", "2026-11-15"), ("本周五", "2026-11-13"),
    ("下周五", "2026-11-20"), ("下周三", "2026-11-18"), ("这个星期天", "2026-11-15"), ("15号", "2026-11-15"),
    ("十号", "2026-12-10"), ("月底", "2026-11-30"), ("本月底", "2026-11-30"), ("下个月底", "2026-12-31"),
    ("下个月十五号", "2026-12-15"), ("12月3号", "2026-12-03"), ("下下周一", "2026-11-23"),
])
def test_chinese_date_phrase_resolves_from_a_thursday(phrase: str, expected: str) -> None:
    assert [d.value.isoformat() for d in find_dates(f"我{phrase}还", "zh", THURSDAY)] == [expected]


@pytest.mark.parametrize(("phrase", "expected"), [
    ("tomorrow", "2026-11-13"), ("the day after tomorrow", "2026-11-14"), ("in three days", "2026-11-15"),
    ("this Friday", "2026-11-13"), ("next Friday", "2026-11-20"), ("on Friday", "2026-11-13"),
    ("on the 15th", "2026-11-15"), ("on the 10th", "2026-12-10"), ("end of the month", "2026-11-30"),
    ("the end of next month", "2026-12-31"), ("the 15th of next month", "2026-12-15"), ("December 3rd", "2026-12-03"),
])
def test_english_date_phrase_resolves_from_a_thursday(phrase: str, expected: str) -> None:
    assert [d.value.isoformat() for d in find_dates(f"I'll pay {phrase}", "en", THURSDAY)] == [expected]


def test_a_deadline_is_marked_and_resolves_to_the_deadline_itself() -> None:
    (zh,) = find_dates("月底之前还清", "zh", THURSDAY)
    (en,) = find_dates("by the end of the month", "en", THURSDAY)
    assert (zh.value, zh.deadline, en.value, en.deadline) == (date(2026, 11, 30), True, date(2026, 11, 30), True)


def test_the_15th_on_the_15th_is_today_and_after_it_next_month() -> None:
    assert find_dates("15号", "zh", date(2026, 11, 15))[0].value == date(2026, 11, 15)
    assert find_dates("15号", "zh", date(2026, 11, 16))[0].value == date(2026, 12, 15)


@pytest.mark.parametrize(("text", "value"), [
    ("五百", 500), ("一千五", 1500), ("两千", 2000), ("1万5", 15000), ("三千块", 3000), ("八百块钱", 800),
    ("1200元", 1200), ("两万三", 23000), ("一千二百五十", 1250), ("1.5万", 15000),
])
def test_chinese_amount(text: str, value: int) -> None:
    assert [a.value for a in find_amounts(f"我先还{text}", "zh")] == [Decimal(value)]


@pytest.mark.parametrize(("text", "value"), [
    ("two hundred dollars", "200"), ("$1,200", "1200"), ("fifteen hundred dollars", "1500"),
    ("a hundred and fifty bucks", "150"), ("$1,250.50", "1250.50"), ("300 dollars", "300"), ("$2k", "2000"),
])
def test_english_amount(text: str, value: str) -> None:
    assert [a.value for a in find_amounts(f"I can pay {text} then", "en")] == [Decimal(value)]


@pytest.mark.parametrize("text", ["我有两个孩子", "三个月没上班", "尾号8821的卡", "等一下", "15号"])
def test_counts_dates_and_card_numbers_are_not_money(text: str) -> None:
    assert find_amounts(text, "zh") == []
