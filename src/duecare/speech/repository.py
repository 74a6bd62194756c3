"""Queries over stored call analyses: a borrower's calls for the case timeline, each QA finding and missing
disclosure with the rules of the borrower's pack it breaches. The caller checks scope first."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.ledger.models import Borrower
from duecare.policy.loader import Pack, load_pack
from duecare.speech.models import CallAnalysis
from duecare.speech.qa import missing_code


def breaches(pack: Pack | None, code: str) -> list[dict[str, Any]]:
    """The rules of the pack a QA code breaches, each {id, title (en, zh), source}; none: the code is held only to
    the lender's own call standard in that pack (or the borrower has no pack)."""
    if pack is None:
        return []
    return [{"id": r.id, "title": dict(r.description), "source": r.source} for r in pack.breached_by(code)]


def _pack_of(session: Session, borrower_id: str) -> Pack | None:
    borrower = session.get(Borrower, borrower_id)
    return load_pack(borrower.jurisdiction.value) if borrower is not None else None


def _findings(row: CallAnalysis, pack: Pack | None) -> list[dict[str, Any]]:
    """Each QA finding with the words that triggered it (decrypted here, for the case page only) and the rules
    it breaches."""
    quotes = {(q["label"], q["turn"]): q["quote"] for q in json.loads(row.evidence or "[]")}
    return [{"code": f["code"], "turn": f["turn"], "quote": quotes.get((f["code"], f["turn"])),
             "rules": breaches(pack, f["code"])}
            for f in json.loads(row.qa_findings)]


def _missing(row: CallAnalysis, pack: Pack | None) -> list[dict[str, Any]]:
    """Each disclosure the agent never made ({code: agent_identity, ...}) and the rules its absence breaches."""
    return [{"code": code, "rules": breaches(pack, missing_code(code))}
            for code in json.loads(row.missing_disclosures)]


def _breach_text(rules: list[dict[str, Any]]) -> str:
    return ", ".join(r["id"] for r in rules) or "the lender's call standard"


def _title(outcome: str, promise: dict[str, Any] | None, findings: list[dict[str, Any]],
           missing: list[dict[str, Any]]) -> str:
    """One line a person can read where a page shows only the title."""
    parts = [f"call analysis: {outcome}"]
    if promise:
        parts.append(f"promise {promise.get('date')} {promise.get('amount') if promise.get('amount') is not None else '?'}")
    for f in findings:
        quote = f" “{f['quote']}”" if f["quote"] else ""
        parts.append(f"QA {f['code']} (turn {f['turn']}){quote} breaches {_breach_text(f['rules'])}")
    if missing:
        parts.append("missing disclosures: " + ", ".join(f"{m['code']} (breaches {_breach_text(m['rules'])})"
                                                          for m in missing))
    return " · ".join(parts)


def timeline_items(session: Session, borrower_id: str) -> list[dict[str, Any]]:
    """The borrower's analysed calls, newest first: {kind, at, title, details, source}; each QA finding and
    missing disclosure carries `rules` ({id, title, source}) from the borrower's pack."""
    pack = _pack_of(session, borrower_id)
    rows = session.scalars(select(CallAnalysis).where(CallAnalysis.borrower_id == borrower_id)
                           .order_by(CallAnalysis.call_at.desc(), CallAnalysis.id))
    items = []
    for r in rows:
        promise = json.loads(r.promise) if r.promise else None
        findings, missing = _findings(r, pack), _missing(r, pack)
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
