"""An analysis becomes contact-event facts: RPC, promise holds, dispute holds, questionnaires, reviews."""

from __future__ import annotations

from tests.speech.conftest import OPEN, call

from duecare.speech.analysis import analyze_transcript
from duecare.speech.events import call_events


def _kinds(events: list[dict[str, object]]) -> list[object]:
    return [e["kind"] for e in events]


def test_promise_with_date_and_amount_becomes_a_pending_promise_hold() -> None:
    analysis = analyze_transcript(call("zh", f"A: {OPEN['zh']}", "B: 我最近被裁员了，下周三我先还一千。"))
    events = call_events(analysis, reached_borrower=True)
    assert events[0] == {"kind": "contact", "channel": "call", "direction": "outbound", "outcome": "ptp", "rpc": True}
    assert {"kind": "promise", "promised_date": "2026-11-18", "amount": 1000, "status": "open", "hold": "ptp_pending"} in events
    assert {"kind": "questionnaire_invitation", "questionnaire": "hardship", "category": "job_loss"} in events


def test_dispute_becomes_a_hold() -> None:
    analysis = analyze_transcript(call("en", f"A: {OPEN['en']}", "B: I never borrowed anything from you."))
    events = call_events(analysis, reached_borrower=True)
    assert events[0]["outcome"] == "dispute"
    assert {"kind": "hold", "hold": "dispute_open", "reason": "borrower disputes the debt or its amount"} in events


def test_wrong_party_is_no_rpc_and_asks_for_a_contact_data_review() -> None:
    analysis = analyze_transcript(call("en", "A: Is this Kevin?", "O: Wrong number."))
    events = call_events(analysis)
    assert events[0]["outcome"] == "third_party" and events[0]["rpc"] is False
    assert _kinds(events) == ["contact", "contact_data_review"]


def test_qa_findings_are_events_for_the_case_page() -> None:
    analysis = analyze_transcript(call("en", "A: Pay up or you're going to jail.", "B: I'm not paying."))
    kinds = [(e["kind"], e.get("code")) for e in call_events(analysis, reached_borrower=True)]
    assert ("qa_finding", "false_consequence") in kinds and ("qa_finding", "missing_recording_notice") in kinds
