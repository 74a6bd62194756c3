"""Find a case from the queue's search box: by borrower id, loan id, phone number or name.

Personal data is encrypted at rest, so a phone is found through its keyed hash (`borrower_phone_index`) and a
name through the keyed hash of its normalised form (`borrower_name_index`, ledger/names.py): an exact lookup,
never decrypting and scanning rows. Ids are not personal and match by exact value or prefix.
"""

from __future__ import annotations

import re

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from duecare.ledger.models import Borrower, BorrowerName, BorrowerPhone, Loan
from duecare.ledger.names import looks_like_name, name_hashes
from duecare.ledger.repository import phone_lookup_hashes
from duecare.privacy.permissions import Actor
from duecare.privacy.scope import readable_borrowers

PHONE = re.compile(r"^\+?[\d\s\-()]{7,20}$")
LIMIT = 200


def looks_like_phone(q: str) -> bool:
    return bool(PHONE.match(q)) and sum(ch.isdigit() for ch in q) >= 7


def matching_borrowers(db: Session, actor: Actor, q: str) -> list[str]:
    """Readable borrowers whose id, one of whose loan ids, one of whose phones, or whose name matches `q`."""
    q = q.strip()
    if not q:
        return []
    found: list[str] = []
    if looks_like_phone(q):
        hashes = phone_lookup_hashes(q)  # every E.164 reading: '139…', '+86 139…', '0086 139…' alike
        stmt = select(BorrowerPhone.borrower_id).where(BorrowerPhone.phone_hash.in_(hashes))
        found += db.scalars(readable_borrowers(stmt, actor, BorrowerPhone.borrower_id)).all()
    if looks_like_name(q):
        by_name = select(BorrowerName.borrower_id).where(BorrowerName.name_hash.in_(name_hashes(q)))
        found += db.scalars(readable_borrowers(by_name, actor, BorrowerName.borrower_id)).all()
    prefix = q.replace("%", "").replace("_", r"\_") + "%"
    by_id = select(Borrower.id).where(Borrower.id.like(prefix, escape="\\")).limit(LIMIT)
    found += db.scalars(readable_borrowers(by_id, actor)).all()
    by_loan = (select(Loan.borrower_id).where(or_(Loan.id == q, Loan.id.like(prefix, escape="\\")))
               .limit(LIMIT))
    found += db.scalars(readable_borrowers(by_loan, actor, Loan.borrower_id)).all()
    return list(dict.fromkeys(found))
