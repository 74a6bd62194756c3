"""Relative date phrases resolved against the borrower's local date (weeks start on Monday)."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from duecare.speech.numbers import ZH_DIGITS, small_number


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    value: date
    deadline: bool  # "by / before" the date (月底之前, "by Friday")


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(today: date, months: int) -> tuple[int, int]:
    index = today.year * 12 + today.month - 1 + months
    return index // 12, index % 12 + 1


def _week_day(today: date, weeks_ahead: int, weekday: int) -> date:
    monday = today - timedelta(days=today.weekday())
    return monday + timedelta(weeks=weeks_ahead, days=weekday)


def _upcoming_weekday(today: date, weekday: int) -> date:
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def _day_on_or_after(today: date, day: int) -> date | None:
    """The first given day of month on or after today (15号 on the 20th is next month's 15th)."""
    for months in range(3):
        year, month = _add_months(today, months)
        if day <= calendar.monthrange(year, month)[1]:
            candidate = date(year, month, day)
            if candidate >= today:
                return candidate
    return None


def _day_in_month(today: date, months: int, day: int) -> date | None:
    year, month = _add_months(today, months)
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return date(year, month, day)


def _absolute(today: date, month: int, day: int) -> date | None:
    """A month and day without a year: this year, or next year if it has passed."""
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            return None
        if candidate >= today:
            return candidate
    return None


Resolver = Callable[[re.Match[str], date], date | None]

# ---------------------------------------------------------------- Chinese
_ZH_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5,
               "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}
_N = rf"([0-9{ZH_DIGITS}]{{1,4}})"
_WK = r"(?:周|星期|礼拜)"
_WD = r"([一二三四五六日天末1-7])"


def _zn(match: re.Match[str], group: int) -> int:
    value = small_number(match.group(group))
    if value is None:
        raise ValueError(match.group(group))
    return value


_ZH_RULES: list[tuple[str, Resolver]] = [
    (rf"上个?{_WK}{_WD}", lambda m, t: _week_day(t, -1, _ZH_WEEKDAY[m.group(1)])),
    (rf"下下个?{_WK}{_WD}", lambda m, t: _week_day(t, 2, _ZH_WEEKDAY[m.group(1)])),
    (rf"下个?{_WK}{_WD}", lambda m, t: _week_day(t, 1, _ZH_WEEKDAY[m.group(1)])),
    (rf"(?:本|这个?){_WK}{_WD}", lambda m, t: _week_day(t, 0, _ZH_WEEKDAY[m.group(1)])),
    (rf"{_WK}{_WD}", lambda m, t: _upcoming_weekday(t, _ZH_WEEKDAY[m.group(1)])),
    (rf"上个?月{_N}(?:号|日)", lambda m, t: _day_in_month(t, -1, _zn(m, 1))),
    (r"上个?月(?:底|末)", lambda m, t: _last_day(*_add_months(t, -1))),
    (r"下个?月(?:底|末)", lambda m, t: _last_day(*_add_months(t, 1))),
    (r"下个?月初", lambda m, t: _day_in_month(t, 1, 1)),
    (rf"下个?月{_N}(?:号|日)", lambda m, t: _day_in_month(t, 1, _zn(m, 1))),
    (rf"(?:本|这个?)月{_N}(?:号|日)", lambda m, t: _day_in_month(t, 0, _zn(m, 1))),
    (r"(?:本|这个?)?月(?:底|末)", lambda m, t: _last_day(t.year, t.month)),
    (rf"{_N}月{_N}(?:号|日)?", lambda m, t: _absolute(t, _zn(m, 1), _zn(m, 2))),
    (rf"{_N}(?:号|日)(?!子)", lambda m, t: _day_on_or_after(t, _zn(m, 1))),
    (r"大后天", lambda m, t: t + timedelta(days=3)),
    (r"后天", lambda m, t: t + timedelta(days=2)),
    (r"明天|明儿|明早|明晚", lambda m, t: t + timedelta(days=1)),
    (r"昨天|前天", lambda m, t: t - timedelta(days=1)),
    (r"今天|今儿|今晚|今天下午|当天", lambda m, t: t),
    (rf"(?:过)?{_N}(?:个)?(?:天|日)(?:后|之后|以后|内|之内|以内)", lambda m, t: t + timedelta(days=_zn(m, 1))),
    (rf"过{_N}(?:个)?天", lambda m, t: t + timedelta(days=_zn(m, 1))),
    (rf"{_N}(?:个)?(?:星期|礼拜|周)(?:后|之后|以后|内|之内)", lambda m, t: t + timedelta(weeks=_zn(m, 1))),
]
_ZH_DEADLINE = re.compile(r"^\s*(?:之前|以前|前|内|为止)")

# ---------------------------------------------------------------- English
_EN_WEEKDAYS = {"monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
                "thursday": 3, "thu": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5,
                "sunday": 6, "sun": 6}
_EN_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_EN_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_EN_MONTHS["sept"] = 9
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
             "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
             "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
             "nineteenth": 19, "twentieth": 20, "thirtieth": 30}
_ORD = r"(\d{1,2})(?:st|nd|rd|th)?|(twenty[- ]\w+|thirty[- ]first|" + "|".join(_ORDINALS) + ")"
_DAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_MON = r"(" + "|".join(sorted(_EN_MONTHS, key=len, reverse=True)) + r")\.?"
_NUMW = r"(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|fourteen|thirty)"


def _ordinal(match: re.Match[str], digit_group: int) -> int:
    digits, word = match.group(digit_group), match.group(digit_group + 1)
    if digits:
        return int(digits)
    word = word.lower().replace("-", " ")
    if word in _ORDINALS:
        return _ORDINALS[word]
    tens, _, unit = word.partition(" ")
    return (20 if tens == "twenty" else 30) + _ORDINALS.get(unit, 0)


def _en_count(match: re.Match[str], group: int) -> int:
    value = small_number(match.group(group))
    return 1 if value is None else value


_EN_RULES: list[tuple[str, Resolver]] = [
    (r"(?:the )?end of next month", lambda m, t: _last_day(*_add_months(t, 1))),
    (r"(?:the )?(?:end of (?:the |this )?month|month[- ]end)", lambda m, t: _last_day(t.year, t.month)),
    (rf"(?:the )?(?:{_ORD}) of next month", lambda m, t: _day_in_month(t, 1, _ordinal(m, 1))),
    (rf"(?:the )?(?:{_ORD}) of (?:this|the) month", lambda m, t: _day_in_month(t, 0, _ordinal(m, 1))),
    (rf"(?:the )?(?:{_ORD}) of {_MON}", lambda m, t: _absolute(t, _EN_MONTHS[m.group(3).lower()], _ordinal(m, 1))),
    (rf"{_MON} (?:the )?(?:{_ORD})\b", lambda m, t: _absolute(t, _EN_MONTHS[m.group(1).lower()], _ordinal(m, 2))),
    (rf"\b(?:on|by|before|until|till) the (?:{_ORD})\b", lambda m, t: _day_on_or_after(t, _ordinal(m, 1))),
    (r"\b(?:the |on )(\d{1,2})(?:st|nd|rd|th)\b", lambda m, t: _day_on_or_after(t, int(m.group(1)))),
    (rf"\bnext week'?s? ({_DAY})|\b({_DAY}) (?:of )?next week",
     lambda m, t: _week_day(t, 1, _EN_WEEKDAYS[(m.group(1) or m.group(2)).lower()])),
    (rf"\blast ({_DAY})", lambda m, t: _week_day(t, -1, _EN_WEEKDAYS[m.group(1).lower()])),
    (rf"\bnext ({_DAY})", lambda m, t: _week_day(t, 1, _EN_WEEKDAYS[m.group(1).lower()])),
    (rf"\bthis coming ({_DAY})|\bcoming ({_DAY})",
     lambda m, t: _upcoming_weekday(t, _EN_WEEKDAYS[(m.group(1) or m.group(2)).lower()])),
    (rf"\bthis ({_DAY})", lambda m, t: _week_day(t, 0, _EN_WEEKDAYS[m.group(1).lower()])),
    (rf"\b({_DAY})\b", lambda m, t: _upcoming_weekday(t, _EN_WEEKDAYS[m.group(1).lower()])),
    (r"\b(?:the )?day after tomorrow\b", lambda m, t: t + timedelta(days=2)),
    (r"\btomorrow\b", lambda m, t: t + timedelta(days=1)),
    (r"\byesterday\b", lambda m, t: t - timedelta(days=1)),
    (r"\b(?:today|tonight|this (?:afternoon|evening))\b", lambda m, t: t),
    (rf"\bin {_NUMW} days?\b|\b{_NUMW} days? from (?:now|today)\b",
     lambda m, t: t + timedelta(days=_en_count(m, 1 if m.group(1) else 2))),
    (rf"\bin {_NUMW} weeks?\b|\b{_NUMW} weeks? from (?:now|today)\b",
     lambda m, t: t + timedelta(weeks=_en_count(m, 1 if m.group(1) else 2))),
]
_EN_DEADLINE_BEFORE = re.compile(r"(?:\bby|\bbefore|\bno later than|\buntil)\s+(?:the\s+)?$", re.IGNORECASE)

_COMPILED = {
    "zh": [(re.compile(p), f) for p, f in _ZH_RULES],
    "en": [(re.compile(p, re.IGNORECASE), f) for p, f in _EN_RULES],
}


def find_dates(text: str, lang: str, today: date) -> list[DateMention]:
    """Every date phrase in text, longest rule first, without overlaps, in reading order."""
    taken: list[tuple[int, int]] = []
    found: list[DateMention] = []
    for pattern, resolve in _COMPILED["zh" if lang == "zh" else "en"]:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < e and s < end for s, e in taken):
                continue
            try:
                value = resolve(match, today)
            except (ValueError, KeyError):
                continue
            if value is None:
                continue
            taken.append((start, end))
            if lang == "zh":
                deadline = bool(_ZH_DEADLINE.match(text[end:]))
            else:
                deadline = bool(_EN_DEADLINE_BEFORE.search(text[max(0, start - 20):start]))
            found.append(DateMention(start, end, value, deadline))
    return sorted(found, key=lambda d: d.start)
