"""Ledger queries that other code needs often; the caller owns the session and commits."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session, selectinload

from duecare.ledger.models import Borrower, BorrowerPhone, Loan
from duecare.privacy.fields import keyed_hash


def phone_hashes(phones: Sequence[str]) -> list[str]:
    """Distinct keyed hashes of phone numbers, in first-seen order."""
    return list(dict.fromkeys(keyed_hash(p, "phone") for p in phones if p.strip()))


def set_phones(session: Session, borrower: Borrower, phones: Sequence[str]) -> None:
    """Replace a borrower's phones: the encrypted list and its lookup index change together."""
    borrower.phones = list(phones)
    session.flush()
    session.execute(delete(BorrowerPhone).where(BorrowerPhone.borrower_id == borrower.id))
    hashes = phone_hashes(phones)
    if hashes:
        session.execute(insert(BorrowerPhone), [{"borrower_id": borrower.id, "phone_hash": h} for h in hashes])


def borrowers_by_phone(session: Session, phone: str) -> list[Borrower]:
    """Borrowers who have this phone number (any formatting: digits are compared)."""
    hashed = keyed_hash(phone, "phone")
    stmt = (select(Borrower).join(BorrowerPhone, BorrowerPhone.borrower_id == Borrower.id)
            .where(BorrowerPhone.phone_hash == hashed).order_by(Borrower.id))
    return list(session.scalars(stmt))


def loan_with_schedule(session: Session, loan_id: str) -> Loan | None:
    """A loan with its installments and payments loaded (relationships are lazy="raise")."""
    stmt = (select(Loan).where(Loan.id == loan_id)
            .options(selectinload(Loan.installments), selectinload(Loan.payments)))
    return session.scalars(stmt).one_or_none()


def borrower_frames(session: Session, borrower_id: str,
                    exclude_visit_ids: Sequence[str] = ()) -> dict[str, pl.DataFrame]:
    """One borrower's current facts from the store as the frames `policy.evaluator.decide` reads.

    The same frames a case file or the nightly batch give (ledger/frames.py). A flag is also set by an open
    hold of that kind. `exclude_visit_ids` leaves out ledger visit rows (a workflow re-checking its own visit).
    """
    from duecare.ledger.frames import FLAGS, SCHEMAS, conform, empty
    from duecare.ledger.models import (
        Approval,
        Consent,
        ContactEvent,
        Hold,
        Installment,
        Notice,
        Payment,
        Promise,
        Visit,
    )

    b = session.get(Borrower, borrower_id)
    if b is None:
        raise LookupError(f"borrower {borrower_id} not found")
    open_holds = set(session.scalars(select(Hold.kind).where(Hold.borrower_id == borrower_id,
                                                            Hold.closed_at.is_(None))))
    flags = {f: bool(getattr(b, f)) or f in open_holds for f in FLAGS}
    loans = list(session.scalars(select(Loan).where(Loan.borrower_id == borrower_id).order_by(Loan.id)))
    loan_ids = [ln.id for ln in loans]
    rows: dict[str, list[dict[str, object]]] = {name: [] for name in SCHEMAS}
    rows["borrowers"].append({"borrower_id": b.id, "timezone": b.timezone, "jurisdiction": str(b.jurisdiction),
                              "language": str(b.language),
                              "risk_band": None if b.risk_band is None else str(b.risk_band), **flags})
    rows["loans"] = [{"loan_id": ln.id, "borrower_id": b.id, "currency": ln.currency} for ln in loans]
    rows["installments"] = [
        {"loan_id": i.loan_id, "seq": i.seq, "due_date": i.due_date, "amount_minor": i.amount_minor}
        for i in session.scalars(select(Installment).where(Installment.loan_id.in_(loan_ids)))]
    rows["payments"] = [
        {"loan_id": p.loan_id, "paid_at": p.paid_at, "amount_minor": p.amount_minor}
        for p in session.scalars(select(Payment).where(Payment.loan_id.in_(loan_ids)))]
    rows["contacts"] = [
        {"borrower_id": c.borrower_id, "loan_id": c.loan_id, "at": c.at, "channel": str(c.channel),
         "direction": str(c.direction), "outcome": str(c.outcome)}
        for c in session.scalars(select(ContactEvent).where(ContactEvent.borrower_id == borrower_id))]
    rows["notices"] = [
        {"notice_id": n.id, "borrower_id": n.borrower_id, "loan_id": n.loan_id, "kind": n.kind,
         "sent_at": n.sent_at}
        for n in session.scalars(select(Notice).where(Notice.borrower_id == borrower_id))]
    rows["consents"] = [
        {"borrower_id": c.borrower_id, "purpose": c.purpose, "decision": str(c.decision), "at": c.at,
         "notice_id": c.notice_id}
        for c in session.scalars(select(Consent).where(Consent.borrower_id == borrower_id))]
    rows["approvals"] = [
        {"borrower_id": a.borrower_id, "notice_id": a.notice_id, "decision": str(a.decision), "at": a.at}
        for a in session.scalars(select(Approval).where(Approval.borrower_id == borrower_id))]
    rows["promises"] = [
        {"borrower_id": p.borrower_id, "loan_id": p.loan_id, "promised_date": p.promised_date,
         "amount_minor": p.amount_minor, "status": str(p.status)}
        for p in session.scalars(select(Promise).where(Promise.borrower_id == borrower_id))]
    rows["visits"] = [
        {"borrower_id": v.borrower_id, "loan_id": v.loan_id, "status": str(v.status), "at": v.at}
        for v in session.scalars(select(Visit).where(Visit.borrower_id == borrower_id))
        if v.id not in set(exclude_visit_ids)]
    frames: dict[str, pl.DataFrame] = {}
    for name, schema in SCHEMAS.items():
        data = rows[name]
        frames[name] = empty(name) if not data else conform(name, pl.DataFrame(
            data, schema_overrides={k: v for k, v in schema.items() if not isinstance(v, pl.Datetime)},
            strict=False))
    return frames
