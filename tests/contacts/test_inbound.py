"""Signed webhooks: receipts and replies become contact events; STOP / 退订 is honoured on that channel only."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from contacts_helpers import add_borrower, decisions_for, email_strategy, enqueue, zone_at_local_hour
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from duecare.contacts.adapters.http_gateway import GatewayConfig, HttpSmsGateway
from duecare.contacts.adapters.smtp import SmtpConfig, SmtpEmail
from duecare.contacts.models import ContactTask, Suppression, TaskStatus
from duecare.contacts.routes import router
from duecare.contacts.service import classify_reply
from duecare.contacts.webhooks import sign
from duecare.contacts.worker import Worker, WorkerConfig
from duecare.kit.db import session_factory, unit_of_work
from duecare.ledger.models import ContactEvent
from duecare.policy.evaluator import Policy
from duecare.privacy.deps import route_permissions

SECRET = "test-webhook-secret"
FAST = WorkerConfig(lease_seconds=30, batch=10, backoff_base_s=0.0, idle_sleep_s=0.05)


@pytest.fixture
def client(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("DUECARE_WEBHOOK_SECRET", SECRET)
    app = FastAPI()
    app.include_router(router)
    app.state.session_factory = session_factory(sqlite_url)
    with TestClient(app) as c:
        yield c


def _post(client: TestClient, path: str, payload: dict[str, object], secret: str = SECRET) -> object:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return client.post(path, content=body, headers={"Content-Type": "application/json", **sign(secret, body)})


def _sms_task(url: str, gateway_url: str) -> ContactTask:
    with unit_of_work(url) as s:
        add_borrower(s, "B1", zone_at_local_hour(13), dpd=2, phone="13800138000")
    enqueue(url, decisions_for(url, ["B1"], Policy.default()))
    Worker(url, {"sms": HttpSmsGateway(GatewayConfig(gateway_url))}, FAST).run(once=True)
    with unit_of_work(url) as s:
        return s.scalars(select(ContactTask)).one()


class TestSignatures:
    def test_a_request_with_a_wrong_signature_is_refused(self, client: TestClient) -> None:
        r = _post(client, "/contacts/webhooks/gw/receipt", {"event_id": "e1", "status": "delivered",
                                                            "provider_ref": "x"}, secret="wrong")
        assert r.status_code == 401  # type: ignore[attr-defined]

    def test_an_unsigned_request_is_refused(self, client: TestClient) -> None:
        r = client.post("/contacts/webhooks/gw/receipt", json={"event_id": "e1", "status": "delivered"})
        assert r.status_code == 401

    def test_webhooks_are_off_without_a_secret(self, client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("DUECARE_WEBHOOK_SECRET")
        r = _post(client, "/contacts/webhooks/gw/receipt", {"event_id": "e1", "status": "delivered",
                                                            "provider_ref": "x"})
        assert r.status_code == 503  # type: ignore[attr-defined]

    def test_every_route_declares_its_access_rule_and_webhooks_declare_signature_auth(self) -> None:
        perms = route_permissions(router)
        assert all(len(p) == 1 for p in perms.values())
        assert {k: v for k, v in perms.items() if "webhooks" in k[1]} == {
            ("POST", "/contacts/webhooks/{provider}/receipt"): ["contacts.webhook"],
            ("POST", "/contacts/webhooks/{provider}/reply"): ["contacts.webhook"]}


class TestReceipts:
    def test_an_undelivered_receipt_changes_the_outcome_once(self, client, sqlite_url: str, gateway) -> None:
        task = _sms_task(sqlite_url, gateway[0])
        payload = {"event_id": "r1", "status": "undelivered", "idempotency_key": task.idempotency_key}
        first = _post(client, "/contacts/webhooks/gw/receipt", payload)
        again = _post(client, "/contacts/webhooks/gw/receipt", payload)
        assert first.json()["status"] == "recorded" and again.json()["status"] == "duplicate"  # type: ignore[attr-defined]
        with unit_of_work(sqlite_url) as s:
            assert s.get_one(ContactEvent, f"outbox-{task.id}").outcome == "undelivered"


class TestReplies:
    def test_a_reply_of_退订_opts_the_number_out_of_sms_but_not_email(self, client, sqlite_url: str, gateway,
                                                                   smtp, tmp_path) -> None:
        _sms_task(sqlite_url, gateway[0])
        r = _post(client, "/contacts/webhooks/gw/reply", {"event_id": "m1", "channel": "sms",
                                                          "from": "138 0013 8000", "text": " 退订 "})
        assert r.json() == {"status": "recorded", "kind": "reply", "task": None, "borrowers": 1,  # type: ignore[attr-defined]
                            "classified": "opt_out"}
        with unit_of_work(sqlite_url) as s:
            assert [x.reason for x in s.scalars(select(Suppression))] == ["opt_out"]
            inbound = s.scalars(select(ContactEvent).where(ContactEvent.direction == "inbound")).one()
            assert (inbound.channel, inbound.outcome) == ("sms", "refused")
            s.execute(ContactTask.__table__.delete())
            s.execute(ContactEvent.__table__.delete())
        # Next day's SMS is skipped; an email to the same borrower still goes.
        policy_sms = Policy.default()
        enqueue(sqlite_url, decisions_for(sqlite_url, ["B1"], policy_sms), "run-2")
        Worker(sqlite_url, {"sms": HttpSmsGateway(GatewayConfig(gateway[0]))}, FAST).run(once=True)
        with unit_of_work(sqlite_url) as s:
            t = s.scalars(select(ContactTask)).one()
            assert t.status == TaskStatus.SKIPPED and t.reason.startswith("opted out")  # type: ignore[union-attr]
            s.execute(ContactTask.__table__.delete())
            s.execute(ContactEvent.__table__.delete())
            from duecare.ledger.models import Borrower
            s.get_one(Borrower, "B1").risk_band = "low"  # type: ignore[assignment]
        policy_email = Policy.default(email_strategy(tmp_path))
        enqueue(sqlite_url, decisions_for(sqlite_url, ["B1"], policy_email), "run-3")
        host, port, state = smtp
        stats = Worker(sqlite_url, {"email": SmtpEmail(SmtpConfig(host=host, port=port))}, FAST,
                       policy=policy_email).run(once=True)
        assert stats.sent == 1 and len(state.messages) == 1

    def test_a_reply_by_task_key_is_a_right_party_contact(self, client, sqlite_url: str, gateway) -> None:
        task = _sms_task(sqlite_url, gateway[0])
        r = _post(client, "/contacts/webhooks/gw/reply", {"event_id": "m2", "channel": "sms", "from": "13800138000",
                                                          "text": "我明天还", "idempotency_key": task.idempotency_key})
        assert r.json()["classified"] == "reply"  # type: ignore[attr-defined]
        with unit_of_work(sqlite_url) as s:
            ev = s.scalars(select(ContactEvent).where(ContactEvent.direction == "inbound")).one()
            assert (ev.outcome, ev.loan_id) == ("rpc", task.loan_id)

    @pytest.mark.parametrize("text,kind", [("STOP", "opt_out"), ("stop.", "opt_out"), ("Unsubscribe me", "opt_out"),
                                           ("TD", "opt_out"), ("请退订", "opt_out"), ("wrong number", "wrong_party"),
                                           ("打错了", "wrong_party"), ("I will pay Friday", "reply"),
                                           ("stop calling my mother", "reply")])
    def test_replies_are_classified(self, text: str, kind: str) -> None:
        assert classify_reply(text) == kind
