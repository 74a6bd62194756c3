"""The call-understanding entry point: a transcript dict in, the published analysis dict out."""

from __future__ import annotations

from typing import Any

from duecare.speech.numbers import as_json_number
from duecare.speech.qa import find_violations, missing_disclosures
from duecare.speech.transcript import parse_transcript
from duecare.speech.understanding import detect_hardship, detect_intents, detect_promise

INTENTS = ("callback_request", "claims_paid", "dispute", "hardship", "promise_to_pay", "refusal", "wrong_party")


def analyze_transcript(data: dict[str, Any], *, explain: bool = False) -> dict[str, Any]:
    """Intents, promise, hardship and agent QA of one call; `explain` adds the quoted evidence."""
    t = parse_transcript(data)
    evidence = detect_intents(t)
    hardship = detect_hardship(t)
    promise = detect_promise(t)
    intents = {e.label for e in evidence}
    if hardship:
        intents.add("hardship")
    if promise:
        intents.add("promise_to_pay")
    violations = find_violations(t)
    result: dict[str, Any] = {
        "intents": sorted(intents),
        "promise": None if promise is None else {
            "date": promise.date.isoformat(),
            "amount": None if promise.amount is None else as_json_number(promise.amount),
        },
        "hardship": None if hardship is None else {"category": hardship.label},
        "violations": [{"code": v.code, "turn": v.turn} for v in violations],
        "missing_disclosures": missing_disclosures(t),
    }
    if explain:
        quotes = [{"label": e.label, "turn": e.turn, "quote": e.quote} for e in evidence]
        if hardship:
            quotes.append({"label": f"hardship:{hardship.label}", "turn": hardship.turn, "quote": hardship.quote})
        if promise:
            quotes.append({"label": "promise_to_pay", "turn": promise.turn, "quote": promise.quote})
        quotes += [{"label": v.code, "turn": v.turn, "quote": v.quote} for v in violations]
        result["evidence"] = quotes
    return result
