"""Ledger queries that other code needs often; the caller owns the session and commits."""

from __future__ import annotations

from collections.abc import Sequence

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
