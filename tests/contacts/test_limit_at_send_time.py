"""A known limit recorded in the console after the nightly batch stops the message it bars: the worker's
send-time re-check decides again over the store, which now holds the limit (one code path, issue 15)."""

from __future__ import annotations

from datetime import UTC, datetime

from contacts_helpers import add_borrower, decisions_for, enqueue, zone_at_local_hour
from sqlalchemy import select

from duecare.console.limits import lift_limit, record_limit
from duecare.contacts.adapters.http_gateway import GatewayConfig, HttpSmsGateway
from duecare.contacts.models import ContactTask, TaskStatus
from duecare.contacts.worker import Worker, WorkerConfig
from duecare.kit.db import unit_of_work
from duecare.policy.evaluator import Policy
from duecare.privacy.permissions import Actor

FAST = WorkerConfig(lease_seconds=30, batch=10, max_attempts=3, backoff_base_s=0.0, idle_sleep_s=0.05)
SUPERVISOR = Actor(kind="staff", id="sup-1", role="supervisor")


def _queued_sms(url: str) -> str:
    with unit_of_work(url) as s:
        (loan,) = add_borrower(s, "B1", zone_at_local_hour(13), dpd=2)
    decided = decisions_for(url, ["B1"], Policy.default())
    assert decided["action"].to_list() == ["sms_reminder"]
    enqueue(url, decided)
    return loan


def _task(url: str, loan: str) -> ContactTask:
    with unit_of_work(url) as s:
        task = s.scalars(select(ContactTask).where(ContactTask.loan_id == loan)).one()
        s.expunge(task)
        return task


def test_an_objection_recorded_since_the_batch_skips_the_sms(db_url: str, gateway) -> None:  # type: ignore[no-untyped-def]
    url, state = gateway
    loan = _queued_sms(db_url)
    with unit_of_work(db_url) as s:
        record_limit(s, SUPERVISOR, "B1", "third_party_objected", "third_party", "sms", datetime.now(UTC))
    stats = Worker(db_url, {"sms": HttpSmsGateway(GatewayConfig(base_url=url, timeout=1.0))}, FAST).run(once=True)
    task = _task(db_url, loan)
    assert stats.skipped == 1 and task.status == TaskStatus.SKIPPED
    assert "action changed to email_notice" in (task.reason or "")  # the decision now falls to email
    assert not state.posts


def test_a_lifted_limit_lets_the_sms_go(db_url: str, gateway) -> None:  # type: ignore[no-untyped-def]
    url, state = gateway
    loan = _queued_sms(db_url)
    with unit_of_work(db_url) as s:
        limit_id = record_limit(s, SUPERVISOR, "B1", "third_party_objected", "third_party", "sms",
                                datetime.now(UTC))
    with unit_of_work(db_url) as s:
        lift_limit(s, SUPERVISOR, "B1", limit_id, datetime.now(UTC))
    stats = Worker(db_url, {"sms": HttpSmsGateway(GatewayConfig(base_url=url, timeout=1.0))}, FAST).run(once=True)
    assert stats.sent == 1 and _task(db_url, loan).status == TaskStatus.SENT
    assert len(state.posts) == 1
