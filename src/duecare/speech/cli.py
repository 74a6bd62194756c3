"""`duecare calls analyze|transcribe`: JSON on stdout, messages on stderr, bad input exits 2."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from duecare.kit.errors import UserError

calls = typer.Typer(help="Call analytics: transcription, call understanding, agent QA.", no_args_is_help=True)


def _print(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=1))


@calls.command("analyze")
def analyze(
    transcript: Path = typer.Option(..., "--transcript", help="speaker-labelled transcript JSON {lang, as_of, turns}"),
    explain: bool = typer.Option(False, "--explain", help="add the quoted turn behind each label"),
    events: bool = typer.Option(False, "--events", help="print {analysis, events} with the contact-event facts"),
) -> None:
    """Intents, promise, hardship and agent QA of one call transcript."""
    from duecare.speech.analysis import analyze_transcript
    from duecare.speech.service import analyze_call

    try:
        data = json.loads(transcript.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError("file not found; pass a transcript JSON file", place=str(transcript)) from None
    except json.JSONDecodeError as exc:
        raise UserError(f"not valid JSON ({exc.msg})", place=f"{transcript}:{exc.lineno}") from None
    if events:
        _print(analyze_call(data))
    else:
        _print(analyze_transcript(data, explain=explain))


@calls.command("transcribe")
def transcribe(
    audio: Path = typer.Argument(..., help="recording (wav, mp3, ...); stereo = agent left, borrower right"),
    analyze_: bool = typer.Option(False, "--analyze", help="also analyse the call"),
    as_of: str = typer.Option(None, "--as-of", help="ISO time of the call with offset (default: now)"),
    lang: str = typer.Option(None, "--lang", help="zh or en (default: zh unless clearly English)"),
) -> None:
    """Offline speech-to-text of a call recording (faster-whisper, int8, CPU)."""
    from duecare.speech.service import transcribe_call

    if lang not in (None, "zh", "en"):
        raise UserError("--lang must be zh or en")
    try:
        moment = datetime.fromisoformat(as_of) if as_of else datetime.now().astimezone()
    except ValueError:
        raise UserError(f"--as-of must be ISO 8601 with offset, got {as_of!r}") from None
    if moment.tzinfo is None:
        raise UserError("--as-of needs a UTC offset, e.g. 2026-11-12T10:00:00+08:00")
    if not audio.exists():
        raise UserError("audio file not found", place=str(audio))
    _print(transcribe_call(audio, as_of=moment, lang=lang, analyze=analyze_))


def register(app: typer.Typer) -> None:
    app.add_typer(calls, name="calls")
