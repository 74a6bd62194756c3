"""The borrower corrects a visit report's facts (PIPL Art. 46): a data-subject request a person reviews.

`request` records what the borrower says is wrong (the field, the value they ask for, why) as a correction
request with its legal deadline; `decide` is the reviewer's answer. Approved, the report holds the new value and
the correction row keeps the value as filed (encrypted) and who decided; the audit chain holds digests of both.
Rejected, the request is refused with the reviewer's reasons, which the borrower sees (PIPL Art. 50).
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.contacts.replies import YES_VALUES
from duecare.kit.errors import Conflict, NotFound, UserError
from duecare.kit.i18n import N_
from duecare.privacy import rights
from duecare.privacy.audit import record_audit
from duecare.privacy.models import SubjectRequest
from duecare.privacy.permissions import Actor, guarded
from duecare.privacy.rights_records import fact_label
from duecare.visits.models import ReportCorrection, VisitCase, VisitReport
from duecare.visits.report import ReportFields

# The report's facts a borrower may ask to correct: each a single value (a plan or a promise is changed by
# proposing a new one, not by editing the old record).
CORRECTABLE = ("employment_status", "monthly_income", "monthly_expenses", "other_debts_monthly",
               "hardship_category", "willingness", "capacity_monthly", "hardship_hold", "referral")
DETAILS_PREFIX = "visit report "


def _borrower(borrower_id: str) -> Actor:
    return Actor(kind="borrower", id=borrower_id, role="borrower")


def _normalised(field: str, value: str) -> Any:
    """The value as the report stores it (JSON), or a UserError that says what is accepted."""
    raw: Any = value.strip()
    if field == "hardship_hold":
        raw = raw.lower() in YES_VALUES
    try:
        parsed = ReportFields.model_validate({field: raw})
    except ValidationError:
        raise UserError(N_("value: not a valid {fact}"),
                        place="value", fact=field.replace('_', ' ')) from None
    typed = getattr(parsed, field)
    if isinstance(typed, Decimal):
        return f"{typed:.2f}"  # as filed reports hold amounts
    return parsed.model_dump(mode="json")[field]


def reports_of(session: Session, borrower_id: str) -> list[tuple[VisitCase, dict[str, Any]]]:
    """The borrower's filed reports with their facts (what the portal offers to correct)."""
    rows = session.execute(select(VisitCase, VisitReport).join(VisitReport, VisitReport.visit_id == VisitCase.id)
                           .where(VisitCase.borrower_id == borrower_id).order_by(VisitReport.filed_at)).all()
    return [(case, json.loads(report.fields_json or "{}")) for case, report in rows]


def request(session: Session, borrower_id: str, visit_id: str, field: str, value: str, reason: str,
            now: datetime) -> ReportCorrection:
    """The borrower's correction request for one fact of one of their visit reports."""
    case = session.get(VisitCase, visit_id)
    report = session.get(VisitReport, visit_id)
    if case is None or report is None or case.borrower_id != borrower_id:
        raise NotFound(N_("no visit report of yours with this reference"), place="visit")
    if field not in CORRECTABLE:
        raise UserError(N_("field: choose one of {correctable}"),
                        place="field", correctable=', '.join(CORRECTABLE))
    after = _normalised(field, value)
    open_one = session.scalar(select(ReportCorrection.id).where(
        ReportCorrection.visit_id == visit_id, ReportCorrection.field == field,
        ReportCorrection.status == "requested"))
    if open_one is not None:
        raise Conflict(N_("a correction of this fact is already being reviewed"), place="field")
    before = json.loads(report.fields_json or "{}").get(field)
    details = (f"{DETAILS_PREFIX}{visit_id}: {fact_label(field, 'en')} {json.dumps(before, ensure_ascii=False)} "
               f"→ {json.dumps(after, ensure_ascii=False)}" + (f". Reason: {reason.strip()}" if reason.strip() else ""))
    req = rights.create_request(session, _borrower(borrower_id), borrower_id, "correction", details[:2000],
                                received_at=now)
    row = ReportCorrection(visit_id=visit_id, borrower_id=borrower_id, request_id=req.id, field=field,
                           before=json.dumps(before, ensure_ascii=False), after=json.dumps(after, ensure_ascii=False),
                           reason=reason.strip()[:1000] or None, status="requested", created_at=now)
    session.add(row)
    session.flush()
    return row


def of_request(session: Session, request_id: int) -> ReportCorrection | None:
    return session.scalar(select(ReportCorrection).where(ReportCorrection.request_id == request_id))


@guarded("rights.manage")
def decide(session: Session, actor: Actor, request_id: int, approve: bool, note: str,
           now: datetime) -> ReportCorrection:
    """The reviewer's answer: apply the correction to the report, or refuse it with the reasons."""
    row = of_request(session, request_id)
    req = session.get(SubjectRequest, request_id)
    if row is None or req is None:
        raise NotFound(N_("no visit report correction {request_id}"), place="request", request_id=request_id)
    if row.status != "requested":
        raise Conflict(N_("visit report correction {request_id} is already {state}"),
                       place="request", request_id=request_id, state=row.status)
    note = note.strip()
    if not approve and not note:
        raise UserError(N_("note: give the reasons for refusing (PIPL Art. 50)"), place="note")
    row.decided_by, row.decided_at, row.decision_note = actor.id, now, note or None
    req.handled_by, req.closed_at = actor.id, now
    if approve:
        report = session.get_one(VisitReport, row.visit_id)
        facts = json.loads(report.fields_json or "{}")
        facts[row.field] = json.loads(row.after)
        report.fields_json = json.dumps(facts, ensure_ascii=False)
        row.status, req.status = "applied", "completed"
        req.outcome = f"corrected {fact_label(row.field, 'en').lower()} in visit report {row.visit_id}"
    else:
        row.status, req.status = "rejected", "refused"
        req.outcome = f"Not corrected, because: {note}"
    record_audit(session, actor=actor, action=f"rights_report_correction_{row.status}",
                 subject=f"borrower:{row.borrower_id}", rule_id="pipl_rights", legal_basis="PIPL Arts. 46, 50",
                 before={row.field: row.before}, after={row.field: row.after if approve else row.before,
                                                       "visit": row.visit_id}, at=now)
    session.flush()
    return row
