"""Retention: find borrowers past their pack's schedule and anonymise them, keeping the aggregates.

A borrower is kept while any of these holds: the retention period since last activity is running, a legal
hold is open, a debt is still outstanding, or a data-subject request is open. Anonymising replaces every
PersonalText value that belongs to the borrower (in every table of the metadata: rows keyed by the borrower or a
loan, and rows keyed by something of theirs, such as a visit's report, events, messages and notice texts or a
letter's text, found through the foreign key), removes the phone lookup
index, sign-in codes and sessions, and records a `retention_actions` row and an audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import Table, delete, func, literal, select, update
from sqlalchemy.orm import Session

from duecare.kit import clock
from duecare.kit.db import Base, require_all_models
from duecare.kit.fields import PersonalText
from duecare.privacy.audit import record_audit
from duecare.privacy.models import AuthSession, BorrowerCode, LegalHold, RetentionAction, SubjectRequest
from duecare.privacy.permissions import SYSTEM, Actor

ANONYMISED = "[anonymised]"


@dataclass(frozen=True)
class Schedule:
    jurisdiction: str
    keep_years: int
    rule_id: str
    source: str
    confidence: str


@cache
def schedules() -> dict[str, Schedule]:
    text = (resources.files("duecare.privacy") / "retention.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return {
        j: Schedule(j, int(s["keep_years"]), s["rule_id"], s["source"], s["confidence"])
        for j, s in data["schedules"].items()
    }


def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def last_activity(db: Session) -> dict[str, date]:
    """borrower_id -> latest activity date, over every ledger table that records something happening."""
    from duecare.ledger import models as m

    parts = [
        select(m.Loan.borrower_id, func.max(m.Loan.disbursed_on)),
        select(m.Loan.borrower_id, func.max(m.Installment.due_date)).join(
            m.Installment, m.Installment.loan_id == m.Loan.id),
        select(m.Loan.borrower_id, func.max(m.Payment.paid_at)).join(m.Payment, m.Payment.loan_id == m.Loan.id),
        select(m.ContactEvent.borrower_id, func.max(m.ContactEvent.at)),
        select(m.Notice.borrower_id, func.max(m.Notice.sent_at)),
        select(m.Consent.borrower_id, func.max(m.Consent.at)),
        select(m.Promise.borrower_id, func.max(m.Promise.promised_date)),
        select(m.Visit.borrower_id, func.max(m.Visit.at)),
        select(m.Hold.borrower_id, func.max(m.Hold.opened_at)),
        select(m.Hold.borrower_id, func.max(m.Hold.closed_at)),
    ]  # fmt: skip
    latest: dict[str, date] = {}
    for stmt in parts:
        first = stmt.selected_columns[0]
        for bid, value in db.execute(stmt.group_by(first)).all():
            if value is None:
                continue
            d = value.date() if isinstance(value, datetime) else value
            if bid not in latest or d > latest[bid]:
                latest[bid] = d
    return latest


def outstanding_borrowers(db: Session) -> set[str]:
    """Borrowers whose installments add up to more than their payments (a debt is still owed)."""
    from duecare.ledger import models as m

    due = (
        select(m.Installment.loan_id, func.sum(m.Installment.amount_minor).label("due"))
        .group_by(m.Installment.loan_id)
        .subquery()
    )
    paid = (
        select(m.Payment.loan_id, func.sum(m.Payment.amount_minor).label("paid"))
        .group_by(m.Payment.loan_id)
        .subquery()
    )
    stmt = (
        select(m.Loan.borrower_id)
        .join(due, due.c.loan_id == m.Loan.id)
        .outerjoin(paid, paid.c.loan_id == m.Loan.id)
        .where(due.c.due > func.coalesce(paid.c.paid, literal(0)))
    )
    return set(db.execute(stmt).scalars())


@dataclass
class Verdict:
    borrower_id: str
    jurisdiction: str
    last_activity: date | None
    keep_until: date | None
    action: str  # anonymise | keep | already_anonymised
    reasons: list[str]
    rule_id: str
    source: str

    def as_json(self) -> dict[str, Any]:
        return {
            "borrower_id": self.borrower_id, "jurisdiction": self.jurisdiction,
            "last_activity": self.last_activity.isoformat() if self.last_activity else None,
            "keep_until": self.keep_until.isoformat() if self.keep_until else None,
            "action": self.action, "reasons": self.reasons, "rule_id": self.rule_id, "source": self.source,
        }  # fmt: skip


def assess(db: Session, as_of: date, borrower_ids: list[str] | None = None) -> list[Verdict]:
    """What retention says about each borrower on `as_of` (no changes)."""
    from duecare.ledger.models import Borrower

    stmt = select(Borrower.id, Borrower.jurisdiction)
    if borrower_ids is not None:
        stmt = stmt.where(Borrower.id.in_(borrower_ids))
    people = db.execute(stmt.order_by(Borrower.id)).all()
    last = last_activity(db)
    held = set(db.execute(select(LegalHold.borrower_id).where(LegalHold.released_at.is_(None))).scalars())
    owing = outstanding_borrowers(db)
    open_requests = set(
        db.execute(
            select(SubjectRequest.borrower_id).where(SubjectRequest.status.in_(("received", "in_progress")))
        ).scalars()
    )
    done = set(db.execute(select(RetentionAction.borrower_id)).scalars())
    verdicts = []
    for bid, jur_value in people:
        jur = str(getattr(jur_value, "value", jur_value))
        sched = schedules()[jur]
        la = last.get(bid)
        keep_until = add_years(la, sched.keep_years) if la else None
        reasons = []
        if bid in done:
            verdicts.append(
                Verdict(bid, jur, la, keep_until, "already_anonymised", [], sched.rule_id, sched.source)
            )
            continue
        if keep_until is not None and keep_until > as_of:
            reasons.append(f"retention period running until {keep_until.isoformat()} ({sched.rule_id})")
        if bid in held:
            reasons.append("legal hold open")
        if bid in owing:
            reasons.append("debt outstanding: records are needed to collect or settle it")
        if bid in open_requests:
            reasons.append("data-subject request open")
        action = "keep" if reasons else "anonymise"
        verdicts.append(Verdict(bid, jur, la, keep_until, action, reasons, sched.rule_id, sched.source))
    return verdicts


def _owned_rows(table: Table, borrower_id: str, loan_ids: list[str]) -> Any:
    if table.name == "borrowers":
        return table.c.id == borrower_id
    if "borrower_id" in table.c:
        return table.c.borrower_id == borrower_id
    if "loan_id" in table.c and loan_ids:
        return table.c.loan_id.in_(loan_ids)
    return _owned_through(table, borrower_id)


def _owned_through(table: Table, borrower_id: str) -> Any:
    """Rows keyed by something the borrower owns (a visit's reports, events and messages, a letter's text):
    followed through the first foreign key whose table names the borrower."""
    for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name):
        ref = fk.column.table
        if ref.name == "borrowers":
            return fk.parent == borrower_id
        if "borrower_id" in ref.c:
            return fk.parent.in_(select(fk.column).where(ref.c.borrower_id == borrower_id))
    return None


def anonymise_borrower(db: Session, borrower_id: str, actor: Actor = SYSTEM, rule_id: str | None = None,
                       basis: str | None = None) -> int:  # fmt: skip
    """Replace every personal value of one borrower; returns how many columns×tables were cleared."""
    from duecare.ledger.models import BorrowerPhone, Loan

    require_all_models()
    loan_ids = list(db.execute(select(Loan.id).where(Loan.borrower_id == borrower_id)).scalars())
    cleared = 0
    for table in Base.metadata.sorted_tables:
        cols = [c for c in table.columns if isinstance(c.type, PersonalText)]
        where = _owned_rows(table, borrower_id, loan_ids) if cols else None
        if where is None:
            continue
        values = {
            c.name: (("[]" if c.name == "phones" else ANONYMISED) if not c.nullable else None) for c in cols
        }
        res = db.execute(update(table).where(where).values(values))
        cleared += len(cols) * (res.rowcount or 0)  # type: ignore[attr-defined]
    db.execute(delete(BorrowerPhone).where(BorrowerPhone.borrower_id == borrower_id))
    db.execute(delete(BorrowerCode).where(BorrowerCode.borrower_id == borrower_id))
    db.execute(
        delete(AuthSession).where(AuthSession.kind == "borrower", AuthSession.subject_id == borrower_id)
    )
    record_audit(db, actor=actor, action="anonymised", subject=f"borrower:{borrower_id}", rule_id=rule_id,
                 legal_basis=basis, after={"fields_cleared": cleared})  # fmt: skip
    return cleared


def run_retention(db: Session, as_of: date, dry_run: bool = False) -> list[Verdict]:
    """Assess everyone and anonymise those due (unless dry_run). The caller commits."""
    verdicts = assess(db, as_of)
    if dry_run:
        return verdicts
    now = clock.now()
    for v in verdicts:
        if v.action != "anonymise":
            continue
        cleared = anonymise_borrower(db, v.borrower_id, rule_id=v.rule_id, basis=v.source)
        db.add(RetentionAction(
            borrower_id=v.borrower_id, jurisdiction=v.jurisdiction,
            last_activity=v.last_activity or as_of, keep_until=v.keep_until or as_of,
            anonymised_at=now, fields_cleared=cleared,
        ))  # fmt: skip
    db.flush()
    return verdicts
