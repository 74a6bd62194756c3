"""Decisions become contact tasks in one transaction, once per idempotency key."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from contacts_helpers import DUECARE, add_borrower, decisions_for, enqueue, worker_env, zone_at_local_hour
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from duecare.contacts.models import ContactTask, DecisionRecord
from duecare.contacts.outbox import idempotency_key
from duecare.kit.db import unit_of_work
from duecare.policy.evaluator import Policy


def _seed(url: str) -> list[str]:
    zone = zone_at_local_hour(13)
    with unit_of_work(url) as s:
        add_borrower(s, "B1", zone, dpd=2)            # sms_reminder
        add_borrower(s, "B2", zone, dpd=10)           # call
        add_borrower(s, "B3", zone, dpd=0)            # none: no task
    return ["B1", "B2", "B3"]


def _count(url: str, model: type) -> int:
    with unit_of_work(url) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


class TestEnqueueDecisions:
    def test_each_loan_gets_a_decision_row_and_each_contact_decision_one_task(self, db_url: str) -> None:
        decisions = decisions_for(db_url, _seed(db_url), Policy.default())
        result = enqueue(db_url, decisions)
        assert result["decisions_recorded"] == 3
        assert result["tasks_created"] == 2
        with unit_of_work(db_url) as s:
            tasks = {t.loan_id: (t.action, t.channel) for t in s.scalars(select(ContactTask))}
        assert tasks == {"B1-L1": ("sms_reminder", "sms"), "B2-L1": ("call", "call")}

    def test_rerunning_the_same_batch_creates_no_second_task(self, db_url: str) -> None:
        decisions = decisions_for(db_url, _seed(db_url), Policy.default())
        enqueue(db_url, decisions, "run-1")
        again = enqueue(db_url, decisions, "run-1")
        other_run = enqueue(db_url, decisions, "run-2")
        assert again["decisions_recorded"] == 0 and again["tasks_created"] == 0
        assert other_run["decisions_recorded"] == 3 and other_run["tasks_created"] == 0
        assert _count(db_url, ContactTask) == 2
        assert _count(db_url, DecisionRecord) == 6

    def test_the_unique_constraint_refuses_a_second_task_for_the_same_key_tuple(self, db_url: str) -> None:
        enqueue(db_url, decisions_for(db_url, _seed(db_url), Policy.default()))
        with unit_of_work(db_url) as s:
            t = s.scalars(select(ContactTask)).first()
            assert t is not None
            copy = ContactTask(idempotency_key="x" * 64, run_id="r", loan_id=t.loan_id, borrower_id=t.borrower_id,
                               action=t.action, channel=t.channel, local_day=t.local_day,
                               policy_version=t.policy_version, not_before=t.not_before, status=t.status,
                               attempts=0, next_attempt_at=t.next_attempt_at, created_at=t.created_at,
                               updated_at=t.updated_at)
            s.add(copy)
            with pytest.raises(IntegrityError):
                s.flush()
            s.rollback()

    def test_the_key_is_a_digest_of_loan_action_local_day_and_policy_version(self, sqlite_url: str) -> None:
        enqueue(sqlite_url, decisions_for(sqlite_url, _seed(sqlite_url), Policy.default()))
        with unit_of_work(sqlite_url) as s:
            t = s.scalars(select(ContactTask).where(ContactTask.loan_id == "B1-L1")).one()
            assert t.idempotency_key == idempotency_key("B1-L1", "sms_reminder", t.local_day.isoformat(),
                                                        t.policy_version)
            assert "B1" not in t.idempotency_key

    def test_decisions_for_loans_the_store_does_not_hold_are_counted_not_enqueued(self, sqlite_url: str) -> None:
        decisions = decisions_for(sqlite_url, _seed(sqlite_url), Policy.default())
        ghost = decisions.filter(pl.col("loan_id") == "B1-L1").with_columns(loan_id=pl.lit("GHOST"))
        result = enqueue(sqlite_url, pl.concat([decisions, ghost], how="vertical_relaxed"))
        assert result["unknown_loans"] == 1 and result["tasks_created"] == 2


class TestEnqueueCommand:
    def test_enqueue_reads_decisions_parquet_and_a_rerun_adds_nothing(self, sqlite_url: str, tmp_path: Path) -> None:
        decisions = decisions_for(sqlite_url, _seed(sqlite_url), Policy.default())
        path = tmp_path / "decisions.parquet"
        decisions.select("loan_id", "borrower_id", "pack", "action", "channel", "not_before", "reasons",
                         "blocked_rules", "variant", "policy_version", "ladder_line").write_parquet(path)
        runs = [subprocess.run([DUECARE, "outbox", "enqueue", "--decisions", str(path)], env=worker_env(sqlite_url),
                               capture_output=True, text=True, check=True) for _ in range(2)]
        first, second = (json.loads(r.stdout) for r in runs)
        assert first["tasks_created"] == 2 and second["tasks_created"] == 0
        assert first["run_id"] == second["run_id"]

    def test_a_missing_file_is_a_user_error_with_exit_code_2(self, sqlite_url: str, tmp_path: Path) -> None:
        r = subprocess.run([DUECARE, "outbox", "enqueue", "--decisions", str(tmp_path / "nope.parquet")],
                           env=worker_env(sqlite_url), capture_output=True, text=True, check=False)
        assert r.returncode == 2 and "duecare run" in r.stderr


def test_not_before_local_day_uses_the_borrowers_zone(sqlite_url: str) -> None:
    zone = "Etc/GMT-14"  # UTC+14: local day is usually UTC's tomorrow
    with unit_of_work(sqlite_url) as s:
        add_borrower(s, "B9", zone, dpd=2)
    decisions = decisions_for(sqlite_url, ["B9"], Policy.default())
    enqueue(sqlite_url, decisions)
    with unit_of_work(sqlite_url) as s:
        t = s.scalars(select(ContactTask)).one()
        from zoneinfo import ZoneInfo
        assert t.local_day == t.not_before.astimezone(ZoneInfo(zone)).date()
        assert t.not_before.tzinfo is not None and t.not_before <= datetime.now(UTC).replace(year=9999)
