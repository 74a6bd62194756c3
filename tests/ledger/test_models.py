"""The ledger models keep every value exactly through a real database, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, InvalidRequestError
from sqlalchemy.orm import Session

from duecare.kit.db import get_engine, unit_of_work
from duecare.ledger import repository
from duecare.ledger.models import (
    AppendOnlyError,
    Borrower,
    Channel,
    Consent,
    ConsentDecision,
    ContactEvent,
    Direction,
    Hold,
    HoldKind,
    Installment,
    Notice,
    Outcome,
    Promise,
    PromiseStatus,
)

from .factories import borrower, installment, loan, payment


def _seed(url: str) -> None:
    with unit_of_work(url) as s:
        b = borrower()
        s.add(b)
        s.add(loan())
        s.flush()
        repository.set_phones(s, b, b.phones)
        s.add_all([installment(seq=1), installment(seq=2, due=date(2026, 2, 1), amount="0.01"), payment()])


class TestRoundTrip:
    def test_borrower_personal_fields_come_back_decrypted(self, db_url: str) -> None:
        _seed(db_url)
        with unit_of_work(db_url) as s:
            b = s.get(Borrower, "B1")
            assert b is not None
            assert (b.name, b.email, b.address, b.city) == ("王芳", "wf@example.com", "上海市浦东新区XX路1号", "上海")
            assert b.phones == ["+8613800138000", "+8613900139000"]  # stored in E.164 (set_phones)
            assert b.geo == (31.2304, 121.4737)
            assert b.jurisdiction == "cn" and b.vulnerable is False

    def test_personal_fields_are_ciphertext_in_the_database(self, db_url: str) -> None:
        _seed(db_url)
        with get_engine(db_url).connect() as conn:
            row = conn.execute(text("SELECT name, phones, email, address, geo FROM borrowers")).one()
        for stored in row:
            assert stored.startswith("v1:")
            assert "王芳" not in stored and "13800138000" not in stored and "example.com" not in stored

    def test_money_is_exact_to_the_cent(self, db_url: str) -> None:
        _seed(db_url)
        with unit_of_work(db_url) as s:
            loan_ = repository.loan_with_schedule(s, "L1")
            assert loan_ is not None
            assert loan_.principal == Decimal("12000.00")
            assert [i.amount for i in loan_.installments] == [Decimal("1100.50"), Decimal("0.01")]
            assert loan_.payments[0].amount == Decimal("1100.50")

    def test_instants_come_back_aware_in_utc(self, db_url: str) -> None:
        _seed(db_url)
        shanghai = timezone(timedelta(hours=8))
        with unit_of_work(db_url) as s:
            s.add(ContactEvent(id="C1", borrower_id="B1", at=datetime(2026, 3, 1, 10, tzinfo=shanghai),
                               channel=Channel.CALL, direction=Direction.OUTBOUND, outcome=Outcome.NO_ANSWER))
        with unit_of_work(db_url) as s:
            event = s.get(ContactEvent, "C1")
            assert event is not None
            assert event.at == datetime(2026, 3, 1, 2, tzinfo=UTC)
            assert event.at.utcoffset() == timedelta(0)
            assert event.loan_id is None

    def test_naive_datetimes_are_refused(self, db_url: str) -> None:
        _seed(db_url)
        with pytest.raises(Exception, match="naive datetime"), unit_of_work(db_url) as s:
            s.add(ContactEvent(id="C2", borrower_id="B1", at=datetime(2026, 3, 1, 10),  # noqa: DTZ001 - naive on purpose
                               channel=Channel.SMS, direction=Direction.OUTBOUND,
                               outcome=Outcome.DELIVERED))

    def test_borrower_is_found_by_phone_in_any_format(self, db_url: str) -> None:
        _seed(db_url)
        with unit_of_work(db_url) as s:
            # one number in every form: national, international, with the 00 prefix (E.164, kit/phones.py)
            assert [b.id for b in repository.borrowers_by_phone(s, "139-0013-9000")] == ["B1"]
            assert [b.id for b in repository.borrowers_by_phone(s, "+86 139-0013-9000")] == ["B1"]
            assert [b.id for b in repository.borrowers_by_phone(s, "0086 13900139000")] == ["B1"]
            assert [b.id for b in repository.borrowers_by_phone(s, "+86 138 0013 8000")] == ["B1"]
            assert [b.id for b in repository.borrowers_by_phone(s, "138 0013 8000")] == ["B1"]
            assert repository.borrowers_by_phone(s, "13700000000") == []

    def test_relationships_refuse_lazy_loading(self, db_url: str) -> None:
        _seed(db_url)
        with unit_of_work(db_url) as s:
            b = s.get(Borrower, "B1")
            assert b is not None
            with pytest.raises(InvalidRequestError):
                _ = b.loans

    def test_holds_and_promises_round_trip(self, db_url: str) -> None:
        _seed(db_url)
        opened = datetime(2026, 2, 1, tzinfo=UTC)
        with unit_of_work(db_url) as s:
            s.add(Hold(id="H1", borrower_id="B1", loan_id="L1", kind=HoldKind.DISPUTE_OPEN, opened_at=opened,
                       reason="借款人称已还清"))
            p = Promise(id="PR1", borrower_id="B1", loan_id="L1", promised_date=date(2026, 2, 5),
                        status=PromiseStatus.OPEN)
            p.amount = Decimal(500)
            s.add(p)
        with unit_of_work(db_url) as s:
            hold = s.get(Hold, "H1")
            promise = s.get(Promise, "PR1")
            assert hold is not None and promise is not None
            assert (hold.kind, hold.reason, hold.closed_at) == (HoldKind.DISPUTE_OPEN, "借款人称已还清", None)
            assert promise.amount == Decimal("500.00")


class TestConstraints:
    def test_a_zero_installment_is_refused_by_the_database(self, db_url: str) -> None:
        _seed(db_url)
        with pytest.raises(IntegrityError), unit_of_work(db_url) as s:
            s.add(Installment(loan_id="L1", seq=3, due_date=date(2026, 3, 1), amount_minor=0))

    def test_an_unknown_channel_is_refused_by_the_database(self, db_url: str) -> None:
        _seed(db_url)
        with pytest.raises(IntegrityError), get_engine(db_url).begin() as conn:
            conn.execute(text(
                "INSERT INTO contact_events (id, borrower_id, at, channel, direction, outcome) "
                "VALUES ('C9', 'B1', '2026-01-01 00:00:00', 'fax', 'outbound', 'rpc')"))

    def test_a_loan_of_an_unknown_borrower_is_refused(self, db_url: str) -> None:
        _seed(db_url)
        with pytest.raises(IntegrityError), unit_of_work(db_url) as s:
            s.add(loan("L2", "NOBODY"))


class TestConsentsAreAppendOnly:
    def _consent(self, s: Session) -> None:
        s.add(Notice(id="N1", borrower_id="B1", loan_id="L1", kind="visit_notice",
                     sent_at=datetime(2026, 3, 1, tzinfo=UTC), version_hash="a" * 64))
        s.add(Consent(id="K1", borrower_id="B1", purpose="home_visit", decision=ConsentDecision.GRANTED,
                      at=datetime(2026, 3, 2, tzinfo=UTC), notice_id="N1", notice_version_hash="a" * 64,
                      channel="portal", evidence="点击“同意”按钮, IP 10.0.0.1"))

    def test_a_withdrawal_is_a_new_row(self, db_url: str) -> None:
        _seed(db_url)
        with unit_of_work(db_url) as s:
            self._consent(s)
        with unit_of_work(db_url) as s:
            s.add(Consent(id="K2", borrower_id="B1", purpose="home_visit", decision=ConsentDecision.WITHDRAWN,
                          at=datetime(2026, 3, 3, tzinfo=UTC), notice_id="N1"))
        with unit_of_work(db_url) as s:
            rows = s.scalars(select(Consent).order_by(Consent.at)).all()
            assert [(c.id, c.decision) for c in rows] == [("K1", "granted"), ("K2", "withdrawn")]
            assert rows[0].evidence == "点击“同意”按钮, IP 10.0.0.1"

    def test_changing_a_consent_is_refused(self, db_url: str) -> None:
        _seed(db_url)
        with unit_of_work(db_url) as s:
            self._consent(s)
        with pytest.raises(AppendOnlyError), unit_of_work(db_url) as s:
            c = s.get(Consent, "K1")
            assert c is not None
            c.decision = ConsentDecision.WITHDRAWN

    def test_deleting_a_consent_is_refused(self, db_url: str) -> None:
        _seed(db_url)
        with unit_of_work(db_url) as s:
            self._consent(s)
        with pytest.raises(AppendOnlyError), unit_of_work(db_url) as s:
            c = s.get(Consent, "K1")
            s.delete(c)
