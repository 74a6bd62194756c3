"""The home-visit workflow through the console pages (HTTP, no browser): propose from the case page, send
the notice, consent, approve with the live gate (never by the proposer), schedule two chosen agents on a
chosen day (refused with the reason while the notice period runs, never a silent cancel), file the scoped
report (out-of-scope text refused with the reason), review, and the register."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import web_factories as f
from sqlalchemy import select
from test_pages import staff_signs_in, token

from duecare.kit import democlock
from duecare.kit.db import unit_of_work
from duecare.ledger.models import Notice
from duecare.privacy.permissions import Actor
from duecare.visits import service
from duecare.visits.models import VisitCase


@pytest.fixture
def demo_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DUECARE_DEMO", "1")
    monkeypatch.delenv("DUECARE_DEMO_NOW", raising=False)
    yield
    democlock.clock_file().unlink(missing_ok=True)


def _sign_out(client: Any) -> None:
    client.cookies.clear()


def _post(client: Any, page_path: str, action: str, data: dict[str, str]) -> Any:
    page = client.get(page_path).text
    return client.post(action, data={**data, "csrf_token": token(page)})


def _consent(url: str, visit_id: str) -> None:
    with unit_of_work(url) as db:
        v = db.get(VisitCase, visit_id)
        assert v is not None and v.notice_id
        n = db.get(Notice, v.notice_id)
        assert n is not None
        b4 = Actor(kind="borrower", id="B4", role="borrower")
        service.answer(service.Ctx(session=db, actor=b4, at=datetime.now(UTC) + democlock.offset()), visit_id,
                       "granted", channel="portal", evidence="test", notice_version_hash=n.version_hash)


def test_a_visit_goes_through_every_step_in_the_console(client: Any, world: Any, demo_clock: None) -> None:
    with unit_of_work(world.url) as db:
        f.visit_eligible(db, "B4", "13800000004")
    # 1. the supervisor proposes from the case page, which shows the gate
    staff_signs_in(client, "web-supervisor")
    case = client.get("/console/cases/B4").text
    assert 'data-testid="propose-visit"' in case
    r = client.post("/console/loans/L-B4/visit", data={"csrf_token": token(case)})
    assert r.status_code == 200 and "done=proposed" in str(r.url)
    visit_id = str(r.url).split("/console/visits/")[1].split("?")[0]
    assert 'data-testid="send-notice"' in r.text and "notice_not_sent" in r.text
    # 2. the notice
    r = client.post(f"/console/visits/{visit_id}/notice", data={"csrf_token": token(r.text)})
    assert "done=notice_sent" in str(r.url) and "notice_period_running" in r.text
    # 3. the borrower consents (the portal's own step); the proposer is never offered the approval
    _consent(world.url, visit_id)
    page = client.get(f"/console/visits/{visit_id}").text
    assert 'data-testid="four-eyes"' in page and 'data-testid="approve"' not in page
    approvals = client.get("/console/visits/approvals").text
    card = approvals.split(f'data-testid="approval-{visit_id}"')[1].split("</section>")[0]
    assert 'data-testid="four-eyes"' in card and 'value="approve"' not in card
    _sign_out(client)
    # 4. compliance approves with the live gate: every condition, its rule and source
    staff_signs_in(client, "web-compliance")
    page = client.get(f"/console/visits/{visit_id}").text
    gate = page.split('data-testid="gate"')[1].split("</table>")[0]
    assert "notice_period_running" in gate and "approval_missing" in gate
    assert "PIPL" in gate or "GB/T" in gate  # each condition's rules with their sources
    # approval waits for the notice period (issue 13: a step is refused while the gate is closed for it)
    blocked = page.split('data-testid="approve-blocked"')[1].split("</p>")[0]
    assert 'notice_period_running' in blocked
    assert re.search(r'data-testid="approve"[^>]*disabled', page)
    r = client.post(f"/console/visits/{visit_id}/approval", data={"decision": "approve", "comment": "too early",
                                                                   "csrf_token": token(page)})
    with unit_of_work(world.url) as db:
        assert db.get(VisitCase, visit_id).state.value == "consented"  # type: ignore[union-attr]
    democlock.advance(4)
    page = client.get(f"/console/visits/{visit_id}").text
    assert re.search(r'data-testid="approve"(?![^>]*disabled)', page)
    r = client.post(f"/console/visits/{visit_id}/approval", data={"decision": "approve", "comment": "gate holds",
                                                                   "csrf_token": token(page)})
    assert "done=approved" in str(r.url)
    _sign_out(client)
    staff_signs_in(client, "web-supervisor")
    # 6. past the notice period (demo clock), two chosen agents on a chosen day
    page = client.get(f"/console/visits/{visit_id}").text
    assert 'data-testid="schedule-blocked"' not in page
    day = re.search(r'<option value="(\d{4}-\d{2}-\d{2})"', page)
    assert day is not None
    r = client.post(f"/console/visits/{visit_id}/schedule", data={
        "agent_a": "web-field_agent", "agent_b": "web-field_agent-2", "day": day.group(1), "csrf_token": token(page)})
    assert r.status_code == 200 and "done=scheduled" in str(r.url), r.text[:2000]
    with unit_of_work(world.url) as db:
        v = db.get(VisitCase, visit_id)
        assert v is not None and {v.agent_a, v.agent_b} == {"web-field_agent", "web-field_agent-2"}
        start = v.window_start
    assert start is not None
    _sign_out(client)
    # 7. both agents check in at the door and out when they leave (the service; issue 13), then a field agent
    # files the report: out-of-scope text is refused with the reason, then filed
    democlock.start_at(start + timedelta(minutes=1))
    staff_signs_in(client, "web-field_agent")
    schedule = client.get("/console/visits/schedule").text
    assert f'href="/console/visits/{visit_id}"' in schedule
    # every time on the route and in the table names its zone (`09:00 (Asia/Shanghai)`), never a bare 09:00
    shown = re.sub(r"<[^>]+>", " ", "".join(schedule.split('data-testid="route-stop">')[1:])
                   + "".join(schedule.split('data-testid="scheduled-visit">')[1:]))
    times = re.findall(r"\b\d{2}:\d{2}\b(?: \([A-Za-z_]+(?:/[A-Za-z_]+)*\))?", shown)
    assert times and all("(" in t for t in times), times
    page = client.get(f"/console/visits/{visit_id}").text
    assert 'data-testid="open-report"' not in page  # check in first
    r = client.post(f"/console/visits/{visit_id}/check-in", data={"partner": "web-field_agent-2",
                                                                   "csrf_token": token(page)})
    assert "done=checked_in" in str(r.url), r.text[:1500]
    democlock.start_at(start + timedelta(minutes=25))
    r = client.post(f"/console/visits/{visit_id}/check-out", data={"partner": "web-field_agent-2",
                                                                    "csrf_token": token(r.text)})
    assert "done=checked_out" in str(r.url) and 'data-testid="open-report"' in r.text
    democlock.start_at(start + timedelta(minutes=30))
    form = client.get(f"/console/visits/{visit_id}/report").text
    bad = client.post(f"/console/visits/{visit_id}/report", data={
        "outcome": "met_borrower", "notes": "身份证号 110101199003077777", "csrf_token": token(form)})
    assert bad.status_code == 422 and 'data-testid="report-refused"' in bad.text and "未保存任何内容" in bad.text  # zh_CN reader
    r = client.post(f"/console/visits/{visit_id}/report", data={
        "outcome": "met_borrower", "notes": "Discussed a plan", "recording_ref": "rec-1", "csrf_token": token(bad.text)})
    assert r.status_code == 200 and "done=report" in str(r.url), r.text[:2000]
    _sign_out(client)
    # 8. review and the register
    staff_signs_in(client, "web-compliance")
    r = _post(client, f"/console/visits/{visit_id}", f"/console/visits/{visit_id}/review", {"comment": "read"})
    assert "done=reviewed" in str(r.url)
    assert 'data-testid="register-csv"' in r.text
    csv = client.get("/visit-register.csv")
    assert csv.status_code == 200 and visit_id in csv.text


def test_an_agent_cannot_schedule_or_approve_from_the_pages(client: Any, world: Any) -> None:
    staff_signs_in(client, "web-agent")
    page = client.get("/console/cases/B3").text
    r = client.post(f"/console/visits/{world.approval_visit}/approval",
                    data={"decision": "approve", "comment": "x", "csrf_token": token(page)})
    assert r.status_code == 403
    with unit_of_work(world.url) as db:
        assert db.scalars(select(VisitCase.state).where(VisitCase.id == world.approval_visit)).one().value == "consented"


def test_a_signed_consent_form_is_recorded_and_a_second_person_verifies_it(client: Any, world: Any) -> None:
    with unit_of_work(world.url) as db:
        v = db.get(VisitCase, list(db.scalars(select(VisitCase.id).where(VisitCase.borrower_id == "B1")))[0])
        assert v is not None and v.state.value == "notice_sent"
        visit_id = v.id
    staff_signs_in(client, "web-agent")  # the proposer may record the form, never verify it
    page = client.get(f"/console/visits/{visit_id}").text
    signed = (datetime.now(UTC) + timedelta(hours=8) - timedelta(seconds=2)).strftime("%Y-%m-%dT%H:%M:%S")
    r = client.post(f"/console/visits/{visit_id}/consent-form",
                    data={"kind": "signed_form", "document_ref": "archive 1", "signed_at": signed,
                          "csrf_token": token(page)},
                    files={"document": ("form.pdf", b"%PDF signed", "application/pdf")})
    assert r.status_code == 200 and "done=form_uploaded" in str(r.url), r.text[:3000]
    assert 'data-testid="verify-form"' not in r.text
    _sign_out(client)
    staff_signs_in(client, "web-supervisor")
    page = client.get(f"/console/visits/{visit_id}").text
    form_id = re.search(r'action="/console/consent-forms/([^/]+)/verification"', page)
    assert form_id is not None
    r = client.post(f"/console/consent-forms/{form_id.group(1)}/verification", data={"accept": "yes",
                                                                                     "csrf_token": token(page)})
    assert "done=form_verified" in str(r.url), r.text[:2000]
    with unit_of_work(world.url) as db:
        assert db.get(VisitCase, visit_id).state.value == "consented"  # type: ignore[union-attr]
