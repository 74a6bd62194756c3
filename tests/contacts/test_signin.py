"""Borrower sign-in codes go through the outbox: requested on /auth/borrower/code, delivered by the worker to the
local SMS gateway (or SMTP), verified on /auth/borrower/verify; collection guardrails do not apply, opt-outs do."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from contacts_helpers import add_borrower, zone_at_local_hour
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update

from duecare.contacts.adapters.http_gateway import GatewayConfig, HttpSmsGateway
from duecare.contacts.adapters.smtp import SmtpConfig, SmtpEmail
from duecare.contacts.models import ContactTask, SuppressionReason, TaskPayload, TaskStatus
from duecare.contacts.service import suppress
from duecare.contacts.signin import outbox_code_sender
from duecare.contacts.worker import Worker, WorkerConfig
from duecare.kit.db import session_factory, unit_of_work
from duecare.ledger.models import Borrower, ContactEvent
from duecare.privacy import auth, auth_routes
from duecare.privacy.models import AuditEvent
from duecare.privacy.security import SecurityMiddleware, reset_limits
from duecare.privacy.sessions import SESSION_COOKIE

FAST = WorkerConfig(lease_seconds=30, batch=10, max_attempts=3, backoff_base_s=0.0, idle_sleep_s=0.05)
PHONE = "13800138000"
CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
LINK = re.compile(r"/auth/borrower/link\?token=([A-Za-z0-9_-]+)")


@pytest.fixture(autouse=True)
def _real_sender() -> Iterator[None]:
    reset_limits()
    auth.set_code_sender(outbox_code_sender)  # what app/factory.py wires
    yield
    reset_limits()


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    app = FastAPI()
    app.add_middleware(SecurityMiddleware)
    app.include_router(auth_routes.router)
    app.state.session_factory = session_factory(db_url)
    with TestClient(app) as c:
        yield c


def _csrf(client: TestClient) -> str:
    return str(client.get("/auth/csrf").json()["csrf_token"])


def _ask(client: TestClient, phone: str = PHONE) -> dict[str, object]:
    r = client.post("/auth/borrower/code", data={"phone": phone, "csrf_token": _csrf(client)})
    assert r.status_code == 200
    return dict(r.json())


def _verify(client: TestClient, **form: str) -> int:
    return client.post("/auth/borrower/verify", data={**form, "csrf_token": _csrf(client)}).status_code


def _sms(url: str) -> HttpSmsGateway:
    return HttpSmsGateway(GatewayConfig(base_url=url, timeout=2.0))


def _tasks(url: str) -> list[ContactTask]:
    with unit_of_work(url) as s:
        return list(s.scalars(select(ContactTask).order_by(ContactTask.id)))


def _borrower(url: str, bid: str = "B1", hour: int = 23, **kw: object) -> None:
    """A borrower 2 days past due whose local time is `hour` (23:00 is inside every pack's quiet hours)."""
    with unit_of_work(url) as s:
        add_borrower(s, bid, zone_at_local_hour(hour), dpd=2, **kw)  # type: ignore[arg-type]


class TestDeliveryThroughTheGateway:
    def test_a_requested_code_reaches_the_phone_and_signs_the_borrower_in(
            self, db_url: str, gateway, client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
        url, state = gateway
        _borrower(db_url)
        with unit_of_work(db_url) as s:  # an open dispute holds every collection message; not this one
            s.get_one(Borrower, "B1").dispute_open = True
        caplog.set_level(logging.DEBUG)
        answer = _ask(client, "138 0013 8000")
        assert "demo_code" not in answer  # a real channel: the code is never shown on the page
        (task,) = _tasks(db_url)
        assert (task.action, task.channel, task.loan_id, task.status) == ("signin_code", "sms", None,
                                                                          TaskStatus.PENDING)
        with unit_of_work(db_url) as s:
            stored = s.execute(text("SELECT payload FROM contact_task_payloads")).scalar_one()

        stats = Worker(db_url, {"sms": _sms(url)}, FAST).run(once=True)

        assert (stats.sent, stats.skipped, stats.rescheduled) == (1, 0, 0)  # quiet hours and the hold did not stop it
        (message,) = state.messages.values()
        code = CODE.search(message["text"]).group(1)  # type: ignore[union-attr]
        assert message["to"] == "+8613800138000" and "验证码" in message["text"] and LINK.search(message["text"])
        assert not any(word in message["text"] for word in ("逾期", "欠款", "借款", "还款", "催收"))
        assert code not in stored  # encrypted at rest while it waited
        assert code not in caplog.text  # nor logged by the route, the worker or the adapter
        with unit_of_work(db_url) as s:
            assert s.get_one(ContactTask, task.id).status == TaskStatus.SENT
            assert s.scalars(select(TaskPayload)).first() is None  # deleted once delivered
            assert s.scalars(select(ContactEvent)).first() is None  # not a collection contact attempt
            audit = " ".join(f"{e.action} {e.subject} {e.trace_id}" for e in s.scalars(select(AuditEvent)))
            assert "signin_code_queued" in audit and "contact_sent" in audit and code not in audit

        assert _verify(client, phone=PHONE, code=code) == 200
        assert client.cookies.get(SESSION_COOKIE)
        client.cookies.clear()
        assert _verify(client, phone=PHONE, code=code) == 401  # single use

    def test_the_link_in_the_message_signs_in_once(self, db_url: str, gateway, client: TestClient) -> None:
        url, state = gateway
        _borrower(db_url, hour=13)
        _ask(client)
        Worker(db_url, {"sms": _sms(url)}, FAST).run(once=True)
        (message,) = state.messages.values()
        token = LINK.search(message["text"]).group(1)  # type: ignore[union-attr]
        assert _verify(client, token=token) == 200
        client.cookies.clear()
        assert _verify(client, token=token) == 401

    def test_only_the_newest_code_is_delivered(self, db_url: str, gateway, client: TestClient) -> None:
        url, state = gateway
        _borrower(db_url)
        _ask(client)
        _ask(client)
        stats = Worker(db_url, {"sms": _sms(url)}, FAST).run(once=True)
        assert (stats.sent, stats.skipped) == (1, 1)
        older, newer = _tasks(db_url)
        assert older.status == TaskStatus.SKIPPED and "superseded" in (older.reason or "")
        assert newer.status == TaskStatus.SENT and list(state.messages) == [newer.idempotency_key]
        code = CODE.search(state.messages[newer.idempotency_key]["text"]).group(1)  # type: ignore[union-attr]
        assert _verify(client, phone=PHONE, code=code) == 200

    def test_a_code_that_expired_while_waiting_is_not_sent(self, db_url: str, gateway, client: TestClient) -> None:
        url, state = gateway
        _borrower(db_url)
        _ask(client)
        with unit_of_work(db_url) as s:
            s.execute(update(TaskPayload).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        assert Worker(db_url, {"sms": _sms(url)}, FAST).run(once=True).skipped == 1
        assert state.messages == {}
        (task,) = _tasks(db_url)
        assert "expired" in (task.reason or "")
        with unit_of_work(db_url) as s:
            assert s.scalars(select(TaskPayload)).first() is None


class TestOptOuts:
    def test_an_sms_opt_out_sends_the_code_by_email_in_the_borrowers_language(
            self, db_url: str, gateway, smtp, client: TestClient, tmp_path: Path) -> None:
        url, gw = gateway
        host, port, mail = smtp
        _borrower(db_url, jurisdiction="us", language="en")
        with unit_of_work(db_url) as s:
            suppress(s, "sms", PHONE, "B1", SuppressionReason.OPT_OUT, source="reply:test")
        _ask(client)
        (task,) = _tasks(db_url)
        assert task.channel == "email"
        email = SmtpEmail(SmtpConfig(host=host, port=port, timeout=5.0, received_log=tmp_path / "smtp-received.log"))
        assert Worker(db_url, {"sms": _sms(url), "email": email}, FAST).run(once=True).sent == 1
        assert gw.messages == {}
        (sent,) = mail.messages
        assert sent["to"] == "borrower@example.com" and "sign-in code" in sent["subject"]
        assert "debt" not in sent["body"].lower() and "loan" not in sent["body"].lower()
        code = CODE.search(sent["body"]).group(1)  # type: ignore[union-attr]
        assert _verify(client, phone=PHONE, code=code) == 200

    def test_a_borrower_opted_out_everywhere_gets_nothing_and_the_answer_does_not_tell(
            self, db_url: str, client: TestClient) -> None:
        _borrower(db_url, email=None)
        with unit_of_work(db_url) as s:
            suppress(s, "sms", PHONE, "B1", SuppressionReason.OPT_OUT, source="reply:test")
        known, unknown = _ask(client), _ask(client, "13000000000")
        assert known == unknown
        assert _tasks(db_url) == []
        with unit_of_work(db_url) as s:
            actions = set(s.scalars(select(AuditEvent.action)))
        assert "signin_code_undeliverable" in actions


class TestMigration:
    def test_contacts_0002_keeps_existing_tasks_and_the_rows_that_point_at_them(self, new_database) -> None:
        """SQLite rebuilds contact_tasks to let loan_id be NULL; the call queue rows pointing at it survive."""
        from alembic import command

        from duecare.kit.db import alembic_config, get_engine, migrate

        url = new_database("sqlite", migrated=False)
        cfg = alembic_config(url)
        with get_engine(url).begin() as c:
            cfg.attributes["connection"] = c
            command.upgrade(cfg, "contacts_0001")
            command.upgrade(cfg, "ledger@head")  # the ledger as the ORM models it; contacts stays at 0001
        with unit_of_work(url) as s:
            (loan,) = add_borrower(s, "B1", "Etc/GMT")
            s.execute(text(
                "INSERT INTO contact_tasks (id, idempotency_key, run_id, loan_id, borrower_id, action, channel, "
                "local_day, policy_version, not_before, status, attempts, next_attempt_at, created_at, updated_at) "
                "VALUES (1, 'k', 'r', :loan, 'B1', 'call', 'call', '2026-01-01', 'v', '2026-01-01', 'sent', 1, "
                "'2026-01-01', '2026-01-01', '2026-01-01')"), {"loan": loan})
            s.execute(text("INSERT INTO call_queue (task_id, borrower_id, loan_id, due_at, status, created_at) "
                           "VALUES (1, 'B1', :loan, '2026-01-01', 'open', '2026-01-01')"), {"loan": loan})
        migrate(url)
        with unit_of_work(url) as s:
            assert s.execute(text("SELECT count(*) FROM call_queue")).scalar_one() == 1
            assert s.execute(text("SELECT loan_id FROM contact_tasks")).scalar_one() == loan
            assert s.execute(text("PRAGMA foreign_key_check")).all() == []
