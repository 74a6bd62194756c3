"""Small builders of ledger rows for tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from duecare.ledger.models import Borrower, Installment, Jurisdiction, Language, Loan, Payment


def borrower(bid: str = "B1", **overrides: object) -> Borrower:
    b = Borrower(id=bid, name="王芳", timezone="Asia/Shanghai", language=Language.ZH,
                 jurisdiction=Jurisdiction.CN, email="wf@example.com", address="上海市浦东新区XX路1号",
                 city="上海")
    b.phones = ["13800138000", "+86 139 0013 9000"]
    b.geo = (31.2304, 121.4737)
    for key, value in overrides.items():
        setattr(b, key, value)
    return b


def loan(lid: str = "L1", bid: str = "B1") -> Loan:
    ln = Loan(id=lid, borrower_id=bid, currency="CNY", disbursed_on=date(2025, 12, 15))
    ln.principal = Decimal("12000.00")
    return ln


def installment(lid: str = "L1", seq: int = 1, due: date = date(2026, 1, 1),
                amount: str = "1100.50") -> Installment:
    inst = Installment(loan_id=lid, seq=seq, due_date=due)
    inst.amount = Decimal(amount)
    return inst


def payment(pid: str = "P1", lid: str = "L1", at: datetime = datetime(2026, 1, 1, 4, tzinfo=UTC),
            amount: str = "1100.50") -> Payment:
    p = Payment(id=pid, loan_id=lid, paid_at=at)
    p.amount = Decimal(amount)
    return p
