"""Use cases shared by the CLI and the API: analyse a transcript, transcribe (and analyse) a recording, and
save an analysed call into the borrower's case (`record_call`; services never commit, the boundary does)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.kit import clock
from duecare.kit.errors import UserError
from duecare.kit.money import to_minor
from duecare.ledger.models import (
    Borrower,
    Channel,
    ContactEvent,
    Direction,
    Hold,
    HoldKind,
    Loan,
    Outcome,
)
from duecare.policy.promises import record_promise
from duecare.privacy.audit import canonical_json, record_audit
from duecare.privacy.permissions import Actor
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


# --- saving a call into the case -------------------------------------------------------------------------------

@dataclass(frozen=True)
class RecordedCall:
    """What one saved call wrote; `created` is False when the same call was saved for the borrower before."""

    analysis_id: str
    contact_event_id: str | None
    outcome: str
    promise_id: str | None
    hold_id: str | None
    followups: tuple[str, ...]
    qa_findings: tuple[str, ...]
    created: bool

    def as_dict(self) -> dict[str, Any]:
        return {"analysis_id": self.analysis_id, "contact_event_id": self.contact_event_id, "outcome": self.outcome,
                "promise_id": self.promise_id, "hold_id": self.hold_id, "followups": list(self.followups),
                "qa_findings": list(self.qa_findings), "created": self.created}


def labelled(transcript: dict[str, Any]) -> dict[str, Any]:
    """A transcribed call as a speaker-labelled transcript (a mono track's `unknown` speaker is the borrower's)."""
    turns = [{**t, "speaker": "borrower" if t["speaker"] == "unknown" else t["speaker"]} for t in transcript["turns"]]
    return {"lang": transcript["lang"], "as_of": transcript["as_of"], "turns": turns}


def _quotes(analysis: dict[str, Any], transcript: dict[str, Any]) -> list[dict[str, Any]]:
    """The quoted evidence of each label; a QA finding without one quotes its whole turn."""
    quotes = [dict(q) for q in analysis.get("evidence", [])]
    have = {(q["label"], q["turn"]) for q in quotes}
    turns = transcript.get("turns", [])
    for finding in analysis.get("violations", []):
        turn = finding["turn"]
        if (finding["code"], turn) not in have and 0 <= turn < len(turns):
            quotes.append({"label": finding["code"], "turn": turn, "quote": turns[turn]["text"]})
    return quotes


def _loan_of(session: Session, borrower_id: str, loan_id: str | None) -> str | None:
    if session.get(Borrower, borrower_id) is None:
        raise UserError(f"no borrower {borrower_id!r} in the store", place="borrower")
    if loan_id is None:
        return None
    loan = session.get(Loan, loan_id)
    if loan is None or loan.borrower_id != borrower_id:
        raise UserError(f"loan {loan_id!r} is not a loan of borrower {borrower_id!r}", place="loan")
    return loan_id


def record_call(session: Session, borrower_id: str, loan_id: str | None, analysis: dict[str, Any], at: datetime,
                agent_id: str | None, transcript: dict[str, Any], *, audio_ref: str | None = None,
                direction: str = "outbound", actor: Actor | str | None = None) -> RecordedCall:
    """Write an analysed call into the case (never commits): the contact event, an open promise (ptp_pending),
    a dispute hold, follow-ups for people (hardship questionnaire, contact-data review, payment check), the
    call_analyses row and an audit event. Saving the same transcript for the same borrower again writes nothing.
    """
    from duecare.speech.models import CallAnalysis

    loan_id = _loan_of(session, borrower_id, loan_id)
    if at.tzinfo is None:
        raise UserError("the call time needs a UTC offset", place="at")
    digest = hashlib.sha256(canonical_json({"borrower": borrower_id, "at": at.isoformat(),
                                            "transcript": transcript}).encode()).hexdigest()
    existing = session.scalars(select(CallAnalysis).where(CallAnalysis.borrower_id == borrower_id,
                                                          CallAnalysis.digest == digest)).first()
    if existing is not None:
        return RecordedCall(existing.id, existing.contact_event_id, existing.outcome, existing.promise_id,
                            existing.hold_id, tuple(f["kind"] for f in json.loads(existing.followups)),
                            tuple(f["code"] for f in json.loads(existing.qa_findings)), created=False)
    reached = parse_transcript(transcript).reached_borrower
    events = call_events(analysis, reached_borrower=reached, direction=direction)
    outcome = str(events[0]["outcome"])
    ref = digest[:24]
    event_id = f"call-{ref}"
    session.add(ContactEvent(id=event_id, borrower_id=borrower_id, loan_id=loan_id, at=at, channel=Channel.CALL,
                             direction=Direction(direction), outcome=Outcome(outcome), agent_id=agent_id))
    promise_id = hold_id = None
    followups: list[dict[str, Any]] = []
    for event in events[1:]:
        kind = event["kind"]
        if kind == "promise":
            try:  # audited with the analysis
                promise_id = record_promise(session, borrower_id=borrower_id, loan_id=loan_id,
                                            promised_date=date.fromisoformat(event["promised_date"]),
                                            amount_minor=to_minor(Decimal(str(event["amount"]))), channel="call",
                                            today=at.date(), promise_id=f"PTP-{ref}", made_at=at)
            except UserError as exc:  # beyond the strategy's horizon: the call is kept, a person agrees a date
                followups.append({"kind": "promise_incomplete", "promised_date": event["promised_date"],
                                  "reason": f"not held: {exc}; agree a date within it with the borrower",
                                  "status": "open"})
        elif kind == "hold":
            hold_id = _open_dispute_hold(session, borrower_id, loan_id, at, f"HOLD-{ref}", event["reason"])
        elif kind != "qa_finding":
            followups.append({k: v for k, v in event.items() if k != "hold"} | {"status": "open"})
    findings = [{"code": v["code"], "turn": v["turn"]} for v in analysis.get("violations", [])]
    session.flush()  # the rows the analysis points at exist before it
    row = CallAnalysis(
        id=f"CA-{ref}", borrower_id=borrower_id, loan_id=loan_id, contact_event_id=event_id, promise_id=promise_id,
        hold_id=hold_id, call_at=at, lang=str(transcript.get("lang", "")), outcome=outcome,
        intents=json.dumps(analysis.get("intents", [])),
        promise=None if analysis.get("promise") is None else json.dumps(analysis["promise"]),
        hardship_category=(analysis.get("hardship") or {}).get("category"), qa_findings=json.dumps(findings),
        missing_disclosures=json.dumps(analysis.get("missing_disclosures", [])),
        followups=json.dumps(followups, ensure_ascii=False),
        evidence=json.dumps(_quotes(analysis, transcript), ensure_ascii=False),
        transcript=json.dumps(transcript, ensure_ascii=False), agent_id=agent_id, audio_ref=audio_ref,
        digest=digest, created_at=clock.now())
    session.add(row)
    session.flush()
    record_audit(session, actor=actor or (f"staff:{agent_id}" if agent_id else "system:speech"),
                 action="call_analysis_saved", subject=f"borrower:{borrower_id}",
                 rule_id="ptp_pending" if promise_id else None, trace_id=row.id,
                 after={"analysis": row.id, "contact_event": event_id, "outcome": outcome, "promise": promise_id,
                        "hold": hold_id, "followups": [f["kind"] for f in followups],
                        "qa_findings": [f["code"] for f in findings],
                        "missing_disclosures": analysis.get("missing_disclosures", [])})
    return RecordedCall(row.id, event_id, outcome, promise_id, hold_id, tuple(f["kind"] for f in followups),
                        tuple(f["code"] for f in findings), created=True)


def _open_dispute_hold(session: Session, borrower_id: str, loan_id: str | None, at: datetime, hold_id: str,
                       reason: str) -> str:
    """A dispute_open hold, unless one is already open for the borrower (then that one is the hold)."""
    open_one = session.scalars(select(Hold.id).where(Hold.borrower_id == borrower_id, Hold.closed_at.is_(None),
                                                     Hold.kind == HoldKind.DISPUTE_OPEN)).first()
    if open_one is not None:
        return open_one
    session.add(Hold(id=hold_id, borrower_id=borrower_id, loan_id=loan_id, kind=HoldKind.DISPUTE_OPEN, opened_at=at,
                     reason=f"{reason} (call analysis)"))
    return hold_id


def audio_ref(path: Path) -> str:
    """How a saved analysis names its recording: the file name and its sha256 (the audio itself is not kept)."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return f"{path.name[:150]} sha256:{digest}"


def analyze_and_record(session: Session, borrower_id: str, loan_id: str | None, transcript: dict[str, Any],
                       agent_id: str | None, *, at: datetime | None = None, audio: str | None = None,
                       actor: Actor | str | None = None) -> dict[str, Any]:
    """Analyse a labelled transcript and save it to the borrower: {analysis, events, saved}."""
    called = analyze_call(transcript)
    analysis = analyze_transcript(transcript, explain=True)
    when = at or parse_transcript(transcript).as_of
    saved = record_call(session, borrower_id, loan_id, analysis, when, agent_id, transcript, audio_ref=audio,
                        actor=actor)
    return {**called, "saved": saved.as_dict()}


def record_transcribed(session: Session, borrower_id: str, loan_id: str | None, out: dict[str, Any],
                       agent_id: str | None, *, audio: str | None = None,
                       actor: Actor | str | None = None) -> dict[str, Any]:
    """Save the result of `transcribe_call(..., analyze=True)` to the borrower (mono: no QA, as analysed)."""
    transcript = labelled(out["transcript"])
    analysis = dict(out["analysis"])
    analysis["evidence"] = analyze_transcript(transcript, explain=True)["evidence"] if "notes" not in out else []
    when = datetime.fromisoformat(transcript["as_of"])
    saved = record_call(session, borrower_id, loan_id, analysis, when, agent_id, transcript, audio_ref=audio,
                        actor=actor)
    return {**out, "saved": saved.as_dict()}
