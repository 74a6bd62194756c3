"""The borrower states when and how to be contacted in the portal; every decision read from the store honours it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from test_pages import borrower_signs_in

from duecare.kit.db import unit_of_work
from duecare.ledger.repository import borrower_frames
from duecare.policy.evaluator import Policy, decide
from duecare.policy.output import decision_json
from duecare.privacy.audit import verify_chain


def csrf(client: Any) -> str:
    page = client.get("/portal/data").text
    found = re.search(r'name="csrf_token" value="([^"]*)"', page)
    assert found
    return found.group(1)


def test_preferences_need_a_signed_in_borrower(client: Any, world: Any) -> None:
    assert client.get("/portal/contact-preferences", follow_redirects=False).status_code in (303, 401, 403)
    refused = client.post("/portal/contact-preferences", json={"channels_refused": ["call"]}, follow_redirects=False)
    assert refused.status_code in (303, 401, 403)


def test_staff_cannot_write_a_borrowers_preferences(client: Any, world: Any) -> None:
    from test_pages import staff_signs_in

    staff_signs_in(client, "web-agent")
    assert client.get("/portal/contact-preferences", follow_redirects=False).status_code in (303, 401, 403)


def test_a_borrower_refuses_calls_and_the_decision_falls_to_sms(client: Any, world: Any) -> None:
    borrower_signs_in(client, world.plan_phone)
    assert client.get("/portal/contact-preferences").json() == {"hours": [], "channels_refused": [],
                                                                "stated_at": None}
    token = csrf(client)
    body = {"hours": [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "08:00", "end": "21:00"}],
            "channels_refused": ["call"]}
    saved = client.post("/portal/contact-preferences", json=body, headers={"X-CSRF-Token": token})
    assert saved.status_code == 200, saved.text
    assert saved.json()["channels_refused"] == ["call"] and saved.json()["stated_at"]
    assert client.get("/portal/contact-preferences").json()["hours"][0]["start"] == "08:00"
    with unit_of_work(world.url) as db:
        frames = borrower_frames(db, world.plan_borrower)
        assert frames["refused_channels"]["channel"].to_list() == ["call"]
        assert frames["preferred_hours"].height == 7
        policy = Policy.default()
        got = decision_json(decide(frames, datetime(2030, 1, 7, 4, tzinfo=UTC), policy), policy)[0]
        assert got["action"] != "call"
        assert "channel_refused" in got["reasons"] and "cc_privacy" in [b["rule"] for b in got["blocked_by"]]
        assert verify_chain(db)[1] is None


def test_a_bad_statement_is_refused_with_its_place(client: Any, world: Any) -> None:
    borrower_signs_in(client, world.plan_phone)
    token = csrf(client)
    bad = client.post("/portal/contact-preferences", json={"hours": [{"start": "21:00", "end": "08:00"}]},
                      headers={"X-CSRF-Token": token})
    assert bad.status_code == 422
    assert "later than start" in bad.text
    unknown = client.post("/portal/contact-preferences", json={"channels_refused": ["fax"], "extra": 1},
                          headers={"X-CSRF-Token": token})
    assert unknown.status_code == 422
    no_token = client.post("/portal/contact-preferences", json={"channels_refused": []})
    assert no_token.status_code in (400, 403)
