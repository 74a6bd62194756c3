"""Money amounts in speech: 五百, 一千五, 1万5, 三千块, "two hundred dollars", "$1,200"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from duecare.speech.numbers import EN_NUMBER_WORDS, ZH_DIGITS, en_words_number, zh_number


@dataclass(frozen=True)
class AmountMention:
    start: int
    end: int
    value: Decimal


_ZH_AMOUNT = re.compile(
    rf"(?<![0-9{ZH_DIGITS}第])([0-9][0-9,]*(?:\.[0-9]+)?万?[0-9{ZH_DIGITS}]*|[{ZH_DIGITS}]+)"
    r"\s*(块钱|块|元|圆|rmb|RMB)?"
)
# What follows a number that is not money: dates, counts, durations, ordinals.
_ZH_NOT_MONEY = re.compile(r"^\s*(?:号|日|天|月|个|期|周|星期|礼拜|点|年|分|岁|次|倍|%|％|口|家|套|张|笔|位|号线|层|楼|成|折|下|些)")
_ZH_NOT_MONEY_BEFORE = re.compile(r"(?:工号|编号|尾号|号码|电话|手机|卡号)\s*$")

_EN_WORDS = "|".join(EN_NUMBER_WORDS)
_EN_SMALL = ("one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
             "seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety")
_EN_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_EN_AMOUNT = re.compile(
    rf"(?P<sym>\$|usd\s?|£|€)\s?(?P<num>{_EN_DIGITS})(?P<k>\s?(?:k|grand)\b)?"
    rf"|(?P<num2>{_EN_DIGITS})\s?(?P<unit>dollars?|bucks|usd|pounds?|quid)\b"
    rf"|(?P<num3>{_EN_DIGITS})\s?(?P<k3>k|grand)\b"
    rf"|\b(?P<words>(?:(?:{_EN_WORDS})[\s-]+)*(?:{_EN_WORDS}))\s+(?P<unit2>dollars?|bucks|pounds?|quid)\b"
    # "fifteen hundred", "three hundred and fifty", "a hundred fifty"
    rf"|\b(?P<words2>(?:(?:{_EN_WORDS})[\s-]+)*(?:hundred|thousand|grand)(?:[\s-]+(?:and[\s-]+)?(?:{_EN_SMALL})(?:[\s-]+(?:{_EN_SMALL}))?)?)\b",
    re.IGNORECASE,
)
# A bare number right after a pay verb is money: "send 400", "pay 250 on Friday".
_EN_BARE = re.compile(
    r"\b(?:pay|send|transfer|wire|deposit|do|put|give you|get you)\s+(?P<num>\d{1,3}(?:,\d{3})+|\d{2,6})"
    r"(?!\s*(?:days?|weeks?|months?|%|percent|st|nd|rd|th|am|pm|o'clock)\b)(?![\d:/]|\.\d)",
    re.IGNORECASE,
)


def _zh_amounts(text: str) -> list[AmountMention]:
    found: list[AmountMention] = []
    for match in _ZH_AMOUNT.finditer(text):
        raw, unit = match.group(1), match.group(2)
        if _ZH_NOT_MONEY.match(text[match.end():]) and not unit:
            continue
        if _ZH_NOT_MONEY_BEFORE.search(text[: match.start()]):
            continue
        value = zh_number(raw)
        if value is None or value <= 0:
            continue
        has_magnitude = any(ch in raw for ch in "百千万")
        if not unit and not has_magnitude and not (raw[0].isdigit() and value >= 10):
            continue
        found.append(AmountMention(match.start(), match.end(), value))
    return found


def _en_amounts(text: str) -> list[AmountMention]:
    found: list[AmountMention] = []
    for match in _EN_AMOUNT.finditer(text):
        digits = match.group("num") or match.group("num2") or match.group("num3")
        value: Decimal | None
        if digits:
            value = Decimal(digits.replace(",", ""))
            if match.group("k") or match.group("k3"):
                value *= 1000
        else:
            value = en_words_number(match.group("words") or match.group("words2"))
        if value is None or value <= 0:
            continue
        found.append(AmountMention(match.start(), match.end(), value))
    for match in _EN_BARE.finditer(text):
        start, end = match.span("num")
        if not any(a.start <= start < a.end for a in found):
            found.append(AmountMention(start, end, Decimal(match.group("num").replace(",", ""))))
    return sorted(found, key=lambda a: a.start)


def find_amounts(text: str, lang: str) -> list[AmountMention]:
    """Every money amount in text, in reading order."""
    return _zh_amounts(text) if lang == "zh" else _en_amounts(text)
