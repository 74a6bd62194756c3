"""Paying in the portal through the provider adapter: the sandbox provider (a separate HTTP app) confirms by a
signed callback; bad or stale signatures are refused, replays write nothing, and the decision changes at once."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from test_pages import borrower_signs_in, token

from duecare.contacts.webhooks import sign
from duecare.kit.db import unit_of_work
from duecare.ledger import models as m
from duecare.payments import service
from duecare.payments.models import PaymentIntent
from duecare.payments.provider import HttpCheckoutProvider
from duecare.payments.sandbox import ProviderState, payment_provider

SECRET = "test-payment-secret"


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, ProviderState]]:
    with payment_provider(SECRET) as (url, state):
        monkeypatch.setenv("DUECARE_PAYMENT_PROVIDER_URL", url)
        monkeypatch.setenv("DUECARE_PAYMENT_WEBHOOK_SECRET", SECRET)
        yield url, state


def _intent(url: str, db_url: str, amount: int = 100_000) -> str:
    """A real intent started at the sandbox provider (the callback URL is unused: the tests post it themselves)."""
    from datetime import UTC, datetime

    with unit_of_work(db_url) as db:
        intent, _ = service.start(db, HttpCheckoutProvider(url), borrower_id="B2", loan_id="L-B2", amount_minor=amount,
                                  currency="CNY", at=datetime.now(UTC), return_url="http://testserver/portal/pay/return",
                                  callback_url="http://testserver/portal/payments/callback")
        return intent.id


def _body(intent: str, event: str = "evt_1", status: str = "succeeded", amount: int = 100_000) -> bytes:
    return json.dumps({"event_id": event, "reference": intent, "checkout_id": "co_x", "status": status,
                       "amount_minor": amount, "currency": "CNY"}).encode()


def _post(client: Any, body: bytes, headers: dict[str, str]) -> Any:
    return client.post("/portal/payments/callback", content=body,
                       headers={"content-type": "application/json", "accept": "application/json", **headers},
                       follow_redirects=False)


def _portal_payments(db_url: str) -> list[m.Payment]:
    with unit_of_work(db_url) as db:
        return list(db.scalars(select(m.Payment).where(m.Payment.source == "portal")))


class TestSignedCallback:
    def test_a_good_callback_records_one_portal_payment_and_a_replay_records_nothing(
            self, client: Any, world: Any, provider: Any) -> None:
        intent = _intent(provider[0], world.url)
        body = _body(intent)
        first = _post(client, body, sign(SECRET, body))
        assert first.status_code == 200 and first.json()["recorded"] is True
        replay = _post(client, body, sign(SECRET, body))  # same event, re-signed: absorbed
        assert replay.status_code == 200 and replay.json() == {**first.json(), "recorded": False, "duplicate": True}
        other = _body(intent, event="evt_2")  # another event for a settled intent: nothing more
        assert _post(client, other, sign(SECRET, other)).json()["duplicate"] is True
        rows = _portal_payments(world.url)
        assert [(p.id, p.loan_id, p.amount_minor, p.source) for p in rows] == [(f"PAY-{intent}", "L-B2", 100_000,
                                                                                  "portal")]
        with unit_of_work(world.url) as db:  # the payment is the borrower's own contact, once (not per replay)
            events = db.scalars(select(m.ContactEvent).where(m.ContactEvent.channel == m.Channel.PORTAL,
                                                             m.ContactEvent.borrower_id == "B2")).all()
            assert [(e.direction, e.outcome, e.loan_id) for e in events] == [
                (m.Direction.INBOUND, m.Outcome.RPC, "L-B2")]

    def test_bad_missing_and_stale_signatures_are_refused_and_nothing_is_written(
            self, client: Any, world: Any, provider: Any) -> None:
        intent = _intent(provider[0], world.url)
        body = _body(intent)
        wrong_key = _post(client, body, sign("not-the-secret", body))
        assert wrong_key.status_code == 401 and "does not match" in wrong_key.json()["error"]
        tampered = _post(client, _body(intent, amount=1), sign(SECRET, body))  # signature of another body
        assert tampered.status_code == 401
        assert _post(client, body, {}).status_code == 401
        stale = _post(client, body, sign(SECRET, body, timestamp=int(time.time()) - 3600))
        assert stale.status_code == 401 and "5-minute" in stale.json()["error"]
        assert _portal_payments(world.url) == []
        with unit_of_work(world.url) as db:
            assert db.get(PaymentIntent, intent).state == "pending"

    def test_without_a_secret_callbacks_are_off(self, client: Any, world: Any, monkeypatch: Any) -> None:
        monkeypatch.delenv("DUECARE_PAYMENT_WEBHOOK_SECRET", raising=False)
        body = _body("PI-x")
        assert _post(client, body, sign(SECRET, body)).status_code == 503

    def test_an_unknown_reference_or_a_different_amount_is_refused(self, client: Any, world: Any,
                                                                  provider: Any) -> None:
        unknown = _body("PI-unknown")
        assert _post(client, unknown, sign(SECRET, unknown)).status_code == 404
        intent = _intent(provider[0], world.url)
        more = _body(intent, amount=100)
        r = _post(client, more, sign(SECRET, more))
        assert r.status_code == 422 and "amount" in r.json()["error"]
        assert _portal_payments(world.url) == []

    def test_a_cancelled_checkout_charges_nothing(self, client: Any, world: Any, provider: Any) -> None:
        intent = _intent(provider[0], world.url)
        body = _body(intent, status="cancelled")
        assert _post(client, body, sign(SECRET, body)).json()["state"] == "cancelled"
        assert _portal_payments(world.url) == []


class TestPayPage:
    def test_without_a_provider_the_page_says_paying_online_is_off(self, client: Any, world: Any,
                                                                   monkeypatch: Any) -> None:
        monkeypatch.delenv("DUECARE_PAYMENT_PROVIDER_URL", raising=False)
        client.cookies.set("duecare_lang", "en")
        borrower_signs_in(client, world.plan_phone)
        page = client.get("/portal/pay")
        assert page.status_code == 200 and "Paying online is not available" in page.text

    def test_the_pay_page_may_post_to_the_provider_and_nowhere_else(self, client: Any, world: Any,
                                                                      provider: Any) -> None:
        borrower_signs_in(client, world.plan_phone)
        csp = client.get("/portal/pay").headers["content-security-policy"]
        assert f"form-action 'self' {provider[0]};" in csp
        assert "form-action 'self';" in client.get("/portal").headers["content-security-policy"]

    def test_an_amount_above_the_balance_is_refused(self, client: Any, world: Any, provider: Any) -> None:
        borrower_signs_in(client, world.plan_phone)
        page = client.get("/portal/pay").text
        r = client.post("/portal/pay", data={"loan_id": "L-B2", "amount": "999999", "csrf_token": token(page)},
                        follow_redirects=False)
        assert r.status_code == 409 and provider[1].checkouts == {}

    def test_another_borrowers_loan_cannot_be_paid(self, client: Any, world: Any, provider: Any) -> None:
        borrower_signs_in(client, world.plan_phone)
        page = client.get("/portal/pay").text
        r = client.post("/portal/pay", data={"loan_id": "L-B1", "amount": "10", "csrf_token": token(page)},
                        follow_redirects=False)
        assert r.status_code == 404


def test_paying_through_the_sandbox_provider_changes_the_loan_and_the_decision_at_once(
        live: Any, provider: Any) -> None:
    """The whole loop over real HTTP: portal → provider checkout → Pay → signed callback → portal."""
    url, state = provider
    with httpx.Client(base_url=live.base, follow_redirects=True, headers={"accept": "text/html"},
                      cookies={"duecare_lang": "en"}) as web:
        borrower_signs_in(web, live.world.plan_phone)
        before = web.get("/portal/decisions").text
        assert "Nothing is planned" not in before
        page = web.get("/portal/pay?loan=L-B2").text
        overdue = re.search(r'id="amount"[^>]*value="([0-9.]+)"', page)
        assert overdue and float(overdue.group(1)) > 0
        handoff = web.post("/portal/pay", data={"loan_id": "L-B2", "amount": overdue.group(1),
                                                "csrf_token": token(page)}, follow_redirects=False)
        assert handoff.status_code == 303 and handoff.headers["location"].startswith(url + "/checkouts/")
        checkout = web.get(handoff.headers["location"])
        assert "Sandbox payment provider" in checkout.text
        cid = handoff.headers["location"].rsplit("/", 1)[1]
        paid = httpx.post(f"{url}/checkouts/{cid}/pay", follow_redirects=False)
        assert paid.status_code == 303 and "/portal/pay/return?intent=PI-" in paid.headers["location"]
        assert state.callbacks[-1]["status"] == 200, state.callbacks
        back = web.get(paid.headers["location"])
        assert "Received" in back.text
        assert re.search(r'data-testid="dpd">0<', back.text)
        after = web.get("/portal/decisions").text
        assert "Nothing is planned" in after
        replay = httpx.post(f"{url}/_control", json={"replay": cid}).json()
        assert replay["portal_status"] == 200 and json.loads(replay["portal_body"])["duplicate"] is True
    assert len(_portal_payments(live.world.url)) == 1


@pytest.mark.parametrize("args", [["payments", "sandbox", "--port", "{port}"],
                                  ["outbox", "sandbox", "--sms-port", "0", "--smtp-port", "{port}", "--log", "{log}"]])
def test_a_sandbox_whose_port_is_taken_says_why_and_exits_2(args: list[str], tmp_path: Any) -> None:
    import os
    import socket
    import subprocess
    import sys

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        argv = [a.format(port=port, log=tmp_path / "smtp.log") for a in args]
        env = {**os.environ, "DUECARE_PAYMENT_WEBHOOK_SECRET": SECRET, "DUECARE_DATA_DIR": str(tmp_path)}
        done = subprocess.run([sys.executable, "-c", "from duecare.cli import main; main()", *argv], env=env,
                              capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in done.stderr and "choose another port" in done.stderr
