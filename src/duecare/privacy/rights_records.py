"""The borrower's visit records and letters in the access export, in readable form (PIPL Art. 45; GDPR Art. 15).

Visit records are keyed by visit id, not by borrower, so the table-by-table export cannot see them. This
module reads them through the visit case that names the borrower and writes one entry per visit: the notice
texts shown, the report's facts with their labels (and any correction), the notes and the recording
reference, every event with its comment, and every message sent about the visit. The tables are read from the
one metadata by name (the visit domain sits above privacy and is never imported here); `RECORD_TABLES` lists
them, and a test checks that every table with personal data is reached by the export and by anonymisation.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.engine import Connection

from duecare.kit.db import Base, require_all_models
from duecare.kit.i18n import N_, translate

# The tables the readable records are built from (all reached through visit_cases.borrower_id or
# notices.borrower_id).
RECORD_TABLES = ("visit_cases", "visit_notice_documents", "visit_reports", "visit_events", "visit_messages",
                 "visit_follow_ups", "visit_consent_forms", "visit_report_corrections", "letter_texts", "notices")

FACT_LABELS = {
    "employment_status": N_("Employment"), "monthly_income": N_("Monthly income"),
    "monthly_expenses": N_("Monthly expenses"), "other_debts_monthly": N_("Other debts per month"),
    "hardship_category": N_("Reason for the arrears"), "willingness": N_("Willingness"),
    "capacity_monthly": N_("Affordable per month"), "proposed_plan": N_("Proposed plan"),
    "promise_to_pay": N_("Promise to pay"), "hardship_hold": N_("Pause requested"), "referral": N_("Referral"),
    "updated_contact": N_("Updated contact details"),
}


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return getattr(value, "value", value)


def _table(name: str) -> Table | None:
    require_all_models()
    return Base.metadata.tables.get(name)


def _rows(conn: Connection, name: str, column: str, keys: list[str], order: str | None = None) -> list[dict[str, Any]]:
    t = _table(name)
    if t is None or not keys:
        return []
    stmt = select(t).where(t.c[column].in_(keys))
    if order:
        stmt = stmt.order_by(t.c[order])
    return [{k: _plain(v) for k, v in r.items()} for r in conn.execute(stmt).mappings()]


def fact_label(field: str, language: str) -> str:
    if field not in FACT_LABELS:
        return field if language.startswith("zh") else field.replace("_", " ")
    return translate(language, FACT_LABELS[field])


def _report(row: dict[str, Any], corrections: list[dict[str, Any]], language: str) -> dict[str, Any]:
    try:
        facts = json.loads(row["fields"]) if row["fields"] else {}
    except ValueError:  # anonymised
        facts = {}
    return {
        "outcome": row["outcome"], "filed_at": row["filed_at"],
        "facts": [{"field": k, "label": fact_label(k, language), "value": v} for k, v in facts.items()],
        "notes": row["notes"], "recording": row["recording_ref"],
        "corrections": [{"field": c["field"], "asked_value": c["after"], "original_value": c["before"],
                         "status": c["status"], "requested_at": c["created_at"], "decided_at": c["decided_at"],
                         "reason_given": c["decision_note"]} for c in corrections],
    }  # fmt: skip


def visit_records(conn: Connection, borrower_id: str, language: str) -> list[dict[str, Any]]:
    """One readable entry per visit of the borrower, oldest first."""
    cases = _rows(conn, "visit_cases", "borrower_id", [borrower_id], "proposed_at")
    ids = [c["id"] for c in cases]
    by_visit: dict[str, dict[str, list[dict[str, Any]]]] = {i: {} for i in ids}
    for name, order in (("visit_notice_documents", "created_at"), ("visit_reports", "filed_at"),
                        ("visit_events", "id"), ("visit_messages", "id"), ("visit_follow_ups", "id"),
                        ("visit_consent_forms", "uploaded_at"), ("visit_report_corrections", "id")):
        for r in _rows(conn, name, "visit_id", ids, order):
            by_visit[r["visit_id"]].setdefault(name, []).append(r)
    out = []
    for c in cases:
        got = by_visit[c["id"]]
        reports = got.get("visit_reports", [])
        out.append({
            "visit": c["id"], "loan": c["loan_id"], "state": c["state"], "proposed_at": c["proposed_at"],
            "window": [c["window_start"], c["window_end"]], "outcome": c["outcome"],
            "checked_in_at": c["checked_in_at"], "checked_out_at": c["checked_out_at"],
            "notices": [{"notice": n["notice_id"], "language": n["language"], "shown_at": n["created_at"],
                         "text": n["canonical_text"]} for n in got.get("visit_notice_documents", [])],
            "report": _report(reports[0], got.get("visit_report_corrections", []), language) if reports else None,
            "events": [{"at": e["at"], "from": e["from_state"], "to": e["to_state"], "by": e["actor"],
                        "reasons": json.loads(e["reasons"] or "[]"), "rule": e["rule_id"], "comment": e["comment"]}
                       for e in got.get("visit_events", [])],
            "messages": [{"at": m["created_at"], "to": m["recipient_kind"], "channel": m["channel"],
                          "kind": m["kind"], "subject": m["subject"], "text": m["body"], "status": m["status"]}
                         for m in got.get("visit_messages", []) if m["recipient_kind"] == "borrower"],
            "follow_ups": [{"kind": f["kind"], "ref": f["ref"], "details": f["details"]}
                           for f in got.get("visit_follow_ups", [])],
            "consent_forms": [{"kind": f["kind"], "signed_at": f["signed_at"], "status": f["status"]}
                              for f in got.get("visit_consent_forms", [])],
        })  # fmt: skip
    return out


def letters(conn: Connection, borrower_id: str) -> list[dict[str, Any]]:
    """Every notice sent to the borrower, with the letter's text where the letter was posted by the outbox."""
    notices = _rows(conn, "notices", "borrower_id", [borrower_id], "sent_at")
    texts = {t["notice_id"]: t for t in _rows(conn, "letter_texts", "notice_id", [n["id"] for n in notices])}
    return [{"notice": n["id"], "kind": n["kind"], "loan": n["loan_id"], "sent_at": n["sent_at"],
             "subject": texts.get(n["id"], {}).get("subject"), "text": texts.get(n["id"], {}).get("body")}
            for n in notices]
