"""Small builders for speaker-labelled transcripts."""

from __future__ import annotations

from typing import Any

from duecare.speech.analysis import analyze_transcript

AS_OF = {"zh": "2026-11-12T10:00:00+08:00", "en": "2026-11-12T10:00:00-05:00"}  # a Thursday
OPEN = {"zh": "您好，我是信合消费金融的客服小王，本次通话会录音，来电是关于您的借款还款。",
        "en": "Hi, this is Dana from Harbor Finance. This call is recorded, and I'm calling about your loan."}


def call(lang: str, *lines: str, as_of: str | None = None) -> dict[str, Any]:
    """A transcript from lines like 'A: ...', 'B: ...', 'O: ...' (agent, borrower, other)."""
    names = {"A": "agent", "B": "borrower", "O": "other"}
    turns = [{"speaker": names[line[0]], "text": line[2:].strip()} for line in lines]
    return {"lang": lang, "as_of": as_of or AS_OF[lang], "turns": turns}


def borrower_says(lang: str, text: str, as_of: str | None = None) -> dict[str, Any]:
    """Analysis of a disclosed call in which the borrower says one thing."""
    return analyze_transcript(call(lang, f"A: {OPEN[lang]}", f"B: {text}", as_of=as_of))
