"""Borrowers and staff for the web tests, dated relative to the real clock (the pages decide "now")."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from duecare.ledger import repository
from duecare.ledger.models import (
    Borrower,
    Channel,
    ContactEvent,
    Direction,
    Installment,
    Jurisdiction,
    Language,
    Loan,
    Outcome,
    Payment,
)
from duecare.ledger.names import set_names
from duecare.privacy import auth
from duecare.privacy.models import Assignment, StaffUser

PASSWORD = "web-tests-password-1"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def today() -> date:
    return datetime.now(UTC).astimezone(SHANGHAI).date()


def _noon(d: date) -> datetime:
    return datetime.combine(d, time(12), SHANGHAI).astimezone(UTC)


def _borrower(db: Session, bid: str, phone: str, name: str) -> Borrower:
    b = Borrower(id=bid, name=name, timezone="Asia/Shanghai", language=Language.ZH, jurisdiction=Jurisdiction.CN,
                 email=f"{bid.lower()}@example.com", address="上海市浦东新区XX路1号", city="上海")
    b.geo = (31.2304, 121.4737)
    b.phones = [phone]
    db.add(b)
    db.flush()
    repository.set_phones(db, b, [phone])
    set_names(db, [(bid, name)])
    return b


def _loan(db: Session, lid: str, bid: str, dues: list[date], amount: str = "1000") -> None:
    ln = Loan(id=lid, borrower_id=bid, currency="CNY", disbursed_on=dues[0] - timedelta(days=30))
    ln.principal = Decimal(amount) * len(dues)
    db.add(ln)
    db.flush()
    for seq, due in enumerate(dues, start=1):
        inst = Installment(loan_id=lid, seq=seq, due_date=due)
        inst.amount = Decimal(amount)
        db.add(inst)


def _pay(db: Session, pid: str, lid: str, on: date, amount: str = "1000") -> None:
    p = Payment(id=pid, loan_id=lid, paid_at=_noon(on))
    p.amount = Decimal(amount)
    db.add(p)


def visit_eligible(db: Session, bid: str, phone: str) -> Borrower:
    """Two arrears episodes, 90 days past due, 3000 overdue, unreachable: the visit gate lets it through."""
    t = today()
    b = _borrower(db, bid, phone, "王芳")
    lid = f"L-{bid}"
    dues = [t - timedelta(days=300 - 30 * i) for i in range(12)]  # seq 8 is due 90 days ago
    _loan(db, lid, bid, dues)
    for seq in range(1, 8):
        _pay(db, f"{lid}-P{seq}", lid, dues[seq - 1] + timedelta(days=9 if seq == 2 else 0))
    now = datetime.now(UTC)
    for i, (days_ago, channel, outcome) in enumerate([
        (25, Channel.CALL, Outcome.NO_ANSWER), (24, Channel.SMS, Outcome.UNDELIVERED),
        (20, Channel.CALL, Outcome.NO_ANSWER), (15, Channel.CALL, Outcome.BUSY),
        (12, Channel.SMS, Outcome.UNDELIVERED), (10, Channel.CALL, Outcome.NO_ANSWER),
        (5, Channel.CALL, Outcome.NO_ANSWER),
    ]):
        db.add(ContactEvent(id=f"{bid}-C{i}", borrower_id=bid, loan_id=lid, at=now - timedelta(days=days_ago),
                            channel=channel, direction=Direction.OUTBOUND, outcome=outcome))
    db.flush()
    return b


def in_arrears(db: Session, bid: str, phone: str) -> Borrower:
    """Reachable, two instalments (2000) overdue: a call, a promise or a plan can help."""
    t = today()
    b = _borrower(db, bid, phone, "李雷")
    lid = f"L-{bid}"
    dues = [t - timedelta(days=70), t - timedelta(days=40), t - timedelta(days=10), t + timedelta(days=20)]
    _loan(db, lid, bid, dues)
    _pay(db, f"{lid}-P1", lid, dues[0])
    db.add(ContactEvent(id=f"{bid}-C0", borrower_id=bid, loan_id=lid, at=datetime.now(UTC) - timedelta(days=3),
                        channel=Channel.CALL, direction=Direction.OUTBOUND, outcome=Outcome.RPC))
    db.flush()
    return b


@cache
def _password_hash() -> str:
    return auth.hash_password(PASSWORD)  # argon2 is slow on purpose: hash once per test run


def staff(db: Session, role: str, sid: str | None = None) -> str:
    """A staff account with the shared test password (they sign in through the real sign-in form)."""
    sid = sid or f"web-{role}"
    db.add(StaffUser(id=sid, username=sid, role=role, password_hash=_password_hash(), display_name=sid,
                     failed_logins=0, active=True, created_at=datetime.now(UTC)))
    db.flush()
    return sid


def assign(db: Session, borrower_id: str, agent_id: str) -> None:
    db.add(Assignment(borrower_id=borrower_id, agent_id=agent_id, assigned_at=datetime.now(UTC)))
    db.flush()
