"""REST endpoints for call analytics, for the web app to mount: `app.include_router(router)`."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Body, Depends, File, Form, HTTPException, UploadFile
from fastapi.concurrency import run_in_threadpool

from duecare.kit.errors import UserError
from duecare.privacy.deps import require
from duecare.speech.service import analyze_call, transcribe_call

router = APIRouter(prefix="/api/v1", tags=["calls"])
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


@router.post("/calls:analyze")
def analyze(transcript: dict[str, Any] = Body(...), _actor: Any = Depends(require("calls.read"))) -> dict[str, Any]:
    """Analyse a speaker-labelled transcript: {analysis, events}."""
    try:
        return analyze_call(transcript)
    except UserError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None


@router.post("/calls:transcribe")
async def transcribe(
    audio: UploadFile = File(...),
    as_of: str | None = Form(None),
    lang: str | None = Form(None),
    analyze: bool = Form(True),
    _actor: Any = Depends(require("calls.read")),
) -> dict[str, Any]:
    """Transcribe an uploaded recording (and analyse it); the file is deleted when done."""
    if lang not in (None, "zh", "en"):
        raise HTTPException(status_code=422, detail="lang must be zh or en")
    try:
        moment = datetime.fromisoformat(as_of) if as_of else datetime.now().astimezone()
    except ValueError:
        raise HTTPException(status_code=422, detail="as_of must be ISO 8601 with offset") from None
    data = await audio.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise HTTPException(status_code=413, detail="recording larger than 50 MB")
    suffix = Path(audio.filename or "call.wav").suffix or ".wav"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            return await run_in_threadpool(transcribe_call, path, as_of=moment, lang=lang, analyze=analyze)
        except UserError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from None
