"""The operational store as the columnar frames the batch reads, for the borrowers an actor may read.

Pages and the nightly batch share one code path: a page loads the frames of the borrowers in its scope (the
scope is a filter in the query, `privacy.scope.readable_borrowers`) and calls the same ageing, feature and
policy functions. Only non-personal columns are read, so nothing here decrypts personal data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from duecare.kit.errors import UserError
from duecare.ledger import models as m
from duecare.ledger.frames import FLAGS, Frames, conform, empty
from duecare.privacy.permissions import Actor
from duecare.privacy.scope import readable_borrowers


def _ids(actor: Actor, borrower_ids: Sequence[str] | None) -> Select[Any]:
    stmt = readable_borrowers(select(m.Borrower.id), actor)
    if borrower_ids is not None:
        stmt = stmt.where(m.Borrower.id.in_(list(borrower_ids)))
    return stmt


def _frame(db: Session, name: str, stmt: Select[Any]) -> pl.DataFrame:
    rows = db.execute(stmt).mappings().all()
    if not rows:
        return empty(name)
    data = [{k: (v.value if hasattr(v, "value") else v) for k, v in r.items()} for r in rows]
    return conform(name, pl.DataFrame(data, infer_schema_length=None))


def load_frames(db: Session, actor: Actor, borrower_ids: Sequence[str] | None = None) -> Frames:
    """Frames (docs/data-format.md, normalised) of the readable borrowers, optionally narrowed to some ids."""
    ids = _ids(actor, borrower_ids).scalar_subquery()
    b, ln = m.Borrower, m.Loan
    loans_of = select(ln.id).where(ln.borrower_id.in_(ids)).scalar_subquery()
    stmts: dict[str, Any] = {
        "borrowers": select(b.id.label("borrower_id"), b.timezone, b.jurisdiction, b.language, b.risk_band,
                            *[getattr(b, f) for f in FLAGS]).where(b.id.in_(ids)),
        "loans": select(ln.id.label("loan_id"), ln.borrower_id, ln.currency).where(ln.borrower_id.in_(ids)),
        "installments": select(m.Installment.loan_id, m.Installment.seq, m.Installment.due_date,
                               m.Installment.amount_minor).where(m.Installment.loan_id.in_(loans_of)),
        "payments": select(m.Payment.loan_id, m.Payment.paid_at, m.Payment.amount_minor)
        .where(m.Payment.loan_id.in_(loans_of)),
        "contacts": select(m.ContactEvent.borrower_id, m.ContactEvent.loan_id, m.ContactEvent.at,
                           m.ContactEvent.channel, m.ContactEvent.direction, m.ContactEvent.outcome)
        .where(m.ContactEvent.borrower_id.in_(ids)),
        "notices": select(m.Notice.id.label("notice_id"), m.Notice.borrower_id, m.Notice.loan_id, m.Notice.kind,
                          m.Notice.sent_at).where(m.Notice.borrower_id.in_(ids)),
        "consents": select(m.Consent.borrower_id, m.Consent.purpose, m.Consent.decision, m.Consent.at,
                           m.Consent.notice_id).where(m.Consent.borrower_id.in_(ids)),
        "approvals": select(m.Approval.borrower_id, m.Approval.notice_id, m.Approval.decision, m.Approval.at)
        .where(m.Approval.borrower_id.in_(ids)),
        "promises": select(m.Promise.borrower_id, m.Promise.loan_id, m.Promise.promised_date,
                           m.Promise.amount_minor, m.Promise.status).where(m.Promise.borrower_id.in_(ids)),
        "visits": select(m.Visit.borrower_id, m.Visit.loan_id, m.Visit.status, m.Visit.at)
        .where(m.Visit.borrower_id.in_(ids)),
    }
    return {name: _frame(db, name, stmt) for name, stmt in stmts.items()}


def decisions_for(db: Session, actor: Actor, as_of: datetime,
                  borrower_ids: Sequence[str] | None = None) -> pl.DataFrame:
    """Today's decision rows (the batch's code path) for the readable borrowers, with risk scores if a model
    is registered."""
    from duecare.policy.evaluator import Policy, decide

    frames = load_frames(db, actor, borrower_ids)
    if frames["loans"].height == 0:
        return pl.DataFrame()
    decided = decide(frames, as_of, Policy.default(), _scorer())
    return decided.join(frames["loans"].select("loan_id", "currency"), on="loan_id", how="left")


def _scorer() -> Any:
    try:
        from duecare.risk.batch import registered_scorer
    except ImportError:
        return None
    try:
        return registered_scorer()
    except (UserError, FileNotFoundError, KeyError):  # no usable model registered: bands decide
        return None
