"""Queries over stored call analyses: a borrower's calls for the case timeline. The caller checks scope first."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.speech.models import CallAnalysis


def _findings(row: CallAnalysis) -> list[dict[str, Any]]:
    """Each QA finding with the words that triggered it (decrypted here, for the case page only)."""
    quotes = {(q["label"], q["turn"]): q["quote"] for q in json.loads(row.evidence or "[]")}
    return [{"code": f["code"], "turn": f["turn"], "quote": quotes.get((f["code"], f["turn"]))}
            for f in json.loads(row.qa_findings)]


def _title(outcome: str, promise: dict[str, Any] | None, findings: list[dict[str, Any]],
           missing: list[str]) -> str:
    """One line a person can read where a page shows only the title."""
    parts = [f"call analysis: {outcome}"]
    if promise:
        parts.append(f"promise {promise.get('date')} {promise.get('amount') if promise.get('amount') is not None else '?'}")
    for f in findings:
        quote = f" “{f['quote']}”" if f["quote"] else ""
        parts.append(f"QA {f['code']} (turn {f['turn']}){quote}")
    if missing:
        parts.append("missing disclosures: " + ", ".join(missing))
    return " · ".join(parts)


def timeline_items(session: Session, borrower_id: str) -> list[dict[str, Any]]:
    """The borrower's analysed calls, newest first: {kind, at, title, details, source}."""
    rows = session.scalars(select(CallAnalysis).where(CallAnalysis.borrower_id == borrower_id)
                           .order_by(CallAnalysis.call_at.desc(), CallAnalysis.id))
    items = []
    for r in rows:
        promise = json.loads(r.promise) if r.promise else None
        findings, missing = _findings(r), json.loads(r.missing_disclosures)
        items.append({
            "kind": "call", "at": r.call_at, "title": _title(r.outcome, promise, findings, missing),
            "details": {"analysis_id": r.id, "loan_id": r.loan_id, "outcome": r.outcome, "lang": r.lang,
                        "intents": json.loads(r.intents), "promise": promise, "promise_id": r.promise_id,
                        "hold_id": r.hold_id, "hardship": r.hardship_category, "qa_findings": findings,
                        "missing_disclosures": missing, "followups": json.loads(r.followups),
                        "agent_id": r.agent_id, "contact_event_id": r.contact_event_id, "audio_ref": r.audio_ref},
            "source": "speech QA",
        })
    return items
