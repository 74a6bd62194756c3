"""Issue 15 item 4: every letter is a notice record, one per purpose while a live one exists, and no more per
borrower than the pack's letter cap — whichever way the nightly batch and the worker interleave."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from contacts_helpers import add_borrower, decisions_for, enqueue, zone_at_local_hour
from sqlalchemy import select

from duecare.contacts.adapters.pdf_letters import PdfLetters
from duecare.contacts.letters import cap_of
from duecare.contacts.models import ContactTask, LetterText, TaskStatus
from duecare.contacts.worker import Worker, WorkerConfig
from duecare.kit.db import unit_of_work
from duecare.ledger.models import Channel, ContactEvent, Direction, Notice, Outcome
from duecare.policy.evaluator import Policy

FAST = WorkerConfig(lease_seconds=30, batch=10, max_attempts=3, backoff_base_s=0.0, idle_sleep_s=0.05)


def _us_borrower_reached(url: str, loans: int = 1) -> list[str]:
    """A US borrower spoken to yesterday about each loan: a validation notice is owed for each."""
    zone = zone_at_local_hour(12)
    with unit_of_work(url) as s:
        ids = add_borrower(s, "U1", zone, dpd=10, jurisdiction="us", language="en", loans=loans)
        for i, loan in enumerate(ids):
            s.add(ContactEvent(id=f"U1-C{i}", borrower_id="U1", loan_id=loan,
                               at=datetime.now(UTC) - timedelta(days=1), channel=Channel.CALL,
                               direction=Direction.INBOUND, outcome=Outcome.RPC))
    return ids


def _letter_tasks(url: str) -> list[ContactTask]:
    with unit_of_work(url) as s:
        return list(s.scalars(select(ContactTask).where(ContactTask.channel == "letter")))


class TestEveryPackCapsLetters:
    @pytest.mark.parametrize("pack", ["cn", "us", "uk"])
    def test_the_pack_names_its_cap_with_a_rule_and_a_source(self, pack: str) -> None:
        cap = cap_of(pack)
        assert cap.rule == f"{pack}_letter_cap" and cap.source and cap.max >= 1 and cap.days >= 1
        assert cap.live_days["visit_notice"] == 30


class TestTheNightlyBatchTwice:
    def test_a_second_night_before_the_letter_went_out_adds_no_letter(self, sqlite_url: str) -> None:
        _us_borrower_reached(sqlite_url)
        policy, now = Policy.default(), datetime.now(UTC)
        assert enqueue(sqlite_url, decisions_for(sqlite_url, ["U1"], policy, now), "night-1")["tasks_created"] == 1
        second = enqueue(sqlite_url, decisions_for(sqlite_url, ["U1"], policy, now + timedelta(days=1)), "night-2")
        assert (second["tasks_created"], second["letters_refused"]) == (0, 1)
        assert len(_letter_tasks(sqlite_url)) == 1

    def test_a_second_night_after_the_letter_went_out_adds_no_letter(self, sqlite_url: str, tmp_path: Path) -> None:
        [loan] = _us_borrower_reached(sqlite_url)
        policy, now = Policy.default(), datetime.now(UTC)
        enqueue(sqlite_url, decisions_for(sqlite_url, ["U1"], policy, now), "night-1")
        assert Worker(sqlite_url, {"letter": PdfLetters(tmp_path)}, FAST, policy=policy).run(once=True).sent == 1
        enqueue(sqlite_url, decisions_for(sqlite_url, ["U1"], policy, now + timedelta(days=1)), "night-2")
        assert len(_letter_tasks(sqlite_url)) == 1 and len(list(tmp_path.glob("*.pdf"))) == 1
        with unit_of_work(sqlite_url) as s:
            notice = s.scalars(select(Notice).where(Notice.borrower_id == "U1")).one()
            text = s.get_one(LetterText, notice.id)
            assert (notice.kind, notice.loan_id, notice.version_hash is not None) == ("validation_notice", loan, True)
            assert "debt collector" in text.body and text.language == "en"

    def test_two_tasks_made_before_either_was_sent_deliver_one_letter(self, sqlite_url: str, tmp_path: Path) -> None:
        [loan] = _us_borrower_reached(sqlite_url)
        policy, now = Policy.default(), datetime.now(UTC)
        enqueue(sqlite_url, decisions_for(sqlite_url, ["U1"], policy, now), "night-1")
        with unit_of_work(sqlite_url) as s:  # a second task of the same purpose (another policy version)
            first = s.scalars(select(ContactTask)).one()
            s.add(ContactTask(idempotency_key="other", run_id="night-x", loan_id=loan, borrower_id="U1",
                              action=first.action, channel="letter", local_day=first.local_day,
                              policy_version="other", pack="us", not_before=first.not_before,
                              next_attempt_at=first.next_attempt_at, created_at=now, updated_at=now))
        Worker(sqlite_url, {"letter": PdfLetters(tmp_path)}, FAST, policy=policy).run(once=True)
        statuses = sorted((t.status.value, (t.reason or "").split(":")[0]) for t in _letter_tasks(sqlite_url))
        assert statuses == [("sent", ""), ("skipped", "us_letter_cap")]
        assert len(list(tmp_path.glob("*.pdf"))) == 1


class TestTheCap:
    def test_a_borrower_gets_no_more_letters_in_one_night_than_the_cap(self, sqlite_url: str) -> None:
        _us_borrower_reached(sqlite_url, loans=4)
        result = enqueue(sqlite_url, decisions_for(sqlite_url, ["U1"], Policy.default()))
        assert cap_of("us").max == 3
        assert (result["tasks_created"], result["letters_refused"]) == (3, 1)

    def test_letters_already_sent_count_against_the_cap(self, sqlite_url: str) -> None:
        ids = _us_borrower_reached(sqlite_url, loans=4)
        with unit_of_work(sqlite_url) as s:
            for i in range(2):  # two letters about something else went out this month
                s.add(Notice(id=f"earlier-{i}", borrower_id="U1", loan_id=ids[0], kind="other_letter",
                             sent_at=datetime.now(UTC) - timedelta(days=3)))
        result = enqueue(sqlite_url, decisions_for(sqlite_url, ["U1"], Policy.default()))
        assert (result["tasks_created"], result["letters_refused"]) == (1, 3)
        assert all(t.status == TaskStatus.PENDING for t in _letter_tasks(sqlite_url))
