"""Faults in the outbox's outside world (issue 16 item 8): the SMTP server down, the letters folder unwritable.
Nothing is lost: each failure is retried with its reason on the task, ends as a dead letter after the last
attempt, and a retried dead letter is delivered exactly once when the cause is fixed."""

from __future__ import annotations

import socket
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).parents[1] / "contacts"))

from contacts_helpers import add_borrower, decisions_for, email_strategy, enqueue, zone_at_local_hour

from duecare.contacts.adapters.pdf_letters import PdfLetters
from duecare.contacts.adapters.smtp import SmtpConfig, SmtpEmail
from duecare.contacts.models import ContactTask, TaskStatus
from duecare.contacts.sandbox import smtp_server
from duecare.contacts.service import retry_dead
from duecare.contacts.worker import Worker, WorkerConfig
from duecare.kit.db import unit_of_work
from duecare.ledger.models import Channel, ContactEvent, Direction, Outcome
from duecare.policy.evaluator import Policy

FAST = WorkerConfig(lease_seconds=30, batch=10, max_attempts=3, backoff_base_s=0.0, idle_sleep_s=0.05)


def _closed_port() -> int:
    with socket.socket() as s:  # bound then closed: nothing listens there
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tasks(url: str, channel: str) -> list[ContactTask]:
    with unit_of_work(url) as s:
        return list(s.scalars(select(ContactTask).where(ContactTask.channel == channel)))


def _delivered(url: str) -> int:
    with unit_of_work(url) as s:
        return int(s.scalar(select(func.count()).select_from(ContactEvent)
                            .where(ContactEvent.id.like("outbox-%"))) or 0)


def test_smtp_down_retries_then_dead_letters_and_a_retry_after_it_is_back_delivers_once(
        sqlite_url: str, tmp_path: Path) -> None:
    with unit_of_work(sqlite_url) as s:
        add_borrower(s, "U1", zone_at_local_hour(13), dpd=2, jurisdiction="us", language="en", risk_band="low")
    policy = Policy.default(email_strategy(tmp_path))
    enqueue(sqlite_url, decisions_for(sqlite_url, ["U1"], policy))
    (task,) = _tasks(sqlite_url, "email")
    down = SmtpEmail(SmtpConfig(host="127.0.0.1", port=_closed_port(), timeout=2.0))
    # first attempt with a long backoff: it fails visibly (reason on the task) and waits for its retry
    Worker(sqlite_url, {"email": down}, WorkerConfig(max_attempts=3, backoff_base_s=3600), policy=policy).run(
        once=True)
    (first,) = _tasks(sqlite_url, "email")
    assert (first.status, first.attempts) == (TaskStatus.PENDING, 1) and first.reason, (first.status, first.reason)
    with unit_of_work(sqlite_url) as s:  # its retry comes due
        s.get_one(ContactTask, task.id).next_attempt_at = datetime.now(UTC) - timedelta(seconds=1)
    Worker(sqlite_url, {"email": down}, FAST, policy=policy).run(once=True)
    (dead,) = _tasks(sqlite_url, "email")
    assert dead.status == TaskStatus.DEAD and dead.attempts == 3
    assert (dead.reason or "").startswith("gave up after 3 attempts"), dead.reason
    assert _delivered(sqlite_url) == 0
    with smtp_server(tmp_path / "received.log") as (host, port, state):
        with unit_of_work(sqlite_url) as s:
            retry_dead(s, task.id, "staff:ops")
        up = SmtpEmail(SmtpConfig(host=host, port=port, timeout=5.0, received_log=tmp_path / "received.log"))
        assert Worker(sqlite_url, {"email": up}, FAST, policy=policy).run(once=True).sent == 1
        assert Worker(sqlite_url, {"email": up}, FAST, policy=policy).run(once=True).sent == 0
        assert state.received == {f"<{task.idempotency_key}@outbox.duecare>": 1}
    (done,) = _tasks(sqlite_url, "email")
    assert done.status == TaskStatus.SENT and _delivered(sqlite_url) == 1


def _us_letter_owed(url: str) -> None:
    """A US borrower spoken to yesterday: a validation notice (a letter) is owed."""
    with unit_of_work(url) as s:
        add_borrower(s, "U2", zone_at_local_hour(12), dpd=10, jurisdiction="us", language="en")
        s.add(ContactEvent(id="U2-C0", borrower_id="U2", loan_id="U2-L1", at=datetime.now(UTC) - timedelta(days=1),
                           channel=Channel.CALL, direction=Direction.INBOUND, outcome=Outcome.RPC))


def test_an_unwritable_letters_folder_fails_the_task_visibly_and_it_is_retried(sqlite_url: str,
                                                                               tmp_path: Path) -> None:
    _us_letter_owed(sqlite_url)
    policy = Policy.default()
    enqueue(sqlite_url, decisions_for(sqlite_url, ["U2"], policy))
    (task,) = _tasks(sqlite_url, "letter")
    folder = tmp_path / "letters"
    folder.write_text("a file where the folder should be: every write fails")  # root ignores chmod, not this
    slow_retry = WorkerConfig(max_attempts=3, backoff_base_s=3600)
    stats = Worker(sqlite_url, {"letter": PdfLetters(folder)}, slow_retry, policy=policy).run(once=True)
    (failed,) = _tasks(sqlite_url, "letter")
    assert (failed.status, failed.attempts) == (TaskStatus.PENDING, 1), failed.status
    assert "letters folder 'letters' not writable" in (failed.reason or ""), failed.reason
    assert stats.sent == 0 and _delivered(sqlite_url) == 0
    folder.unlink()  # the operator frees the folder; the retry comes due and writes the letter, once
    with unit_of_work(sqlite_url) as s:
        s.get_one(ContactTask, task.id).next_attempt_at = datetime.now(UTC) - timedelta(seconds=1)
    assert Worker(sqlite_url, {"letter": PdfLetters(folder)}, FAST, policy=policy).run(once=True).sent == 1
    assert [p.name for p in folder.glob("*.pdf")] == [f"{task.idempotency_key}.pdf"]
    (done,) = _tasks(sqlite_url, "letter")
    assert done.status == TaskStatus.SENT and _delivered(sqlite_url) == 1
