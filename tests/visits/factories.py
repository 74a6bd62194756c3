"""Builders of a borrower the home-visit gate lets through, and of the staff who work the visit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache

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
from duecare.privacy.auth import hash_password
from duecare.privacy.models import Assignment, StaffUser

# Wednesday 25 November 2026, 10:00 in Shanghai.
AS_OF = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"
PHONE = "13800138000"


def eligible_borrower(session: Session, bid: str = "B1", lid: str = "L1",
                      geo: tuple[float, float] = (31.2304, 121.4737), as_of: datetime = AS_OF,
                      jurisdiction: str = "cn") -> Borrower:
    """A borrower with two arrears episodes, 116 days past due, 4000 overdue and unreachable by phone/SMS."""
    b = Borrower(id=bid, name="王芳", timezone="Asia/Shanghai" if jurisdiction == "cn" else "Europe/London",
                 language=Language.ZH if jurisdiction == "cn" else Language.EN,
                 jurisdiction=Jurisdiction(jurisdiction), email=f"{bid.lower()}@example.com",
                 address="上海市浦东新区XX路1号", city="上海")
    b.geo = geo
    b.phones = [PHONE]
    session.add(b)
    session.flush()
    repository.set_phones(session, b, [PHONE])
    ln = Loan(id=lid, borrower_id=bid, currency="CNY", disbursed_on=date(2026, 1, 1))
    ln.principal = Decimal(12000)
    session.add(ln)
    session.flush()
    for seq in range(1, 12):
        inst = Installment(loan_id=lid, seq=seq, due_date=date(2026, seq + 1, 1))
        inst.amount = Decimal(1000)
        session.add(inst)
    # on time except March (paid 9 days late: the first episode); nothing since August (the second).
    paid_on = {1: date(2026, 2, 1), 2: date(2026, 3, 10), 3: date(2026, 4, 1), 4: date(2026, 5, 1),
               5: date(2026, 6, 1), 6: date(2026, 7, 1)}
    for seq, day in paid_on.items():
        p = Payment(id=f"{lid}-P{seq}", loan_id=lid, paid_at=datetime(day.year, day.month, day.day, 4, tzinfo=UTC))
        p.amount = Decimal(1000)
        session.add(p)
    for i, (days_ago, channel, outcome) in enumerate([
        (25, Channel.CALL, Outcome.NO_ANSWER), (24, Channel.SMS, Outcome.UNDELIVERED),
        (20, Channel.CALL, Outcome.NO_ANSWER), (15, Channel.CALL, Outcome.BUSY),
        (12, Channel.SMS, Outcome.UNDELIVERED), (10, Channel.CALL, Outcome.NO_ANSWER),
        (5, Channel.CALL, Outcome.NO_ANSWER),
        # the phone agents keep trying while the notice runs (dated after AS_OF: counted as the clock moves),
        # so the borrower is still unreachable on the day of the visit, ten days on
        (18, Channel.SMS, Outcome.UNDELIVERED), (8, Channel.CALL, Outcome.NO_ANSWER),
        (-2, Channel.CALL, Outcome.NO_ANSWER), (-4, Channel.SMS, Outcome.UNDELIVERED),
        (-7, Channel.CALL, Outcome.NO_ANSWER),
    ]):
        session.add(ContactEvent(id=f"{bid}-C{i}", borrower_id=bid, loan_id=lid,
                                 at=as_of - timedelta(days=days_ago), channel=channel,
                                 direction=Direction.OUTBOUND, outcome=outcome))
    session.flush()
    return b


@cache
def _password_hash() -> str:
    return hash_password(PASSWORD)  # argon2 is slow on purpose: hash once per test run


def staff(session: Session, sid: str, role: str, active: bool = True) -> str:
    """A staff account (tests sign in through sessions, so one shared password hash is enough)."""
    session.add(StaffUser(id=sid, username=sid, role=role, password_hash=_password_hash(), display_name=sid,
                          failed_logins=0, active=active, created_at=AS_OF))
    session.flush()
    return sid


def team(session: Session) -> dict[str, str]:
    """A proposer (agent), two supervisors, a compliance officer and three field agents."""
    people = {"agent": "A1", "supervisor": "S1", "supervisor2": "S2", "compliance": "C1",
              "fa1": "F1", "fa2": "F2", "fa3": "F3"}
    for key, sid in people.items():
        role = "field_agent" if key.startswith("fa") else key.rstrip("2")
        staff(session, sid, role)
    return people


def assign(session: Session, borrower_id: str, agent_id: str) -> None:
    """The phone agent works this borrower's case (agents see assigned borrowers only)."""
    session.add(Assignment(borrower_id=borrower_id, agent_id=agent_id, assigned_at=AS_OF))
    session.flush()


def through_the_door(url: str, visit_id: str, minutes: int = 30) -> tuple[str, datetime, dict[str, str]]:
    """Both agents check in at the start of the slot and out `minutes` later (service calls, each its own unit
    of work); returns (the reporting agent, the moment after check-out, the report's times)."""
    from duecare.kit.db import unit_of_work
    from duecare.privacy.permissions import Actor
    from duecare.visits import service
    from duecare.visits.models import VisitCase

    with unit_of_work(url) as s:
        v = s.get_one(VisitCase, visit_id)
        a, b, start = str(v.agent_a), str(v.agent_b), v.window_start
    assert start is not None
    with unit_of_work(url) as s:
        service.check_in(service.Ctx(session=s, actor=Actor("staff", a, "field_agent"), at=start), visit_id, b)
    left = start + timedelta(minutes=minutes)
    with unit_of_work(url) as s:
        service.check_out(service.Ctx(session=s, actor=Actor("staff", b, "field_agent"), at=left), visit_id, a)
    times = {"arrived_at": start.isoformat(), "left_at": (left - timedelta(minutes=1)).isoformat()}
    return a, left, times
