"""Use cases shared by the CLI and the API: analyse a transcript, transcribe (and analyse) a recording."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from duecare.speech.analysis import analyze_transcript
from duecare.speech.events import call_events
from duecare.speech.ports import Transcriber, Transcription
from duecare.speech.transcript import parse_transcript


@lru_cache(maxsize=1)
def default_transcriber() -> Transcriber:
    """The composition root's transcriber: faster-whisper with the offline model (loaded once)."""
    from duecare.speech.whisper import FasterWhisperTranscriber

    return FasterWhisperTranscriber()


def transcript_of(result: Transcription, as_of: datetime) -> dict[str, Any]:
    """Segments as turns: consecutive segments of one speaker are one turn; mono tracks stay `unknown`."""
    turns: list[dict[str, Any]] = []
    for segment in result.segments:
        if turns and turns[-1]["speaker"] == segment.speaker:
            joiner = "" if result.lang == "zh" else " "
            turns[-1]["text"] += joiner + segment.text
            turns[-1]["end"] = segment.end
        else:
            turns.append({"speaker": segment.speaker, "text": segment.text, "start": segment.start, "end": segment.end})
    return {"lang": result.lang, "as_of": as_of.isoformat(), "turns": turns}


def analyze_call(transcript: dict[str, Any]) -> dict[str, Any]:
    """Analysis plus the contact events it implies."""
    analysis = analyze_transcript(transcript)
    reached = parse_transcript(transcript).reached_borrower
    return {"analysis": analysis, "events": call_events(analysis, reached_borrower=reached)}


def transcribe_call(audio: Path, *, as_of: datetime, lang: str | None = None, analyze: bool = False,
                    transcriber: Transcriber | None = None) -> dict[str, Any]:
    """Transcribe a recording; with analyze, a speaker-labelled (stereo) call is analysed too.

    A mono recording has no speaker labels: its text is analysed as the borrower's (intents, promise,
    hardship) and agent QA is not judged, which the output says in `notes`.
    """
    result = (transcriber or default_transcriber()).transcribe(audio, lang=lang)
    transcript = transcript_of(result, as_of)
    out: dict[str, Any] = {"transcript": transcript, "channels": result.channels, "duration_s": result.duration,
                           "model": result.model, "real_time_factor": round(result.real_time_factor, 3)}
    if analyze:
        mono = all(t["speaker"] == "unknown" for t in transcript["turns"])
        turns = [{"speaker": "borrower" if t["speaker"] == "unknown" else t["speaker"], "text": t["text"]}
                 for t in transcript["turns"]]
        called = analyze_call({"lang": transcript["lang"], "as_of": transcript["as_of"], "turns": turns})
        if mono:
            called["analysis"]["violations"] = []
            called["analysis"]["missing_disclosures"] = []
            called["events"] = [e for e in called["events"] if e["kind"] != "qa_finding"]
            out["notes"] = ["mono recording: speakers unknown, text analysed as the borrower's, agent QA not judged"]
        out.update(called)
    return out
