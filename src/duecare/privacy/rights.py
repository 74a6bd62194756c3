"""Data-subject rights (PIPL Arts. 44-47, 50; GDPR Arts. 15-17, 22): requests with deadlines, the access
export, correction, deletion with lawful-retention exceptions, and human review of automated decisions."""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.kit import clock
from duecare.kit.db import Base, require_all_models
from duecare.kit.errors import Conflict, NotFound, UserError
from duecare.kit.i18n import N_
from duecare.privacy import rights_records
from duecare.privacy.audit import audit_read, record_audit
from duecare.privacy.models import ReviewRequest, SubjectRequest
from duecare.privacy.permissions import Actor
from duecare.privacy.retention import anonymise_borrower, assess


@dataclass(frozen=True)
class Deadline:
    days: int | None
    months: int | None
    source: str


# The sources are message ids: a request stores the English one (`deadline_source`), the console's inbox shows it
# in the reader's language.
DEADLINES = {
    "cn": Deadline(15, None, N_("Methods for Identifying Illegal Collection and Use of Personal Information by Apps "
                                "(CAC Guo Xin Ban Mi Zi [2019] No. 191) §6: ≤ 15 working days; "
                                "duecare counts 15 calendar days, which is earlier (conf. S)")),
    "uk": Deadline(None, 1, N_("UK GDPR Art. 12(3): without undue delay and within one month of receipt (conf. P)")),
    "us": Deadline(45, None, N_("Cal. Civ. Code §1798.130(a)(2) (CCPA): 45 days; GLBA-covered data may be exempt "
                                "(conf. S)")),
}  # fmt: skip
# Tables that are sign-in machinery or lookup indexes, not information about the person.
NOT_EXPORTED = {"borrower_codes", "auth_sessions", "borrower_phone_index"}
NOT_EXPORTED_COLUMNS = {"ingest_digest", "link_hash", "code_hash"}


def add_months(d: date, months: int) -> date:
    m = d.month - 1 + months
    y, m = d.year + m // 12, m % 12 + 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def deadline_for(jurisdiction: str, received: date) -> tuple[date, str]:
    rule = DEADLINES[jurisdiction]
    due = add_months(received, rule.months) if rule.months else received + timedelta(days=rule.days or 0)
    return due, rule.source


def _jurisdiction(db: Session, borrower_id: str) -> str:
    from duecare.ledger.models import Borrower

    jur = db.execute(select(Borrower.jurisdiction).where(Borrower.id == borrower_id)).scalar_one_or_none()
    if jur is None:
        raise NotFound(N_("no borrower {borrower_id!r}"), borrower_id=borrower_id)
    return str(getattr(jur, "value", jur))


REQUEST_KINDS = ("access", "correction", "deletion")
REVIEW_OUTCOMES = ("upheld", "changed")


def create_request(db: Session, actor: Actor, borrower_id: str, kind: str, details: str | None = None,
                   received_at: datetime | None = None) -> SubjectRequest:  # fmt: skip
    if kind not in REQUEST_KINDS:
        raise UserError(N_("request kind {kind!r} unknown; use access, correction or deletion"), kind=kind)
    received = received_at or clock.now()
    jur = _jurisdiction(db, borrower_id)
    due, source = deadline_for(jur, received.date())
    req = SubjectRequest(borrower_id=borrower_id, kind=kind, status="received", jurisdiction=jur,
                         received_at=received, deadline=due, deadline_source=source, details=details)  # fmt: skip
    db.add(req)
    db.flush()
    record_audit(db, actor=actor, action=f"rights_{kind}_requested", subject=f"borrower:{borrower_id}",
                 rule_id="pipl_rights", after={"request": req.id, "deadline": due.isoformat()})  # fmt: skip
    return req


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def access_export(db: Session, actor: Actor, borrower_id: str) -> dict[str, Any]:
    """Everything stored about a borrower, machine-readable (PIPL 45, GDPR 15/20): the tables keyed by the
    borrower or their loans, then the visit records and letters in readable form (`rights_records`)."""
    from duecare.ledger.models import Loan

    require_all_models()
    loan_ids = list(db.execute(select(Loan.id).where(Loan.borrower_id == borrower_id)).scalars())
    out: dict[str, Any] = {
        "borrower_id": borrower_id,
        "generated_at": clock.now().isoformat(),
        "tables": {},
    }
    conn = db.connection()
    for table in Base.metadata.sorted_tables:
        if table.name in NOT_EXPORTED:
            continue
        if table.name == "borrowers":
            where = table.c.id == borrower_id
        elif "borrower_id" in table.c:
            where = table.c.borrower_id == borrower_id
        elif "loan_id" in table.c and loan_ids:
            where = table.c.loan_id.in_(loan_ids)
        elif table.name == "audit_events":
            where = table.c.subject == f"borrower:{borrower_id}"
        else:
            continue
        cols = [c for c in table.columns if c.name not in NOT_EXPORTED_COLUMNS]
        rows = conn.execute(select(*cols).where(where)).mappings().all()
        if rows:
            out["tables"][table.name] = [{k: _plain(v) for k, v in r.items()} for r in rows]
    borrower_rows = out["tables"].get("borrowers", [])
    language = str(borrower_rows[0].get("language") or "en") if borrower_rows else "en"
    out["visit_records"] = rights_records.visit_records(conn, borrower_id, language)
    out["letters"] = rights_records.letters(conn, borrower_id)
    for row in borrower_rows:
        if isinstance(row.get("phones"), str):
            row["phones"] = json.loads(row["phones"])
    audit_read(db, actor, f"borrower:{borrower_id}", ["*"], purpose="access export (PIPL Art. 45)")
    return out


def _open_request(db: Session, request_id: int, kind: str) -> SubjectRequest:
    req = db.get(SubjectRequest, request_id)
    if req is None or req.kind != kind:
        raise NotFound(N_("no {kind} request {request_id}"), kind=kind, request_id=request_id)
    if req.status in ("completed", "refused"):
        raise Conflict(N_("request {request_id} is already {state}"), request_id=request_id, state=req.status)
    return req


CORRECTABLE = {"name": "name", "email": "email", "address": "address", "phones": "phones"}


def apply_correction(db: Session, actor: Actor, request_id: int, field: str, value: str) -> SubjectRequest:
    """Correct one personal field (PIPL 46); the audit keeps digests of before and after, never the values."""
    from duecare.ledger.models import Borrower

    req = _open_request(db, request_id, "correction")
    if field not in CORRECTABLE:
        raise UserError(N_("field {field!r} cannot be corrected here; use one of {correctable}"),
                        field=field, correctable=', '.join(CORRECTABLE))
    borrower = db.get(Borrower, req.borrower_id)
    assert borrower is not None
    before = borrower.phones if field == "phones" else getattr(borrower, field)
    if field == "phones":
        from duecare.ledger import repository

        new_phones = [p.strip() for p in value.split(";") if p.strip()]
        repository.set_phones(db, borrower, new_phones)
        after: Any = borrower.phones  # as stored: E.164
    else:
        setattr(borrower, field, value)
        after = value
        if field == "name":  # the name lookup index follows the corrected name
            from duecare.ledger.names import set_names

            db.flush()
            set_names(db, [(borrower.id, value)])
    req.status, req.handled_by, req.closed_at = "completed", actor.id, clock.now()
    req.outcome = f"corrected {field}"
    record_audit(
        db,
        actor=actor,
        action="rights_correction_applied",
        subject=f"borrower:{req.borrower_id}",
        rule_id="pipl_rights",
        legal_basis="PIPL Art. 46",
        before={field: before},
        after={field: after},
    )
    return req


def handle_deletion(db: Session, actor: Actor, request_id: int, as_of: date | None = None) -> SubjectRequest:
    """Delete (anonymise) if no lawful reason to keep applies; otherwise refuse with the reasons (PIPL 47, 50)."""
    req = _open_request(db, request_id, "deletion")
    as_of = as_of or clock.now().date()
    req.status = "in_progress"  # so the open request itself is not a reason to keep
    db.flush()
    verdict = assess(db, as_of, [req.borrower_id])[0]
    reasons = [r for r in verdict.reasons if r != "data-subject request open"]
    req.handled_by, req.closed_at = actor.id, clock.now()
    if reasons:
        req.status = "refused"
        req.outcome = (
            "Kept, because: "
            + "; ".join(reasons)
            + f". Source: {verdict.source}. Until then the data is only "
            "stored and protected, not otherwise processed (PIPL Art. 47 para. 2; GDPR Art. 17(3)(b),(e))."
        )
    else:
        anonymise_borrower(db, req.borrower_id, actor, rule_id="pipl_rights", basis="PIPL Art. 47")
        req.status, req.outcome = "completed", "personal data anonymised; non-identifying aggregates kept"
    record_audit(
        db,
        actor=actor,
        action=f"rights_deletion_{req.status}",
        subject=f"borrower:{req.borrower_id}",
        rule_id="pipl_rights",
        legal_basis="PIPL Art. 47, 50",
        after={"reasons": reasons},
    )
    return req


# --- human review of automated decisions (PIPL Art. 24, GDPR Art. 22) ---------------------------------------


def request_review(db: Session, actor: Actor, borrower_id: str, decision_ref: str, summary: str | None,
                   reason: str | None) -> ReviewRequest:  # fmt: skip
    review = ReviewRequest(borrower_id=borrower_id, decision_ref=decision_ref, decision_summary=summary,
                           reason=reason, status="pending", requested_at=clock.now())  # fmt: skip
    db.add(review)
    db.flush()
    record_audit(
        db,
        actor=actor,
        action="review_requested",
        subject=f"borrower:{borrower_id}",
        rule_id="pipl_adm",
        legal_basis="PIPL Art. 24; GDPR Art. 22(3)",
        after={"review": review.id},
    )
    return review


def resolve_review(db: Session, actor: Actor, review_id: int, outcome: str, note: str) -> ReviewRequest:
    if outcome not in REVIEW_OUTCOMES:
        raise UserError(N_("outcome must be upheld or changed"))
    review = db.get(ReviewRequest, review_id)
    if review is None:
        raise NotFound(N_("no review {review_id}"), review_id=review_id)
    if review.status != "pending":
        raise Conflict(N_("review {review_id} is already {state}"), review_id=review_id, state=review.status)
    review.status, review.reviewer_id, review.reviewer_note = outcome, actor.id, note
    review.reviewed_at = clock.now()
    record_audit(
        db,
        actor=actor,
        action=f"review_{outcome}",
        subject=f"borrower:{review.borrower_id}",
        rule_id="pipl_adm",
        legal_basis="PIPL Art. 24; GDPR Art. 22(3)",
        after={"review": review.id},
    )
    return review
