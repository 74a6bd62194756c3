"""The speaker-labelled transcript: validation and the clause splitting every analyser shares."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from duecare.kit.bounds import MOMENT_SCHEMA
from duecare.kit.errors import UserError

SPEAKERS = ("agent", "borrower", "other")
LANGS = ("zh", "en")


# The transcript as the API publishes it: what `parse_transcript` accepts (as_of: a moment of 1900-2200 with an
# offset within +-14:00, a narrower text than the parser takes, so every request the schema allows is analysed).
TRANSCRIPT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["lang", "as_of", "turns"],
    "additionalProperties": False,
    "properties": {
        "lang": {"type": "string", "enum": list(LANGS)},
        "as_of": dict(MOMENT_SCHEMA),
        "turns": {"type": "array", "items": {
            "type": "object", "required": ["speaker", "text"],
            "properties": {"speaker": {"type": "string", "enum": list(SPEAKERS)}, "text": {"type": "string"}}}},
        "id": {"description": "the caller's reference, returned unread"},
        "meta": {"description": "anything the caller keeps with the transcript, unread"},
    },
}


@dataclass(frozen=True)
class Turn:
    index: int
    speaker: str
    text: str


@dataclass(frozen=True)
class Transcript:
    lang: str
    as_of: datetime
    turns: tuple[Turn, ...]

    @property
    def today(self) -> date:
        """The borrower's local calendar date: as_of in its own offset."""
        return self.as_of.date()

    @property
    def reached_borrower(self) -> bool:
        return any(t.speaker == "borrower" for t in self.turns)


def parse_transcript(data: Any, place: str = "transcript") -> Transcript:
    """Validate a transcript dict; errors name the field and the fix."""
    if not isinstance(data, dict):
        raise UserError("expected a JSON object with lang, as_of and turns", place=place)
    unknown = set(data) - {"lang", "as_of", "turns", "id", "meta"}
    if unknown:
        raise UserError(f"unknown keys {sorted(unknown)}; allowed: lang, as_of, turns", place=place)
    lang = data.get("lang")
    if lang not in LANGS:
        raise UserError(f"lang must be one of {list(LANGS)}, got {lang!r}", place=f"{place}:lang")
    raw_as_of = data.get("as_of")
    try:
        as_of = datetime.fromisoformat(str(raw_as_of))
    except ValueError:
        raise UserError(f"as_of must be an ISO 8601 time with offset, got {raw_as_of!r}", place=f"{place}:as_of") from None
    if as_of.tzinfo is None:
        raise UserError("as_of needs a UTC offset, e.g. 2026-11-12T10:00:00+08:00", place=f"{place}:as_of")
    raw_turns = data.get("turns")
    if not isinstance(raw_turns, list):
        raise UserError("turns must be a list of {speaker, text}", place=f"{place}:turns")
    turns = []
    for i, turn in enumerate(raw_turns):
        where = f"{place}:turns[{i}]"
        if not isinstance(turn, dict) or turn.get("speaker") not in SPEAKERS or not isinstance(turn.get("text"), str):
            raise UserError(f"each turn needs speaker in {list(SPEAKERS)} and a text string", place=where)
        turns.append(Turn(i, turn["speaker"], normalise_text(turn["text"], lang)))
    return Transcript(lang, as_of, tuple(turns))


# Spoken and transcribed Mandarin: regional words and frequent ASR homophones mapped to the standard written forms
# the lexicon is written in. Longest first; each is a whole word that has no other reading in a collection call.
_ZH_COLLOQUIAL = sorted({
    "木有": "没有", "冇": "没有", "没得": "没有", "真系": "真是", "唔系": "不是", "系唔系": "是不是",
    "俺们": "我们", "俺": "我", "咱们": "我们", "咱": "我", "阿拉": "我们", "侬": "你", "恁": "你",
    "晓得": "知道", "啥子": "什么", "啥": "什么", "咋": "怎么", "甭": "不用",
    "明儿个": "明天", "明个": "明天", "明儿": "明天", "后儿个": "后天", "后儿": "后天", "今儿个": "今天", "今儿": "今天",
    "一准": "一定", "俩": "两个", "仨": "三个",
    "以经": "已经", "己经": "已经", "换钱": "还钱", "环款": "还款", "换款": "还款", "缓款": "还款",
}.items(), key=lambda kv: len(kv[0]), reverse=True)
_ZH_NUMERAL = r"[0-9零〇一二两三四五六七八九十百千万]"
# "15 号", "1 千 2", "两 千": ASR spaces inside a number or between a number and its unit.
_ZH_NUMBER_SPACE = re.compile(rf"(?<={_ZH_NUMERAL})\s+(?=[号日月天块元千百万{_ZH_NUMERAL[1:-1]}])")
_T2S = None


def _to_simplified(text: str) -> str:
    global _T2S
    if _T2S is None:
        from opencc import OpenCC

        _T2S = OpenCC("t2s")
    return str(_T2S.convert(text))


def normalise_text(text: str, lang: str) -> str:
    """Text as the lexicon reads it: Chinese in Simplified characters with standard words; spacing tidied."""
    text = text.strip()
    if lang != "zh":
        return re.sub(r"\s+", " ", text)
    text = _to_simplified(text)
    for word, standard in _ZH_COLLOQUIAL:
        text = text.replace(word, standard)
    text = _ZH_NUMBER_SPACE.sub("", text)
    return re.sub(r"\s+", " ", text)


_SENTENCE = {"zh": re.compile(r"[。！？!?；;…]+|\.(?=\s|$)"), "en": re.compile(r"(?<=[.!?;])\s+|[!?;]+$|\.$")}
_CLAUSE = {"zh": re.compile(r"[，、：]|,(?!\d{3})|:(?!\d)|但是|可是|不过"),
           "en": re.compile(r",(?!\d{3})|\s+but\s+|\s+though\s+|\s+-\s+|:(?!\d)")}


def sentences(text: str, lang: str) -> list[str]:
    return [s.strip() for s in _SENTENCE[lang].split(text) if s and s.strip()]


def clauses(sentence: str, lang: str) -> list[str]:
    """Clauses of a sentence. Unpunctuated Chinese (ASR output) pauses with spaces: a space ends a clause, except
    that a one-character piece ("不 还", "还 1500") belongs to its neighbour."""
    out = [c.strip() for c in _CLAUSE[lang].split(sentence) if c and c.strip()]
    if lang != "zh":
        return out
    pieces: list[str] = []
    for clause in out:
        words = clause.split()
        merged: list[str] = []
        carry = ""
        for word in words:
            word = carry + word
            carry = ""
            if len(word) == 1:
                carry = word
                continue
            merged.append(word)
        if carry:
            if merged:
                merged[-1] += carry
            else:
                merged.append(carry)
        pieces.extend(merged)
    return pieces
