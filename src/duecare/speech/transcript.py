"""The speaker-labelled transcript: validation and the clause splitting every analyser shares."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from duecare.kit.errors import UserError

SPEAKERS = ("agent", "borrower", "other")
LANGS = ("zh", "en")


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
        turns.append(Turn(i, turn["speaker"], turn["text"].strip()))
    return Transcript(lang, as_of, tuple(turns))


_SENTENCE = {"zh": re.compile(r"[。！？!?；;…]+|\.(?=\s|$)"), "en": re.compile(r"(?<=[.!?;])\s+|[!?;]+$|\.$")}
_CLAUSE = {"zh": re.compile(r"[，、：]|,(?!\d{3})|:(?!\d)|但是|可是|不过"),
           "en": re.compile(r",(?!\d{3})|\s+but\s+|\s+though\s+|\s+-\s+|:(?!\d)")}


def sentences(text: str, lang: str) -> list[str]:
    return [s.strip() for s in _SENTENCE[lang].split(text) if s and s.strip()]


def clauses(sentence: str, lang: str) -> list[str]:
    return [c.strip() for c in _CLAUSE[lang].split(sentence) if c and c.strip()]
