"""Spoken numbers to values: Chinese numerals (一千五, 1万5, 两千) and English words ("two hundred")."""

from __future__ import annotations

import re
import warnings
from decimal import Decimal, InvalidOperation

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import cn2an

ZH_DIGITS = "零〇一二两三四五六七八九十百千万"
_ZH_NUM = re.compile(rf"^[0-9.{ZH_DIGITS}]+$")


def zh_number(text: str) -> Decimal | None:
    """Value of a Chinese or mixed numeral ('一千五' → 1500, '1万5' → 15000), None if not one."""
    text = text.replace(",", "").replace("，", "").strip()
    if not text or not _ZH_NUM.match(text):
        return None
    if text.replace(".", "", 1).isdigit():
        return Decimal(text)
    try:
        value = cn2an.cn2an(text, "smart")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


_EN_UNITS = {
    "zero": 0, "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
_EN_SCALES = {"hundred": 100, "thousand": 1000, "grand": 1000, "k": 1000}
EN_NUMBER_WORDS = sorted(set(_EN_UNITS) | set(_EN_SCALES) | {"and"}, key=len, reverse=True)


def en_words_number(text: str) -> Decimal | None:
    """Value of English number words ('fifteen hundred' → 1500, 'a hundred and fifty' → 150)."""
    words = [w for w in re.split(r"[\s-]+", text.lower().strip()) if w]
    if not words or all(w in {"a", "an", "and"} for w in words):
        return None
    total, current, seen = 0, 0, False
    for word in words:
        if word == "and":
            continue
        if word in _EN_UNITS:
            current += _EN_UNITS[word]
            seen = True
        elif word == "hundred":
            current = max(current, 1) * 100
            seen = True
        elif word in _EN_SCALES:
            total += max(current, 1) * _EN_SCALES[word]
            current = 0
            seen = True
        else:
            return None
    return Decimal(total + current) if seen else None


def small_number(text: str) -> int | None:
    """A day count or day of month in digits, Chinese or English words ('十五', '15', 'three')."""
    text = text.strip().lower()
    if text.isdigit():
        return int(text)
    value = zh_number(text)
    if value is None:
        value = en_words_number(text)
    return int(value) if value is not None and value == int(value) else None


def as_json_number(value: Decimal) -> int | float:
    """Amounts print as integers when whole (1000, not 1000.0)."""
    return int(value) if value == value.to_integral_value() else float(value)
