"""`duecare calls analyze|transcribe`: JSON on stdout, messages on stderr, bad input exits 2.

With `--borrower B --save` the analysed call is written into B's case (contact event, promise, holds,
follow-ups, the call analysis and an audit event) in one transaction.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from duecare.kit import clock
from duecare.kit.errors import UserError

calls = typer.Typer(help="Call analytics: transcription, call understanding, agent QA.", no_args_is_help=True)

Borrower = Annotated[str | None, typer.Option("--borrower", help="with --save: the borrower the call was with")]
LoanOpt = Annotated[str | None, typer.Option("--loan", help="with --save: the loan the call was about")]
Agent = Annotated[str | None, typer.Option("--agent", help="with --save: the agent's staff id")]
Save = Annotated[bool, typer.Option("--save", help="save the analysed call into the borrower's case")]


def _print(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=1, default=str))


def _check_save(save: bool, borrower: str | None) -> None:
    if save and not borrower:
        raise UserError("--save needs --borrower B (whose case the call belongs to)")
    if borrower and not save:
        raise UserError("--borrower is used with --save; add --save to store the call")


def _read_transcript(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError("file not found; pass a transcript JSON file or a folder of them", place=str(path)) from None
    except json.JSONDecodeError as exc:
        raise UserError(f"not valid JSON ({exc.msg})", place=f"{path}:{exc.lineno}") from None


def _transcripts_in(folder: Path) -> list[Path]:
    """The folder's *.json files in name order; `*.expected.json` (expected outputs kept beside examples) are not
    transcripts."""
    found = sorted(p for p in folder.glob("*.json") if not p.name.endswith(".expected.json"))
    if not found:
        raise UserError("no transcript *.json files in this folder", place=str(folder))
    return found


@calls.command("analyze")
def analyze(
    transcript: Annotated[Path, typer.Option("--transcript", help="speaker-labelled transcript JSON "
                                             "{lang, as_of, turns}, or a folder of them (one JSON line each)")],
    explain: Annotated[bool, typer.Option("--explain", help="add the quoted turn behind each label")] = False,
    events: Annotated[bool, typer.Option("--events", help="print {analysis, events} with the contact-event "
                                         "facts")] = False,
    borrower: Borrower = None, loan: LoanOpt = None, agent: Agent = None, save: Save = False,
) -> None:
    """Intents, promise, hardship and agent QA of call transcripts (a file, or a folder: models load once)."""
    from duecare.speech.analysis import analyze_transcript
    from duecare.speech.service import analyze_call

    _check_save(save, borrower)
    if transcript.is_dir():
        if save:
            raise UserError("--save stores one call in one borrower's case: pass one --transcript file")
        # every file is read first, so a bad one stops the run before any analysis is printed
        batch = [(path.name, _read_transcript(path)) for path in _transcripts_in(transcript)]
        for name, data in batch:  # one process: the models behind the analysis are loaded once
            result = analyze_call(data) if events else analyze_transcript(data, explain=explain)
            typer.echo(json.dumps({"transcript": name, **result}, ensure_ascii=False, default=str))
        return
    data = _read_transcript(transcript)
    if save:
        from duecare.kit.db import migrate, unit_of_work
        from duecare.speech.service import analyze_and_record

        assert borrower is not None
        migrate()
        with unit_of_work() as s:
            saved = analyze_and_record(s, borrower, loan, data, agent, actor="system:cli")
        _print(saved)  # after the commit
    elif events:
        _print(analyze_call(data))
    else:
        _print(analyze_transcript(data, explain=explain))


@calls.command("transcribe")
def transcribe(
    audio: Annotated[Path, typer.Argument(help="recording (wav, mp3, ...); stereo = agent left, borrower right")],
    analyze_: Annotated[bool, typer.Option("--analyze", help="also analyse the call")] = False,
    as_of: Annotated[str | None, typer.Option("--as-of", help="ISO time of the call with offset "
                                              "(default: now)")] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="zh or en (default: zh unless clearly English)")] = None,
    borrower: Borrower = None, loan: LoanOpt = None, agent: Agent = None, save: Save = False,
) -> None:
    """Offline speech-to-text of a call recording (faster-whisper, int8, CPU)."""
    from duecare.speech.service import transcribe_call

    if lang not in (None, "zh", "en"):
        raise UserError("--lang must be zh or en")
    _check_save(save, borrower)
    if save and not analyze_:
        raise UserError("--save stores the analysed call: add --analyze")
    try:
        moment = datetime.fromisoformat(as_of) if as_of else clock.now().astimezone()
    except ValueError:
        raise UserError(f"--as-of must be ISO 8601 with offset, got {as_of!r}") from None
    if moment.tzinfo is None:
        raise UserError("--as-of needs a UTC offset, e.g. 2026-11-12T10:00:00+08:00")
    if not audio.exists():
        raise UserError("audio file not found", place=str(audio))
    out = transcribe_call(audio, as_of=moment, lang=lang, analyze=analyze_)
    if save:
        from duecare.kit.db import migrate, unit_of_work
        from duecare.speech.service import audio_ref, record_transcribed

        assert borrower is not None
        migrate()
        with unit_of_work() as s:
            out = record_transcribed(s, borrower, loan, out, agent, audio=audio_ref(audio), actor="system:cli")
    _print(out)


def register(app: typer.Typer) -> None:
    app.add_typer(calls, name="calls")
