"""Small builders of rows the privacy tests need (ledger rows come from tests/ledger/factories.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from duecare.ledger import repository
from duecare.ledger.models import Borrower, Installment, Jurisdiction, Language, Loan, Payment
from duecare.privacy.models import Assignment, StaffUser

NAMES = {"B1": "王芳", "B2": "李建国", "B3": "Jane Doe"}
# Valid numbers (set_phones refuses others); the default carries its country code, valid for any jurisdiction.
PHONES = {"B1": "13800138000", "B2": "13912345678", "B3": "+44 7911 123456"}


def borrower(bid: str, **fields: object) -> Borrower:
    b = Borrower(id=bid, timezone="Asia/Shanghai", language=Language.ZH, address="上海市浦东新区XX路1号",
                 city="上海")  # fmt: skip
    for key, value in fields.items():
        setattr(b, key, value)
    return b


def add_borrower(db: Session, bid: str = "B1", jurisdiction: str = "cn", paid: bool = True,
                 last_day: date = date(2026, 1, 1)) -> None:  # fmt: skip
    """A borrower with one loan of one installment due on `last_day` (paid on that day if `paid`)."""
    b = borrower(bid, name=NAMES.get(bid, f"Person {bid}"), email=f"{bid.lower()}@example.com",
                 jurisdiction=Jurisdiction(jurisdiction))  # fmt: skip
    b.phones = []
    db.add(b)
    db.flush()
    repository.set_phones(db, b, [PHONES.get(bid, "+86 137 0000 0000")])
    lid = f"L{bid}"
    db.add(Loan(id=lid, borrower_id=bid, currency="CNY", principal_minor=100000,
                disbursed_on=date(last_day.year - 1, last_day.month, 1)))  # fmt: skip
    db.flush()
    db.add(Installment(loan_id=lid, seq=1, due_date=last_day, amount_minor=100000))
    if paid:
        paid_at = datetime(last_day.year, last_day.month, last_day.day, 4, tzinfo=UTC)
        db.add(Payment(id=f"P{bid}", loan_id=lid, paid_at=paid_at, amount_minor=100000))
    db.flush()


def add_staff(db: Session, sid: str, role: str) -> StaffUser:
    user = StaffUser(id=sid, username=sid, role=role, password_hash="x", failed_logins=0, active=True,
                     created_at=datetime.now(UTC))  # fmt: skip
    db.add(user)
    db.flush()
    return user


def assign(db: Session, bid: str, sid: str) -> None:
    db.add(Assignment(borrower_id=bid, agent_id=sid, assigned_at=datetime.now(UTC)))
    db.flush()
