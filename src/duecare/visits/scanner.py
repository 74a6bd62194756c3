"""Scan a visit report's free text for personal data the visit scope does not allow (zh and en).

Findings name the category and the position, never the matched text, so a refusal can be shown and logged
without repeating what it refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# 18-digit resident ID (last may be X) and the old 15-digit form; US SSN; UK National Insurance number.
_CN_ID = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_SSN = re.compile(r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)")
_NINO = re.compile(r"\b[A-CEGHJ-PR-TW-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b", re.IGNORECASE)
# Phone numbers: CN mobiles and landlines, international (+..), US (555) 123-4567, UK 07xxx / 0xxxx numbers.
_PHONE = re.compile(
    r"(?<![\d\-])(?:"
    r"\+\d{1,3}[\s\-]?\d[\d\s\-]{6,14}\d"          # +86 139 0013 9000, +44 7700 900123
    r"|1[3-9]\d[\s\-]?\d{4}[\s\-]?\d{4}"             # 13912345678, 139-1234-5678
    r"|0\d{2,3}[\s\-]?\d{7,8}"                       # 021-12345678 (CN landline), 01632 960001
    r"|07\d{3}\s?\d{6}"                               # UK mobile
    r"|\(?\d{3}\)?[\s.\-]\d{3}[\s.\-]\d{4}"              # US
    r")(?![\d\-])")
_CN_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CN_ID_CHECK = "10X98765432"

LEXICONS: dict[str, tuple[str, ...]] = {
    "health_detail": (
        # zh
        "癌", "肿瘤", "化疗", "抑郁", "焦虑症", "精神病", "精神疾病", "住院", "诊断", "确诊", "手术", "怀孕", "流产",
        "艾滋", "HIV", "乙肝", "糖尿病", "心脏病", "中风", "残疾", "服药", "吃药", "病历", "透析", "戒毒", "酗酒",
        # en
        "cancer", "tumour", "tumor", "chemotherapy", "depression", "depressed", "anxiety disorder", "psychiatric",
        "schizophreni*", "bipolar", "hospitalised", "hospitalized", "diagnosed", "diagnosis", "surgery",
        "pregnant", "pregnancy", "miscarriage", "diabetes", "heart attack", "stroke", "disabled", "disability",
        "medication", "prescription", "dialysis", "rehab", "alcoholi*", "addiction",
    ),
    "religion": (
        "宗教", "信仰", "佛教", "基督", "天主教", "伊斯兰", "穆斯林", "教会", "清真寺", "寺庙", "道教", "礼拜", "受洗",
        "religion", "religious", "church", "mosque", "synagogue", "christian", "muslim", "islam", "buddhis*",
        "hindu", "jewish", "catholic", "protestant", "atheist", "worship",
    ),
    "political_view": (
        "政治", "党员", "共产党", "民主党", "国民党", "政见", "选举", "投票给", "上访", "示威", "游行",
        "political", "politics", "democrat", "republican", "labour party", "conservative party", "tory",
        "liberal democrat", "voted for", "votes for", "communist", "trade union member", "protest",
    ),
}




def _word_rx(word: str) -> str:
    """CJK terms match anywhere; Latin words as whole words (`stem*` as a prefix: `buddhis*`)."""
    if not word.isascii():
        return re.escape(word)
    if word.endswith("*"):
        return rf"\b{re.escape(word[:-1])}\w*"
    return rf"\b{re.escape(word)}\b"


_LEXICON_RX = {code: re.compile("|".join(_word_rx(w) for w in words), re.IGNORECASE)
               for code, words in LEXICONS.items()}


@dataclass(frozen=True)
class Finding:
    code: str  # cn_id_number | other_id_number | third_party_phone | health_detail | religion | political_view
    field: str
    position: int

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "field": self.field, "position": self.position}


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _valid_cn_id(number: str) -> bool:
    """A checksum-valid 18-digit ID, or one whose birth-date part is a plausible date (typo'd checksums)."""
    if len(number) == 15:
        return number.isdigit()
    year, month, day = int(number[6:10]), int(number[10:12]), int(number[12:14])
    if 1900 <= year <= 2030 and 1 <= month <= 12 and 1 <= day <= 31:
        return True
    total = sum(int(d) * w for d, w in zip(number[:17], _CN_ID_WEIGHTS, strict=True))
    return _CN_ID_CHECK[total % 11] == number[17].upper()


def _same_phone(found: str, known: set[str]) -> bool:
    """Equal when the last 9+ digits match (country prefixes and formatting differ)."""
    d = _digits(found)
    return any(len(k) >= 7 and (d.endswith(k[-9:]) or k.endswith(d[-9:])) for k in known)


def scan(text: str, field: str, borrower_phones: Iterable[str]) -> list[Finding]:
    """Every out-of-scope item in one free-text value."""
    found: list[Finding] = []
    id_spans: list[tuple[int, int]] = []
    for m in _CN_ID.finditer(text):
        if len(m.group(1)) == 15 or _valid_cn_id(m.group(1)):
            found.append(Finding("cn_id_number", field, m.start()))
            id_spans.append(m.span())
    for rx in (_SSN, _NINO):
        for m in rx.finditer(text):
            found.append(Finding("other_id_number", field, m.start()))
            id_spans.append(m.span())
    known = {_digits(p) for p in borrower_phones if _digits(p)}
    for m in _PHONE.finditer(text):
        if any(s <= m.start() < e for s, e in id_spans):
            continue
        digits = _digits(m.group(0))
        if len(digits) < 7 or len(digits) > 15:
            continue
        if not _same_phone(m.group(0), known):
            found.append(Finding("third_party_phone", field, m.start()))
    for code, rx in _LEXICON_RX.items():
        hit = rx.search(text)
        if hit is not None:
            found.append(Finding(code, field, hit.start()))
    return sorted(found, key=lambda f: (f.position, f.code))
