"""REST endpoints for call analytics, for the web app to mount: `app.include_router(router)`.

`/calls:analyze` and `/calls:transcribe` only compute; `/borrowers/{id}/calls` and `/borrowers/{id}/calls:transcribe`
also save the analysed call into that borrower's case (permission `recordings.upload`; an agent only for the
borrowers assigned to them: another borrower is answered 404, as if it did not exist).
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, File, Form, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import WithJsonSchema
from sqlalchemy.orm import Session

from duecare.kit import clock
from duecare.kit.bounds import MOMENT_SCHEMA, safe_name, safe_suffix
from duecare.kit.errors import NotFound, UserError
from duecare.privacy.deps import DB, require
from duecare.privacy.permissions import Actor
from duecare.privacy.scope import can_read_borrower
from duecare.speech.service import (
    analyze_and_record,
    analyze_call,
    audio_ref,
    record_transcribed,
    transcribe_call,
)
from duecare.speech.transcript import TRANSCRIPT_SCHEMA

router = APIRouter(prefix="/api/v1", tags=["calls"])
# A transcript body as the OpenAPI schema publishes it (parse_transcript is still the check).
Transcript = Annotated[dict[str, Any], WithJsonSchema(TRANSCRIPT_SCHEMA), Body()]
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
CALLS_READ = Depends(require("calls.read"))
UPLOAD = Depends(require("recordings.upload"))


@router.post("/calls:analyze")
def analyze(transcript: Transcript, _actor: Any = CALLS_READ) -> dict[str, Any]:
    """Analyse a speaker-labelled transcript: {analysis, events}."""
    return analyze_call(transcript)


def _moment(as_of: str | None) -> datetime:
    try:
        moment = datetime.fromisoformat(as_of) if as_of else clock.now().astimezone()
    except ValueError:
        raise UserError("must be ISO 8601 with offset", place="as_of") from None
    if moment.tzinfo is None:
        raise UserError("needs a UTC offset, e.g. 2026-11-12T10:00:00+08:00", place="as_of")
    return moment


async def _transcribed(audio: UploadFile, as_of: str | None, lang: str | None, analyze: bool) -> tuple[
        dict[str, Any], str]:
    """Transcribe an upload in a temporary folder (deleted when done): the result and the recording's ref."""
    if lang not in (None, "zh", "en"):
        raise UserError("must be zh or en", place="lang")
    moment = _moment(as_of)
    data = await audio.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise UserError("recording larger than 50 MB", code="too_large", status=413)
    suffix = safe_suffix(audio.filename)  # the name itself is never used as a path
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            out = await run_in_threadpool(transcribe_call, path, as_of=moment, lang=lang, analyze=analyze)
        except UserError as exc:  # never show the server's temporary path: name the upload instead
            shown = str(exc).replace(str(path), safe_name(audio.filename, "upload")).replace(folder, "")
            raise UserError(shown) from None
        ref = audio_ref(path).replace(path.name, safe_name(audio.filename, path.name), 1)
    return out, ref


@router.post("/calls:transcribe")
async def transcribe(
    audio: Annotated[UploadFile, File()],
    as_of: Annotated[str | None, Form(json_schema_extra=MOMENT_SCHEMA)] = None,
    lang: Annotated[str | None, Form(json_schema_extra={"enum": ["zh", "en"]})] = None,
    analyze: Annotated[bool, Form()] = True,
    _actor: Any = CALLS_READ,
) -> dict[str, Any]:
    """Transcribe an uploaded recording (and analyse it); the file is deleted when done."""
    out, _ = await _transcribed(audio, as_of, lang, analyze)
    return out


def _in_scope(db: Session, actor: Actor, borrower_id: str) -> None:
    if not can_read_borrower(db, actor, borrower_id):
        raise NotFound("no such borrower")


def _in_scope_then_release(db: Session, actor: Actor, borrower_id: str) -> None:
    _in_scope(db, actor, borrower_id)
    db.commit()  # a read: ends the transaction and gives the connection back while the model runs


def _agent(actor: Actor) -> str | None:
    return actor.id if actor.kind == "staff" else None


@router.post("/borrowers/{borrower_id}/calls")
def save_call(
    borrower_id: str,
    transcript: Annotated[dict[str, Any], WithJsonSchema(TRANSCRIPT_SCHEMA), Body(embed=True)],
    loan_id: Annotated[str | None, Body(embed=True)] = None,
    actor: Actor = UPLOAD,
    db: Session = DB,
) -> dict[str, Any]:
    """Analyse a speaker-labelled transcript and save it into the borrower's case: {analysis, events, saved}."""
    _in_scope(db, actor, borrower_id)
    return analyze_and_record(db, borrower_id, loan_id, transcript, _agent(actor), actor=actor)


@router.post("/borrowers/{borrower_id}/calls:transcribe")
async def save_recording(
    borrower_id: str,
    audio: Annotated[UploadFile, File()],
    as_of: Annotated[str | None, Form()] = None,
    lang: Annotated[str | None, Form()] = None,
    loan_id: Annotated[str | None, Form()] = None,
    actor: Actor = UPLOAD,
    db: Session = DB,
) -> dict[str, Any]:
    """Transcribe and analyse a recording and save it into the borrower's case (the audio is not kept).

    Async for the upload; every database step runs in the threadpool (never on the event loop), and the scope
    check's short transaction ends before the transcription, so no pooled connection waits on the model."""
    await run_in_threadpool(_in_scope_then_release, db, actor, borrower_id)
    out, ref = await _transcribed(audio, as_of, lang, analyze=True)
    return await run_in_threadpool(record_transcribed, db, borrower_id, loan_id or None, out, _agent(actor),
                                   audio=ref, actor=actor)
