"""Known limits on a channel, recorded and lifted from the console (issue 15): the form posts with its CSRF token,
the limit bars the channel in the decision read from the store with the pack's rule, lifting it restores the
channel, each change is one audit event, and every role gets exactly what the permission matrix gives it."""

from __future__ import annotations

import re
from typing import Any

import pytest
import web_factories as f
from sqlalchemy import select
from test_pages import staff_signs_in, token

from duecare.kit.db import unit_of_work
from duecare.ledger.models import ContactLimit
from duecare.privacy.audit import verify_chain
from duecare.privacy.models import AuditEvent, AuthSession
from duecare.privacy.permissions import ROLES, roles_for
from duecare.privacy.sessions import SESSION_COOKIE, create_session, token_hash

PAGE = "/console/cases/B2/limits"


def _signed_in(client: Any, username: str = "web-agent") -> None:
    client.cookies.set("duecare_lang", "en")
    staff_signs_in(client, username)


def _record(client: Any, kind: str = "third_party_objected", by: str = "third_party", channel: str = "call") -> Any:
    page = client.get(PAGE).text
    return client.post(PAGE, data={"kind": kind, "by": by, "channel": channel, "csrf_token": token(page)},
                       follow_redirects=False)


def _decision(client: Any) -> str:
    html = client.get(PAGE).text
    found = re.search(r'data-testid="limits-decision-L-B2">(.*?)</section>', html, re.DOTALL)
    assert found, "the page shows today's decision for the loan"
    return found.group(1)


def _limits(url: str) -> list[ContactLimit]:
    with unit_of_work(url) as db:
        rows = list(db.scalars(select(ContactLimit).where(ContactLimit.borrower_id == "B2")))
        db.expunge_all()
        return rows


def _audits(url: str, action: str) -> list[AuditEvent]:
    with unit_of_work(url) as db:
        rows = list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))
        db.expunge_all()
        return rows


class TestRecordAndLift:
    def test_the_case_page_links_to_the_limits(self, client: Any, world: Any) -> None:
        _signed_in(client)
        assert 'href="/console/cases/B2/limits"' in client.get("/console/cases/B2").text

    def test_a_third_party_objection_bars_calls_under_cn_debtor_only_until_it_is_lifted(
        self, client: Any, world: Any
    ) -> None:
        _signed_in(client)
        before = _decision(client)
        assert "cn_debtor_only" not in before and "Call" in before
        done = _record(client)
        assert done.status_code == 303 and done.headers["location"].endswith("?limit=recorded")
        [row] = _limits(world.url)
        assert (row.kind.value, row.by.value, row.channel.value, row.lifted_at) == (
            "third_party_objected", "third_party", "call", None)
        after = _decision(client)
        assert "cn_debtor_only" in after and "SMS reminder" in after
        assert "A third party reached on this channel objected" in after
        [event] = _audits(world.url, "contact_limit_recorded")
        assert (event.actor, event.subject, event.rule_id) == ("staff:web-agent", "borrower:B2", "cn_debtor_only")
        assert event.legal_basis is not None and event.legal_basis.startswith("GB/T 45251")

        page = client.get(PAGE).text
        lifted = client.post(f"{PAGE}/{row.id}/lift", data={"csrf_token": token(page)}, follow_redirects=False)
        assert lifted.status_code == 303 and lifted.headers["location"].endswith("?limit=lifted")
        [row] = _limits(world.url)
        assert row.lifted_at is not None
        assert "cn_debtor_only" not in _decision(client)
        assert len(_audits(world.url, "contact_limit_lifted")) == 1
        timeline = client.get("/console/cases/B2").text.split('data-testid="timeline"')[1]
        assert 'data-kind="limit"' in timeline and 'data-kind="limit_lifted"' in timeline
        assert "A third party reached on it objected" in timeline
        again = client.post(f"{PAGE}/{row.id}/lift", data={"csrf_token": token(client.get(PAGE).text)})
        assert again.status_code == 409 and "already lifted" in again.text
        with unit_of_work(world.url) as db:
            assert verify_chain(db)[1] is None

    def test_the_page_says_when_the_pack_has_no_rule_for_a_limit(self, client: Any, world: Any) -> None:
        _signed_in(client)
        page = client.get(PAGE).text
        workplace = re.search(r'data-testid="rule-workplace">(.*?)</li>', page, re.DOTALL)
        objected = re.search(r'data-testid="rule-third_party_objected">(.*?)</li>', page, re.DOTALL)
        assert workplace and "no rule for it" in workplace.group(1)  # cn has no workplace rule
        assert objected and "cn_debtor_only" in objected.group(1) and "GB/T 45251" in objected.group(1)
        assert _record(client, "workplace", "employer", "call").status_code == 303
        assert "workplace_contact_barred" not in _decision(client)

    def test_a_duplicate_or_a_mismatched_limit_is_refused_with_the_reason(self, client: Any, world: Any) -> None:
        _signed_in(client)
        assert _record(client).status_code == 303
        twice = _record(client)
        assert twice.status_code == 409 and "already recorded" in twice.text
        wrong = _record(client, "workplace", "third_party", "sms")
        assert wrong.status_code == 422 and "set by employer or borrower" in wrong.text
        assert len(_limits(world.url)) == 1

    def test_a_named_third_party_is_barred_while_the_borrower_is_reachable(self, client: Any, world: Any) -> None:
        """B2 answered a call three days ago: the emergency contact's number is not called (cn_debtor_only)."""
        _signed_in(client)
        by_text = _record(client, "third_party_contact", "borrower", "sms")
        assert by_text.status_code == 422 and "call only" in by_text.text
        assert _record(client, "third_party_contact", "borrower", "call").status_code == 303
        after = _decision(client)
        assert "cn_debtor_only" in after and "out of reach" in after and "SMS reminder" in after

    def test_a_post_without_the_form_token_is_refused(self, client: Any, world: Any) -> None:
        _signed_in(client)
        refused = client.post(PAGE, data={"kind": "third_party_objected", "by": "third_party", "channel": "call"},
                              follow_redirects=False)
        assert refused.status_code in (400, 403)
        assert _limits(world.url) == []

    def test_an_agent_cannot_reach_a_borrower_not_assigned_to_them(self, client: Any, world: Any) -> None:
        with unit_of_work(world.url) as db:
            f.in_arrears(db, "B9", "13800000009")
        _signed_in(client)
        assert client.get("/console/cases/B9/limits").status_code == 404
        page = client.get(PAGE).text
        assert client.post("/console/cases/B9/limits", data={"kind": "third_party_objected", "by": "third_party",
                                                             "channel": "call", "csrf_token": token(page)},
                           follow_redirects=False).status_code == 404


def _as(client: Any, url: str, role: str) -> str:
    """A session for the role's seeded account (B2 for a borrower); returns its CSRF token."""
    client.cookies.clear()
    with unit_of_work(url) as db:
        kind, subject = ("borrower", "B2") if role == "borrower" else ("staff", f"web-{role}")
        session = create_session(db, kind=kind, subject_id=subject, role=role)
        row = db.get(AuthSession, token_hash(session))
        assert row is not None
        csrf = row.csrf_token
    client.cookies.set(SESSION_COOKIE, session)
    return csrf


@pytest.mark.parametrize("role", ROLES)
def test_every_role_gets_what_the_matrix_gives_it(client: Any, world: Any, role: str) -> None:
    """Reading: `cases.read` and the actor's scope (the field agent is not assigned B2: 404 as for no case).
    Recording and lifting: `contact_limits.write` (agent, supervisor, compliance)."""
    csrf = _as(client, world.url, role)
    read = client.get(PAGE, follow_redirects=False)
    if role not in roles_for("cases.read"):
        assert read.status_code in (303, 401, 403), (role, read.status_code)
    else:
        assert read.status_code == (404 if role == "field_agent" else 200), (role, read.status_code)
    wrote = client.post(PAGE, data={"kind": "workplace", "by": "borrower", "channel": "email", "csrf_token": csrf},
                        follow_redirects=False)
    if role in roles_for("contact_limits.write"):
        assert wrote.status_code == 303, (role, wrote.status_code, wrote.text[:200])
        [row] = _limits(world.url)
        lifted = client.post(f"{PAGE}/{row.id}/lift", data={"csrf_token": csrf}, follow_redirects=False)
        assert lifted.status_code == 303
    else:
        assert wrote.status_code in (303, 401, 403), (role, wrote.status_code)
        assert wrote.status_code != 303 or "signin" in wrote.headers.get("location", "")
        assert _limits(world.url) == []
