"""The visit register for compliance: one row per visit with the evidence of every step, as CSV and PDF.

Consent evidence appears as record ids, channels, times and a digest of the evidence reference (the clear
reference is in `duecare consent evidence BORROWER`, an audited read).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.kit.i18n import bilingual
from duecare.ledger.models import Approval, Consent, Notice
from duecare.visits import repository
from duecare.visits.models import VisitCase
from duecare.visits.notice import _pdf

COLUMNS = [
    "visit_id", "borrower_id", "loan_id", "pack", "policy_version", "state", "proposed_by", "proposed_at",
    "gate_at_proposal", "gate_last", "gate_last_digest", "notice_id", "notice_sent_at", "notice_version_hash",
    "consents", "approval", "agents", "window_start", "window_end", "planned_arrival", "outcome",
    "reported_by", "reported_at", "reviewed_by", "reviewed_at", "close_reason", "rules",
]


def _gate_summary(gate: dict[str, Any] | None) -> str:
    if gate is None:
        return ""
    d = gate["decision"]
    unmet = ";".join(d["visit_gate"]["unmet"]) or "none"
    extra = ";".join(gate.get("changes_since_notice", []))
    return f"action={d['action']} unmet={unmet}" + (f" changed={extra}" if extra else "")


def _evidence_digest(value: str | None) -> str:
    return "" if not value else hashlib.sha256(value.encode()).hexdigest()[:16]


def row(session: Session, visit: VisitCase) -> dict[str, str]:
    evs = repository.events(session, visit.id)
    gates = [(e, repository.gate_of(e)) for e in evs if e.gate_json]
    first = gates[0][1] if gates else None
    last_ev, last = gates[-1] if gates else (None, None)
    n = session.get(Notice, visit.notice_id) if visit.notice_id else None
    consents = [] if n is None else list(session.scalars(select(Consent).where(
        Consent.borrower_id == visit.borrower_id, Consent.at > n.sent_at,
        (Consent.notice_id == n.id) | Consent.notice_id.is_(None)).order_by(Consent.at)))
    approval = session.get(Approval, visit.approval_id) if visit.approval_id else None
    rep = repository.report_of(session, visit.id)
    reviewed = next((e for e in reversed(evs) if e.to_state == "reviewed"), None)
    rules = {f"{e.rule_id}: {e.legal_basis}" for e in evs if e.rule_id}
    for _, g in gates[:1]:  # the rules behind every gate condition, as evaluated at proposal
        for line in (g or {}).get("decision", {}).get("gate_detail", []):
            rules.update(f"{r['rule']}: {r['source']}" for r in line["rules"])
    return {
        "visit_id": visit.id, "borrower_id": visit.borrower_id, "loan_id": visit.loan_id, "pack": visit.pack,
        "policy_version": visit.policy_version, "state": visit.state.value, "proposed_by": visit.proposed_by,
        "proposed_at": visit.proposed_at.isoformat(), "gate_at_proposal": _gate_summary(first),
        "gate_last": _gate_summary(last), "gate_last_digest": last_ev.gate_digest or "" if last_ev else "",
        "notice_id": n.id if n else "", "notice_sent_at": n.sent_at.isoformat() if n else "",
        "notice_version_hash": (n.version_hash or "") if n else "",
        "consents": " | ".join(f"{c.id} {c.decision} {c.at.isoformat()} via {c.channel} "
                               f"evidence#{_evidence_digest(c.evidence)} text#{(c.notice_version_hash or '')[:12]}"
                               for c in consents),
        "approval": "" if approval is None else
        f"{approval.id} {approval.decision} by {approval.decided_by} {approval.at.isoformat()}",
        "agents": ";".join(a for a in (visit.agent_a, visit.agent_b) if a),
        "window_start": visit.window_start.isoformat() if visit.window_start else "",
        "window_end": visit.window_end.isoformat() if visit.window_end else "",
        "planned_arrival": visit.planned_arrival.isoformat() if visit.planned_arrival else "",
        "outcome": visit.outcome.value if visit.outcome else "",
        "reported_by": rep.filed_by if rep else "", "reported_at": rep.filed_at.isoformat() if rep else "",
        "reviewed_by": reviewed.actor if reviewed else "", "reviewed_at": reviewed.at.isoformat() if reviewed else "",
        "close_reason": visit.close_reason or "", "rules": " | ".join(sorted(rules)),
    }


def rows(session: Session) -> list[dict[str, str]]:
    return [row(session, v) for v in repository.all_visits(session)]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first) is kept as text: a ' in front."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(data: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\r\n")  # RFC 4180: a CR or LF in a cell is quoted
    writer.writeheader()
    writer.writerows({k: neutralise(v) for k, v in r.items()} for r in data)
    return buf.getvalue()


def to_pdf(data: list[dict[str, str]]) -> bytes:
    """One block per visit (a register is read visit by visit, not as a 27-column table)."""
    pdf = _pdf()
    pdf.add_page()
    pdf.set_font("cjk", size=15)
    pdf.multi_cell(0, 9, bilingual("Visit register", sep=" · "), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=8)
    pdf.multi_cell(0, 5, f"{len(data)} visit(s)", new_x="LMARGIN", new_y="NEXT")
    for item in data:
        pdf.ln(2)
        pdf.set_font("cjk", size=11)
        pdf.multi_cell(0, 7, f"{item['visit_id']} — {item['state']}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", size=7.5)
        for col in COLUMNS[1:]:
            if item[col]:
                pdf.multi_cell(0, 4, f"{col}: {item[col]}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def as_json(data: list[dict[str, str]]) -> str:
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in data)
