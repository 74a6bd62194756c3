"""An answer to a visit notice is not a conversation about the debt (the consent paradox).

The gate wants a borrower who is unreachable remotely AND who consented. Signing in to the portal to read the
notice, granting in the portal or replying YES by SMS must therefore not make the borrower "reachable", or no
consent journey could ever lead to a visit. A sign-in is audited but is no contact event; a reply parsed into a
consent record is a contact marked `answers_notice_id`, which no contact feature counts. A substantive portal
act (the hardship questionnaire) still is a right-party contact and stops the visit.

The portal is driven through the real web app (sign-in by one-time code, the questionnaire form) on the same
database and clock as the visit API.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from duecare.contacts.service import record_reply
from duecare.kit.db import unit_of_work
from duecare.ledger.models import ContactEvent
from duecare.privacy import auth
from duecare.privacy.models import AuditEvent
from duecare.privacy.security import reset_limits
from duecare.visits.gate import evaluate
from duecare.visits.scope import load_visit_policy

from .conftest import Clients, FakeClock
from .factories import PHONE
from .test_api_workflow import approve_after_the_notice_period
from .test_standing_gate import assert_stopped_and_agents_told, scheduled, state, write


def _token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]*)"', page)
    assert found, "the page has no form token"
    return found.group(1)


@pytest.fixture
def portal(seeded: str, clock: FakeClock) -> Iterator[TestClient]:
    """The whole web app (portal pages included) on the visit tests' database and clock."""
    from duecare.app.factory import create_app

    reset_limits()
    auth.set_code_sender(auth.demo_code_sender)
    app = create_app(seeded)
    app.state.clock = clock
    try:
        with TestClient(app, headers={"accept": "text/html"}) as c:
            yield c
    finally:
        auth.set_code_sender(None)


def sign_in(portal: TestClient) -> None:
    page = portal.get("/portal/signin").text
    sent = portal.post("/portal/signin", data={"phone": PHONE, "csrf_token": _token(page)})
    code = re.search(r'data-testid="demo-code">(\d{6})<', sent.text)
    assert code, "the demo code is shown on the page"
    done = portal.post("/portal/signin/verify", data={"phone": PHONE, "code": code.group(1),
                                                       "csrf_token": _token(sent.text)})
    assert done.status_code == 200 and str(done.url).endswith("/portal"), done.text[:300]


def portal_contacts(url: str) -> list[ContactEvent]:
    with unit_of_work(url) as s:
        return list(s.scalars(select(ContactEvent).where(ContactEvent.channel == "portal")))


def noticed(api: Clients, clock: FakeClock) -> str:
    agent = api.staff("A1", "agent")
    vid = str(agent.post("/visits", json={"loan_id": "L1"}).json()["id"])
    assert agent.post(f"/visits/{vid}/notice").status_code == 200
    clock.advance(hours=20)
    return vid


def test_a_sign_in_is_audited_but_is_no_contact(portal: TestClient, seeded: str) -> None:
    sign_in(portal)
    assert portal_contacts(seeded) == []
    with unit_of_work(seeded) as s:
        audited = s.scalars(select(AuditEvent.actor).where(AuditEvent.action == "portal.sign_in")).all()
    assert audited == ["borrower:B1"]


def test_sign_in_then_a_portal_grant_keeps_the_visit_open_to_approval_and_scheduling(
    api: Clients, clock: FakeClock, seeded: str, portal: TestClient
) -> None:
    vid = noticed(api, clock)
    sign_in(portal)  # the borrower signs in to read the notice
    assert state(api, vid)["state"] == "notice_sent"
    borrower = api.borrower("B1")
    version = borrower.get(f"/portal/visits/{vid}/notice", params={"format": "text"}).headers["X-Notice-Version-Hash"]
    r = borrower.post(f"/portal/visits/{vid}/consent", json={"decision": "granted", "notice_version_hash": version})
    assert r.status_code == 200 and r.json()["state"] == "consented", r.text
    approve_after_the_notice_period(api, clock, vid)
    with unit_of_work(seeded) as s:
        gate = evaluate(s, "L1", clock.now, load_visit_policy())
    assert gate.eligible and gate.action == "visit_schedule", gate.unmet
    assert gate.decision.features["unreachable"] is True
    r = api.staff("S1", "supervisor").post(f"/visits/{vid}/schedule", json={"agents": ["F1", "F2"]})
    assert r.status_code == 200 and r.json()["state"] == "scheduled", r.text
    assert portal_contacts(seeded) == []


def test_a_questionnaire_answer_still_is_a_contact_and_cancels_the_visit(
    api: Clients, clock: FakeClock, seeded: str, portal: TestClient
) -> None:
    visit = scheduled(api, clock)
    sign_in(portal)
    assert state(api, visit["id"])["state"] == "scheduled"  # signing in changes nothing
    page = portal.get("/portal/hardship").text
    r = portal.post("/portal/hardship", data={"reason": "prefer_not_to_say", "has_income": "yes", "income": "9000",
                                              "expenses": "3000", "dependants": "0", "csrf_token": _token(page)})
    assert r.status_code == 200, r.text[:300]
    [event] = portal_contacts(seeded)
    assert (event.direction, event.outcome, event.answers_notice_id) == ("inbound", "rpc", None)
    assert_stopped_and_agents_told(api, seeded, visit, "cancelled", "reachable")


@pytest.mark.parametrize("text", ["同意", "YES"])
def test_a_yes_by_sms_answers_the_notice_and_the_visit_can_be_approved(
    api: Clients, clock: FakeClock, seeded: str, text: str
) -> None:
    vid = noticed(api, clock)
    write(seeded, clock, lambda s: record_reply(s, "gw", "r1", "sms", PHONE, text, at=clock.now))
    assert state(api, vid)["state"] == "consented"
    with unit_of_work(seeded) as s:
        reply: Any = s.scalars(select(ContactEvent).where(ContactEvent.channel == "sms",
                                                          ContactEvent.direction == "inbound")).one()
        assert reply.answers_notice_id == state(api, vid)["notice"]["id"]
    approve_after_the_notice_period(api, clock, vid)
    with unit_of_work(seeded) as s:
        gate = evaluate(s, "L1", clock.now, load_visit_policy())
    assert gate.eligible, gate.unmet


def test_an_unclear_reply_stays_an_ordinary_contact(api: Clients, clock: FakeClock, seeded: str) -> None:
    noticed(api, clock)
    write(seeded, clock, lambda s: record_reply(s, "gw", "r2", "sms", PHONE, "什么时候来？", at=clock.now))
    with unit_of_work(seeded) as s:
        reply = s.scalars(select(ContactEvent).where(ContactEvent.channel == "sms",
                                                     ContactEvent.direction == "inbound")).one()
        assert (reply.outcome, reply.answers_notice_id) == ("rpc", None)
        assert "reachable" in evaluate(s, "L1", clock.now, load_visit_policy()).unmet
