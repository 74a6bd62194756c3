"""Issue 15 item 8: a US borrower's first communication about a debt is followed within five days by the
validation notice (12 CFR 1006.34) — decided by the evaluator, delivered by letter through the outbox with the
amount and the end of the validation period, and kept as a notice record so it goes out once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from contacts_helpers import add_borrower, decisions_for, enqueue, zone_at_local_hour
from sqlalchemy import select

from duecare.contacts.adapters.pdf_letters import PdfLetters
from duecare.contacts.models import ContactTask
from duecare.contacts.templates import render
from duecare.contacts.validation import letter_facts, received_by
from duecare.contacts.worker import Worker, WorkerConfig
from duecare.kit.db import unit_of_work
from duecare.ledger.models import Borrower, Channel, ContactEvent, Direction, Notice, Outcome
from duecare.policy.evaluator import Policy

FAST = WorkerConfig(lease_seconds=30, batch=10, max_attempts=3, backoff_base_s=0.0, idle_sleep_s=0.05)


def _us_borrower_reached(url: str) -> tuple[str, str]:
    zone = zone_at_local_hour(12)
    with unit_of_work(url) as s:
        loan = add_borrower(s, "U1", zone, dpd=10, jurisdiction="us", language="en")[0]
        s.add(ContactEvent(id="U1-C1", borrower_id="U1", loan_id=loan, at=datetime.now(UTC) - timedelta(days=1),
                           channel=Channel.CALL, direction=Direction.INBOUND, outcome=Outcome.RPC))
    return zone, loan


def test_the_first_conversation_makes_the_validation_notice_due_and_it_goes_out_once(
        sqlite_url: str, tmp_path: Path) -> None:
    _zone, loan = _us_borrower_reached(sqlite_url)
    policy = Policy.default()
    decided = decisions_for(sqlite_url, ["U1"], policy)
    row = decided.row(0, named=True)
    assert (row["action"], row["channel"], row["reasons"][0]) == ("validation_notice", "letter",
                                                                  "validation_notice_due")
    assert enqueue(sqlite_url, decided)["tasks_created"] == 1
    stats = Worker(sqlite_url, {"letter": PdfLetters(tmp_path)}, FAST, policy=policy).run(once=True)
    assert stats.sent == 1 and len(list(tmp_path.glob("*.pdf"))) == 1
    with unit_of_work(sqlite_url) as s:
        notices = list(s.scalars(select(Notice).where(Notice.borrower_id == "U1")))
        assert [(n.kind, n.loan_id) for n in notices] == [("validation_notice", loan)]
        assert s.scalars(select(ContactTask)).one().action == "validation_notice"
    after = decisions_for(sqlite_url, ["U1"], policy).row(0, named=True)
    assert after["action"] == "call"  # sent once: the ladder goes on


def test_the_letter_states_the_amount_the_dates_and_how_to_dispute(sqlite_url: str) -> None:
    _zone, loan = _us_borrower_reached(sqlite_url)
    now = datetime.now(UTC)
    with unit_of_work(sqlite_url) as s:
        b = s.get_one(Borrower, "U1")
        task = ContactTask(idempotency_key="k", run_id="r", loan_id=loan, borrower_id="U1",
                           action="validation_notice", channel="letter", not_before=now, policy_version="v",
                           pack="us", local_day=now.date())
        facts = letter_facts(s, task, b, now)
    assert facts["amount"] == "CNY 1,000.00"  # the one instalment overdue, in the loan's currency
    letter = render("us", "validation_notice", "en", name="Jane Doe", loan_id=loan, extra=facts)
    for words in ("This is a communication from a debt collector", "the amount past due is CNY 1,000.00",
                  f"by {facts['dispute_by']}", "www.cfpb.gov/debt-collection", "original creditor"):
        assert words in letter.body
    assert "debt" not in letter.subject


def test_the_validation_period_ends_thirty_days_after_assumed_receipt() -> None:
    assert received_by(date(2026, 11, 13)) == date(2026, 11, 20)  # a Friday: five business days later
    assert received_by(date(2026, 11, 16)) == date(2026, 11, 23)


def test_no_notice_is_owed_outside_the_us_pack(sqlite_url: str) -> None:
    zone = zone_at_local_hour(12)
    with unit_of_work(sqlite_url) as s:
        loan = add_borrower(s, "C1", zone, dpd=10)[0]
        s.add(ContactEvent(id="C1-C1", borrower_id="C1", loan_id=loan, at=datetime.now(UTC) - timedelta(days=1),
                           channel=Channel.CALL, direction=Direction.INBOUND, outcome=Outcome.RPC))
    assert decisions_for(sqlite_url, ["C1"], Policy.default()).row(0, named=True)["action"] != "validation_notice"


def test_the_letter_itemizes_the_debt_since_the_last_payment(sqlite_url: str) -> None:
    """12 CFR 1006.34(c)(2)(vi)-(viii): itemization date, the debt then, interest, fees, payments and credits
    since, and the debt now — each line from the ledger."""
    from decimal import Decimal

    from duecare.ledger.models import Installment, Payment

    _zone, loan = _us_borrower_reached(sqlite_url)
    now = datetime.now(UTC)
    with unit_of_work(sqlite_url) as s:
        inst = Installment(loan_id=loan, seq=2, due_date=now.date() + timedelta(days=20))
        inst.amount = Decimal(1000)
        s.add(inst)
        pay = Payment(id="P1", loan_id=loan, paid_at=now - timedelta(days=40))
        pay.amount = Decimal(250)
        s.add(pay)
    with unit_of_work(sqlite_url) as s:
        b = s.get_one(Borrower, "U1")
        task = ContactTask(idempotency_key="k", run_id="r", loan_id=loan, borrower_id="U1",
                           action="validation_notice", channel="letter", not_before=now, policy_version="v",
                           pack="us", local_day=now.date())
        facts = letter_facts(s, task, b, now)
    assert facts["itemization_basis"] == "the date of your last payment"
    assert (facts["owed_then"], facts["interest"], facts["fees"], facts["payments"], facts["credits"],
            facts["owed_now"], facts["amount"]) == ("CNY 1,750.00", "CNY 0.00", "CNY 0.00", "CNY 0.00",
                                                    "CNY 0.00", "CNY 1,750.00", "CNY 750.00")
    letter = render("us", "validation_notice", "en", name="Jane Doe", loan_id=loan, extra=facts)
    for words in (f"As of {facts['itemization_date']} (the date of your last payment), you owed: CNY 1,750.00",
                  "charged this amount in interest: + CNY 0.00", "Total amount of the debt now: CNY 1,750.00"):
        assert words in letter.body
