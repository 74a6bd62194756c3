"""Word and character error rates for transcripts (Chinese is scored by characters, English by words)."""

from __future__ import annotations

import re


def _distance(ref: list[str], hyp: list[str]) -> int:
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1]


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("$", ""))


def chars(text: str) -> list[str]:
    return [c for c in text if c.isalnum()]


def wer(reference: str, hypothesis: str) -> float:
    ref = words(reference)
    return _distance(ref, words(hypothesis)) / max(len(ref), 1)


def cer(reference: str, hypothesis: str) -> float:
    ref = chars(reference)
    return _distance(ref, chars(hypothesis)) / max(len(ref), 1)
