"""Call analysis to contact-event facts that the store, the policy holds and the case timeline use."""

from __future__ import annotations

from typing import Any

from duecare.speech.qa import missing_code

RPC_OUTCOMES = ("ptp", "dispute", "refused", "rpc")


def call_outcome(analysis: dict[str, Any], reached_borrower: bool | None = None) -> str:
    """The contact outcome: ptp, dispute, refused, rpc, or third_party when only someone else answered."""
    intents = set(analysis["intents"])
    debtor_intents = intents - {"wrong_party"}
    if reached_borrower is None:
        reached_borrower = bool(debtor_intents) or "wrong_party" not in intents
    if not reached_borrower:
        return "third_party"
    if analysis.get("promise") and "promise_to_pay" in intents:
        return "ptp"
    if "dispute" in intents:
        return "dispute"
    if "refusal" in intents:
        return "refused"
    return "rpc"


def call_events(analysis: dict[str, Any], *, reached_borrower: bool | None = None,
                direction: str = "outbound") -> list[dict[str, Any]]:
    """Facts for the web and console helpers to persist (one call analysis in, a list of events out).

    rpc / ptp → the contact; a promise with date and amount → an open promise that holds (ptp_pending);
    dispute → a dispute_open hold; hardship → a hardship questionnaire invitation; wrong party → a review of
    the contact data; each QA finding → a finding on the case page.
    """
    outcome = call_outcome(analysis, reached_borrower)
    events: list[dict[str, Any]] = [{"kind": "contact", "channel": "call", "direction": direction, "outcome": outcome,
                                     "rpc": outcome in RPC_OUTCOMES}]
    intents = set(analysis["intents"])
    promise = analysis.get("promise")
    if outcome in RPC_OUTCOMES:
        if promise and promise.get("date") and promise.get("amount") is not None:
            events.append({"kind": "promise", "promised_date": promise["date"], "amount": promise["amount"],
                           "status": "open", "hold": "ptp_pending"})
        elif promise and promise.get("date"):
            events.append({"kind": "promise_incomplete", "promised_date": promise["date"],
                           "reason": "amount not stated; confirm with the borrower before it counts as a hold"})
        if "dispute" in intents:
            events.append({"kind": "hold", "hold": "dispute_open", "reason": "borrower disputes the debt or its amount"})
        if "hardship" in intents:
            category = (analysis.get("hardship") or {}).get("category", "other")
            events.append({"kind": "questionnaire_invitation", "questionnaire": "hardship", "category": category})
        if "claims_paid" in intents:
            events.append({"kind": "payment_check", "reason": "borrower says the debt is already paid"})
        if "callback_request" in intents:
            events.append({"kind": "callback_request"})
    if "wrong_party" in intents:
        events.append({"kind": "contact_data_review", "reason": "wrong_party"})
    for finding in analysis.get("violations", []):
        events.append({"kind": "qa_finding", "code": finding["code"], "turn": finding["turn"]})
    for missing in analysis.get("missing_disclosures", []):
        events.append({"kind": "qa_finding", "code": missing_code(missing), "turn": None})
    return events
