"""The worker re-checks at send time, delivers once through real servers, retries and dead-letters."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from contacts_helpers import add_borrower, decisions_for, email_strategy, enqueue, zone_at_local_hour
from sqlalchemy import select, update

from duecare.contacts.adapters.agent_queue import AgentCallQueue
from duecare.contacts.adapters.http_gateway import GatewayConfig, HttpSmsGateway
from duecare.contacts.adapters.smtp import SmtpConfig, SmtpEmail
from duecare.contacts.models import CallQueueItem, ContactTask, TaskStatus
from duecare.contacts.sandbox import smtp_server
from duecare.contacts.worker import Worker, WorkerConfig
from duecare.kit.db import unit_of_work
from duecare.ledger.models import Borrower, ContactEvent, Payment
from duecare.policy.evaluator import Policy

FAST = WorkerConfig(lease_seconds=30, batch=10, max_attempts=3, backoff_base_s=0.0, idle_sleep_s=0.05)


def _sms(url: str) -> HttpSmsGateway:
    return HttpSmsGateway(GatewayConfig(base_url=url, timeout=1.0))


def _email(smtp: tuple[str, int, object], log: Path | None) -> SmtpEmail:
    host, port, _ = smtp
    return SmtpEmail(SmtpConfig(host=host, port=port, timeout=5.0, received_log=log))


def _tasks(url: str) -> dict[str, ContactTask]:
    with unit_of_work(url) as s:
        return {t.loan_id: t for t in s.scalars(select(ContactTask))}


def _seed_sms(url: str, n: int = 1, **kw: object) -> list[str]:
    zone = zone_at_local_hour(13)
    with unit_of_work(url) as s:
        for i in range(n):
            add_borrower(s, f"B{i}", zone, dpd=2, phone=f"1380013{i:04d}", **kw)  # type: ignore[arg-type]
    enqueue(url, decisions_for(url, [f"B{i}" for i in range(n)], Policy.default()))
    return [f"B{i}-L1" for i in range(n)]


class TestDelivery:
    def test_an_sms_reaches_the_gateway_once_and_becomes_a_contact_event(self, db_url: str, gateway) -> None:
        url, state = gateway
        _seed_sms(db_url, 3)
        stats = Worker(db_url, {"sms": _sms(url)}, FAST).run(once=True)
        assert stats.sent == 3
        assert sorted(state.posts.values()) == [1, 1, 1]
        tasks = _tasks(db_url)
        assert {t.status for t in tasks.values()} == {TaskStatus.SENT}
        assert set(state.messages) == {t.idempotency_key for t in tasks.values()}
        text = next(iter(state.messages.values()))["text"]
        assert "退订" in text and "逾期" not in text and "借款" not in text  # minimal, names no debt
        with unit_of_work(db_url) as s:
            events = s.scalars(select(ContactEvent).where(ContactEvent.id.like("outbox-%"))).all()
            assert {(e.channel, e.direction, e.outcome) for e in events} == {("sms", "outbound", "delivered")}
        assert Worker(db_url, {"sms": _sms(url)}, FAST).run(once=True).sent == 0

    def test_an_email_goes_through_smtp_with_a_message_id_from_the_key(self, db_url: str, smtp, tmp_path) -> None:
        zone = zone_at_local_hour(13)
        with unit_of_work(db_url) as s:
            add_borrower(s, "U1", zone, dpd=2, jurisdiction="us", language="en", risk_band="low")
        policy = Policy.default(email_strategy(tmp_path))
        enqueue(db_url, decisions_for(db_url, ["U1"], policy))
        worker = Worker(db_url, {"email": _email(smtp, tmp_path / "smtp-received.log")}, FAST, policy=policy)
        assert worker.run(once=True).sent == 1
        _, _, state = smtp
        (task,) = _tasks(db_url).values()
        assert state.received == {f"<{task.idempotency_key}@outbox.duecare>": 1}
        mail = state.messages[0]
        assert mail["to"] == "borrower@example.com"
        assert "debt" not in mail["subject"].lower()
        assert "This is a communication from a debt collector" in mail["body"]
        assert "UNSUBSCRIBE" in mail["body"]

    def test_a_call_decision_lands_once_in_the_agents_queue(self, db_url: str) -> None:
        zone = zone_at_local_hour(13)
        with unit_of_work(db_url) as s:
            add_borrower(s, "C1", zone, dpd=10)
        enqueue(db_url, decisions_for(db_url, ["C1"], Policy.default()))
        assert Worker(db_url, {"call": AgentCallQueue()}, FAST).run(once=True).sent == 1
        with unit_of_work(db_url) as s:
            assert [q.loan_id for q in s.scalars(select(CallQueueItem))] == ["C1-L1"]
            assert s.scalar(select(ContactEvent.id).where(ContactEvent.borrower_id == "C1")) is None


class TestSendTimeRecheck:
    def test_a_payment_that_arrived_after_the_batch_skips_the_message(self, db_url: str, gateway) -> None:
        url, state = gateway
        (loan,) = _seed_sms(db_url)
        with unit_of_work(db_url) as s:
            p = Payment(id="P1", loan_id=loan, paid_at=datetime.now(UTC) - timedelta(minutes=1))
            p.amount = Decimal(1000)
            s.add(p)
        assert Worker(db_url, {"sms": _sms(url)}, FAST).run(once=True).skipped == 1
        task = _tasks(db_url)[loan]
        assert task.status == TaskStatus.SKIPPED and "action changed to none" in (task.reason or "")
        assert not state.posts

    def test_a_do_not_contact_flag_set_since_the_batch_skips_the_message(self, db_url: str, gateway) -> None:
        url, state = gateway
        (loan,) = _seed_sms(db_url)
        with unit_of_work(db_url) as s:
            s.execute(update(Borrower).values(do_not_contact=True))
        Worker(db_url, {"sms": _sms(url)}, FAST).run(once=True)
        assert _tasks(db_url)[loan].reason.startswith("action changed to hold")  # type: ignore[union-attr]
        assert not state.posts

    def test_quiet_hours_that_began_since_the_batch_reschedule_the_message(self, db_url: str, gateway) -> None:
        url, state = gateway
        (loan,) = _seed_sms(db_url)
        with unit_of_work(db_url) as s:  # the borrower is now where it is 23:xx
            s.execute(update(Borrower).values(timezone=zone_at_local_hour(23)))
        assert Worker(db_url, {"sms": _sms(url)}, FAST).run(once=True).rescheduled == 1
        task = _tasks(db_url)[loan]
        assert task.status == TaskStatus.PENDING and "cn_quiet_hours" in (task.reason or "")
        assert task.next_attempt_at > datetime.now(UTC) + timedelta(hours=8)
        assert not state.posts


class TestRetries:
    def test_5xx_and_429_are_retried_and_the_message_is_delivered_once(self, db_url: str, gateway) -> None:
        url, state = gateway
        (loan,) = _seed_sms(db_url)
        state.faults += [("status", 503), ("status", 429)]
        worker = Worker(db_url, {"sms": _sms(url)}, FAST)
        worker.run(once=True)
        with unit_of_work(db_url) as s:  # Retry-After: 1 s; do not wait for it
            s.execute(update(ContactTask).values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)))
        worker.run(once=True)
        task = _tasks(db_url)[loan]
        assert task.status == TaskStatus.SENT and task.attempts == 3
        assert state.delivered == {task.idempotency_key: 1}

    def test_a_timeout_after_the_gateway_took_the_message_is_confirmed_by_key_not_resent(
            self, db_url: str, gateway) -> None:
        url, state = gateway
        (loan,) = _seed_sms(db_url)
        state.faults.append(("sleep", 1.5))  # the client gives up after 1 s; the gateway then takes it
        config = WorkerConfig(lease_seconds=30, backoff_base_s=1.0, idle_sleep_s=0.05)
        worker = Worker(db_url, {"sms": _sms(url)}, config)
        worker.run(once=True)
        assert _tasks(db_url)[loan].status == TaskStatus.SENDING  # outcome unknown: confirm before resending
        time.sleep(1.4)
        worker.run(once=True)
        task = _tasks(db_url)[loan]
        assert task.status == TaskStatus.SENT and task.reason == "delivered again by key"
        assert state.posts[task.idempotency_key] == 1

    def test_an_invalid_number_is_dead_lettered_with_a_reason_and_suppressed(self, db_url: str, gateway) -> None:
        url, _ = gateway
        zone = zone_at_local_hour(13)
        with unit_of_work(db_url) as s:
            add_borrower(s, "B1", zone, dpd=2, phone=None)
            # stored before numbers were checked (ledger_0002 keeps such a number as it was)
            s.get_one(Borrower, "B1").phones = ["not-a-number"]
        enqueue(db_url, decisions_for(db_url, ["B1"], Policy.default()))
        assert Worker(db_url, {"sms": _sms(url)}, FAST).run(once=True).dead == 1
        task = _tasks(db_url)["B1-L1"]
        assert task.status == TaskStatus.DEAD and "refused the number" in (task.reason or "")
        with unit_of_work(db_url) as s:
            assert s.get_one(ContactEvent, f"outbox-{task.id}").outcome == "invalid"

    def test_a_gateway_that_keeps_failing_ends_in_a_dead_letter_after_the_last_attempt(
            self, db_url: str, gateway) -> None:
        url, state = gateway
        (loan,) = _seed_sms(db_url)
        state.faults += [("status", 500)] * 5
        worker = Worker(db_url, {"sms": _sms(url)}, FAST)
        for _ in range(4):
            worker.run(once=True)
        task = _tasks(db_url)[loan]
        assert task.status == TaskStatus.DEAD and task.reason.startswith("gave up after 3 attempts")  # type: ignore[union-attr]

    def test_a_channel_without_configuration_waits_with_a_reason(self, sqlite_url: str) -> None:
        (loan,) = _seed_sms(sqlite_url)
        Worker(sqlite_url, {}, WorkerConfig(backoff_base_s=60)).run(once=True)
        task = _tasks(sqlite_url)[loan]
        assert task.status == TaskStatus.PENDING and "channel sms not configured" in (task.reason or "")


class TestInterruptedEmail:
    def _interrupted(self, url: str, tmp_path: Path, smtp) -> tuple[Policy, ContactTask]:
        zone = zone_at_local_hour(13)
        with unit_of_work(url) as s:
            add_borrower(s, "U1", zone, dpd=2, jurisdiction="us", language="en", risk_band="low")
        policy = Policy.default(email_strategy(tmp_path))
        enqueue(url, decisions_for(url, ["U1"], policy))
        with unit_of_work(url) as s:  # as a worker leaves it when killed between SMTP's 250 and its commit
            s.execute(update(ContactTask).values(status=TaskStatus.SENDING, attempt_id="dead-worker", attempts=1,
                                                 lease_owner="gone", lease_expires_at=datetime.now(UTC)
                                                 - timedelta(seconds=1)))
        (task,) = _tasks(url).values()
        return policy, task

    def test_without_a_received_log_the_outcome_is_unknown_and_a_person_decides(
            self, sqlite_url: str, tmp_path: Path, smtp) -> None:
        policy, _ = self._interrupted(sqlite_url, tmp_path, smtp)
        Worker(sqlite_url, {"email": _email(smtp, None)}, FAST, policy=policy).run(once=True)
        after = _tasks(sqlite_url)["U1-L1"]
        assert after.status == TaskStatus.DEAD and after.reason.startswith("outcome unknown")  # type: ignore[union-attr]
        assert not smtp[2].received

    def test_with_a_received_log_that_lacks_the_message_it_is_sent(self, sqlite_url: str, tmp_path: Path,
                                                                   smtp) -> None:
        policy, _ = self._interrupted(sqlite_url, tmp_path, smtp)
        log = tmp_path / "smtp-received.log"
        log.touch()
        Worker(sqlite_url, {"email": _email(smtp, log)}, FAST, policy=policy).run(once=True)
        assert _tasks(sqlite_url)["U1-L1"].status == TaskStatus.SENT
        assert sum(smtp[2].received.values()) == 1


class TestBulkSms:
    """A claimed batch of SMS goes to the gateway's batch endpoint: one request, each message under its own key."""

    def test_a_claimed_batch_is_one_request_and_each_message_is_taken_once(self, db_url: str, gateway) -> None:
        url, state = gateway
        _seed_sms(db_url, 6)
        assert Worker(db_url, {"sms": _sms(url)}, FAST).run(once=True).sent == 6
        assert state.requests == {"/messages/batch": 1}
        tasks = _tasks(db_url)
        assert state.posts == dict.fromkeys((t.idempotency_key for t in tasks.values()), 1)
        assert {t.provider_ref for t in tasks.values()} == {m["id"] for m in state.messages.values()}
        with unit_of_work(db_url) as s:
            events = s.scalars(select(ContactEvent.id).where(ContactEvent.id.like("outbox-%"))).all()
        assert sorted(events) == sorted(f"outbox-{t.id}" for t in tasks.values())

    def test_a_gateway_without_a_batch_endpoint_is_sent_one_message_per_request(self, db_url: str, gateway) -> None:
        url, state = gateway
        state.bulk = False
        _seed_sms(db_url, 3)
        channel = _sms(url)
        assert Worker(db_url, {"sms": channel}, FAST).run(once=True).sent == 3
        assert state.requests == {"/messages": 3} and not channel.bulk
        assert sorted(state.posts.values()) == [1, 1, 1]

    def test_one_invalid_number_in_a_batch_is_dead_lettered_and_the_others_are_sent(self, db_url: str,
                                                                                   gateway) -> None:
        url, state = gateway
        loans = _seed_sms(db_url, 3)
        with unit_of_work(db_url) as s:
            s.get_one(Borrower, "B1").phones = ["not-a-number"]  # stored before numbers were checked
        stats = Worker(db_url, {"sms": _sms(url)}, FAST).run(once=True)
        assert (stats.sent, stats.dead) == (2, 1) and state.requests == {"/messages/batch": 1}
        tasks = _tasks(db_url)
        assert tasks[loans[1]].status == TaskStatus.DEAD and "refused the number" in (tasks[loans[1]].reason or "")
        assert {tasks[loans[0]].status, tasks[loans[2]].status} == {TaskStatus.SENT}
        assert len(state.messages) == 2

    def test_a_batch_whose_answer_timed_out_is_confirmed_by_key_and_never_posted_twice(self, db_url: str,
                                                                                      gateway) -> None:
        url, state = gateway
        _seed_sms(db_url, 3)
        state.faults.append(("sleep", 1.5))  # the client gives up after 1 s; the gateway then takes all three
        worker = Worker(db_url, {"sms": _sms(url)}, WorkerConfig(lease_seconds=30, backoff_base_s=1.0,
                                                                 idle_sleep_s=0.05))
        worker.run(once=True)
        assert {t.status for t in _tasks(db_url).values()} == {TaskStatus.SENDING}
        time.sleep(1.4)
        worker.run(once=True)
        tasks = _tasks(db_url)
        assert {(t.status, t.reason) for t in tasks.values()} == {(TaskStatus.SENT, "delivered again by key")}
        assert state.posts == dict.fromkeys((t.idempotency_key for t in tasks.values()), 1)

    def test_a_rate_limited_batch_waits_and_is_then_delivered_once(self, db_url: str, gateway) -> None:
        url, state = gateway
        _seed_sms(db_url, 2)
        state.faults.append(("status", 429))
        worker = Worker(db_url, {"sms": _sms(url)}, FAST)
        assert worker.run(once=True).retried == 2
        assert {t.status for t in _tasks(db_url).values()} == {TaskStatus.PENDING}  # 429: not taken, not ambiguous
        with unit_of_work(db_url) as s:
            s.execute(update(ContactTask).values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)))
        assert worker.run(once=True).sent == 2
        assert sorted(state.posts.values()) == [1, 1]


class TestBatchedEmail:
    """Email takes the batch path (one SMTP connection for the batch) only when a received log lets a successor
    settle each message of an interrupted batch by Message-ID."""

    @staticmethod
    def _seed(url: str, tmp_path: Path, n: int) -> Policy:
        zone = zone_at_local_hour(13)
        with unit_of_work(url) as s:
            for i in range(n):
                add_borrower(s, f"U{i}", zone, dpd=2, jurisdiction="us", language="en", risk_band="low",
                             email=f"u{i}@example.com")
        policy = Policy.default(email_strategy(tmp_path))
        enqueue(url, decisions_for(url, [f"U{i}" for i in range(n)], policy))
        return policy

    def test_with_a_received_log_a_batch_goes_over_one_connection_each_message_once(
            self, db_url: str, smtp, tmp_path: Path) -> None:
        policy = self._seed(db_url, tmp_path, 4)
        worker = Worker(db_url, {"email": _email(smtp, tmp_path / "smtp-received.log")}, FAST, policy=policy)
        assert worker.run(once=True).sent == 4
        _, _, state = smtp
        assert state.sessions == 1
        tasks = _tasks(db_url)
        assert state.received == {f"<{t.idempotency_key}@outbox.duecare>": 1 for t in tasks.values()}
        assert sorted(m["to"] for m in state.messages) == [f"u{i}@example.com" for i in range(4)]
        assert {t.status for t in tasks.values()} == {TaskStatus.SENT}

    def test_without_a_received_log_each_email_is_marked_and_sent_on_its_own(
            self, db_url: str, smtp, tmp_path: Path) -> None:
        policy = self._seed(db_url, tmp_path, 3)
        assert Worker(db_url, {"email": _email(smtp, None)}, FAST, policy=policy).run(once=True).sent == 3
        _, _, state = smtp
        assert state.sessions == 3 and set(state.received.values()) == {1}

    def test_an_smtp_server_that_is_down_leaves_the_batch_pending_untried(
            self, db_url: str, tmp_path: Path) -> None:
        policy = self._seed(db_url, tmp_path, 2)
        with smtp_server(tmp_path / "log") as (host, port, _):
            pass  # a port nothing listens on any more
        log = tmp_path / "smtp-received.log"
        log.touch()
        down = SmtpEmail(SmtpConfig(host=host, port=port, timeout=2.0, received_log=log))
        config = WorkerConfig(lease_seconds=30, batch=10, max_attempts=3, backoff_base_s=60.0, idle_sleep_s=0.05)
        assert Worker(db_url, {"email": down}, config, policy=policy).run(once=True).retried == 2
        tasks = _tasks(db_url).values()
        assert {(t.status, t.reason) for t in tasks} == {(TaskStatus.PENDING, "retry: SMTP ConnectionRefusedError")}
