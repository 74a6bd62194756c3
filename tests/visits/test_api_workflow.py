"""The whole home-visit workflow through the API, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from duecare.kit.db import unit_of_work
from duecare.ledger.models import Consent, Hold, Promise, Visit
from duecare.privacy.audit import verify_chain
from duecare.visits.models import VisitMessage, VisitReport

from .conftest import Clients, FakeClock

SHANGHAI = ZoneInfo("Asia/Shanghai")
GOOD_REPORT = {
    "outcome": "met_borrower",
    "fields": {"employment_status": "employed", "monthly_income": "6000.00", "monthly_expenses": "3500.00",
               "hardship_category": "reduced_income", "willingness": "willing_with_plan",
               "capacity_monthly": "800.00",
               "proposed_plan": {"monthly_amount": "800.00", "months": 5, "first_payment_date": "2026-12-15"},
               "promise_to_pay": {"date": "2026-12-15", "amount": "800.00"}},
    "notes": "借款人本人接待，收入下降，愿意按计划还款，联系电话13800138000不变。",
    "recording_ref": "REC-2026-000123",
}


def at_the_door(api: Clients, clock: FakeClock, visit: dict[str, Any], minutes: int = 40) -> tuple[str, dict[str, str]]:
    """Both agents check in at the start of the slot and out `minutes` later; returns (agent, report times)."""
    a, b = visit["agents"]
    start = datetime.fromisoformat(visit["window"]["start"])
    clock.now = start + timedelta(minutes=5)
    r = api.staff(a, "field_agent").post(f"/visits/{visit['id']}/check-in", json={"partner": b})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "in_progress"
    clock.now = start + timedelta(minutes=5 + minutes)
    r = api.staff(b, "field_agent").post(f"/visits/{visit['id']}/check-out", json={"partner": a})
    assert r.status_code == 200, r.text
    times = {"arrived_at": (start + timedelta(minutes=6)).isoformat(),
             "left_at": (start + timedelta(minutes=4 + minutes)).isoformat()}
    return a, times


def approve_after_the_notice_period(api: Clients, clock: FakeClock, vid: str, who: str = "S1") -> None:
    clock.advance(days=3)  # the notice period runs out: approval is refused before
    r = api.staff(who, "supervisor").post(f"/visits/{vid}/approval", json={"approve": True, "comment": "gate met"})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "approved"


def run_to_consent(api: Clients, clock: FakeClock) -> tuple[str, str]:
    """Propose, send the notice, and have the borrower consent in the portal; returns (visit id, hash)."""
    agent = api.staff("A1", "agent")
    r = agent.post("/visits", json={"loan_id": "L1"})
    assert r.status_code == 201, r.text
    vid = r.json()["id"]
    assert r.json()["state"] == "proposed"
    r = agent.post(f"/visits/{vid}/notice")
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "notice_sent"
    clock.advance(hours=20)
    borrower = api.borrower("B1")
    text = borrower.get(f"/portal/visits/{vid}/notice", params={"format": "text"})
    assert text.status_code == 200
    version = text.headers["X-Notice-Version-Hash"]
    r = borrower.post(f"/portal/visits/{vid}/consent", json={"decision": "granted", "notice_version_hash": version})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "consented"
    return vid, version


class TestTheWholeWorkflow:
    def test_a_visit_runs_from_proposal_to_review_with_evidence_of_every_step(
        self, api: Clients, clock: FakeClock, seeded: str
    ) -> None:
        vid, version = run_to_consent(api, clock)
        borrower = api.borrower("B1")
        r = borrower.put("/portal/visit-preferences",
                         json={"times": [{"weekday": 5, "start": "10:00", "end": "16:00"}]})
        assert r.status_code == 200, r.text

        supervisor = api.staff("S1", "supervisor")
        gate = supervisor.get(f"/visits/{vid}/gate").json()
        detail = {g["code"]: g for g in gate["decision"]["gate_detail"]}
        assert detail["consent_missing"]["met"] and not detail["approval_missing"]["met"]
        assert all(rule["source"] for g in detail.values() for rule in g["rules"])
        clock.advance(hours=1)
        r = supervisor.post(f"/visits/{vid}/approval", json={"approve": True, "comment": "gate met, consent on file"})
        assert r.status_code == 409, r.text  # the notice period still runs: refused, nothing changed
        assert r.json()["code"] == "gate_closed"
        assert r.json()["unmet"] == ["notice_period_running"]
        approve_after_the_notice_period(api, clock, vid)
        r = supervisor.post(f"/visits/{vid}/schedule", json={})
        assert r.status_code == 200, r.text
        visit = r.json()
        assert visit["state"] == "scheduled" and len(set(visit["agents"])) == 2
        start = datetime.fromisoformat(visit["window"]["start"]).astimezone(SHANGHAI)
        end = datetime.fromisoformat(visit["window"]["end"]).astimezone(SHANGHAI)
        assert start.weekday() == 5 and start.hour >= 10 and (end.hour, end.minute) <= (16, 0)
        agent_id = visit["agents"][0]
        field_agent = api.staff(agent_id, "field_agent")
        route = field_agent.get(f"/visit-routes/{agent_id}", params={"date": start.date().isoformat()}).json()
        assert [s["visit_id"] for s in route["stops"]] == [vid]
        checklist = field_agent.get(f"/visits/{vid}/checklist").json()
        assert checklist["recording_required"]["rule"] == "visit_two_agents"

        _, times = at_the_door(api, clock, visit)
        bad = dict(GOOD_REPORT, notes="她丈夫的电话是13912345678，他信佛教。", **times)
        r = field_agent.post(f"/visits/{vid}/report", json=bad)
        assert r.status_code == 422
        codes = {x["code"] for x in r.json()["reasons"]}
        assert codes == {"third_party_phone", "religion"}
        assert "13912345678" not in r.text
        r = field_agent.post(f"/visits/{vid}/report", json=GOOD_REPORT | times)
        assert r.status_code == 200, r.text
        assert r.json()["state"] == "reported" and r.json()["outcome"] == "met_borrower"

        r = api.staff("S2", "supervisor").post(f"/visits/{vid}/review", json={"comment": "report within scope"})
        assert r.status_code == 200, r.text
        assert r.json()["state"] == "reviewed"
        assert [e["to"] for e in r.json()["timeline"]] == [
            "proposed", "notice_sent", "consented", "approved", "scheduled", "in_progress", "reported", "reviewed"]

        compliance = api.staff("C1", "compliance")
        reg = compliance.get("/visit-register.csv")
        assert reg.status_code == 200
        rows = list(csv.DictReader(io.StringIO(reg.text)))
        assert len(rows) == 1
        row = rows[0]
        assert row["notice_version_hash"] == version and row["state"] == "reviewed"
        assert "granted" in row["consents"] and "approved by S1" in row["approval"]
        assert row["outcome"] == "met_borrower" and "visit_supervisor_approval" in row["rules"]
        assert "cc_privacy" in row["rules"] and row["gate_at_proposal"].startswith("action=visit_notice")
        pdf = compliance.get("/visit-register.pdf")
        assert pdf.content.startswith(b"%PDF")
        evidence = compliance.get("/consents/B1/evidence").json()
        assert evidence["notices"][0]["current_decision"] == "granted"
        assert evidence["records"][0]["evidence"].startswith("portal-session:")

        with unit_of_work(seeded) as s:
            assert s.scalars(select(VisitReport)).one().recording_ref == "REC-2026-000123"
            assert s.scalars(select(Promise)).one().amount_minor == 80000
            assert s.scalars(select(Visit)).one().status == "completed"
            kinds = {(m.kind, m.recipient_kind) for m in s.scalars(select(VisitMessage))}
            assert {("visit_notice", "borrower"), ("visit_scheduled", "borrower"), ("visit_assigned", "staff"),
                    ("visit_summary", "borrower")} <= kinds
            summary = s.scalars(select(VisitMessage).where(VisitMessage.kind == "visit_summary",
                                                           VisitMessage.channel == "portal")).one()
            assert "12348" in summary.body  # the complaint channel
            # the window, to the borrower and to the agents, names the zone of the borrower's home
            for kind in ("visit_scheduled", "visit_assigned"):
                bodies = [m.body for m in s.scalars(select(VisitMessage).where(VisitMessage.kind == kind))]
                assert any(re.search(r"\d{2}:\d{2}–\d{2}:\d{2} \(Asia/Shanghai\)", b) for b in bodies), (
                    kind, bodies)
            assert verify_chain(s)[1] is None

    def test_the_notice_is_served_as_html_and_pdf_with_the_same_version(self, api: Clients, clock: FakeClock) -> None:
        vid, version = run_to_consent(api, clock)
        supervisor = api.staff("S1", "supervisor")
        html = supervisor.get(f"/visits/{vid}/notice", params={"format": "html"})
        pdf = supervisor.get(f"/visits/{vid}/notice", params={"format": "pdf"})
        assert html.headers["X-Notice-Version-Hash"] == pdf.headers["X-Notice-Version-Hash"] == version
        assert "个人信息保护法" in html.text and "12348" in html.text
        assert pdf.content.startswith(b"%PDF")


class TestRefusals:
    def test_a_loan_the_gate_keeps_off_the_visit_track_cannot_be_proposed(
        self, api: Clients, seeded: str
    ) -> None:
        from duecare.ledger.models import Borrower

        with unit_of_work(seeded) as s:
            s.get(Borrower, "B1").vulnerable = True  # type: ignore[union-attr]
        r = api.staff("A1", "agent").post("/visits", json={"loan_id": "L1"})
        assert r.status_code == 409
        assert r.json()["code"] == "not_in_visit_track"

    def test_the_proposer_cannot_approve_their_own_visit(self, api: Clients, clock: FakeClock) -> None:
        supervisor = api.staff("S1", "supervisor")
        vid = supervisor.post("/visits", json={"loan_id": "L1"}).json()["id"]
        supervisor.post(f"/visits/{vid}/notice")
        clock.advance(hours=2)
        borrower = api.borrower("B1")
        version = borrower.get(f"/portal/visits/{vid}/notice", params={"format": "text"}).headers[
            "X-Notice-Version-Hash"]
        borrower.post(f"/portal/visits/{vid}/consent", json={"decision": "granted", "notice_version_hash": version})
        clock.advance(days=3)
        r = supervisor.post(f"/visits/{vid}/approval", json={"approve": True, "comment": "mine"})
        assert r.status_code == 409 and r.json()["code"] == "four_eyes"
        r = api.staff("S2", "supervisor").post(f"/visits/{vid}/approval", json={"approve": True, "comment": "ok"})
        assert r.status_code == 200

    def test_scheduling_before_approval_is_refused_by_the_transition_table(
        self, api: Clients, clock: FakeClock
    ) -> None:
        vid, _ = run_to_consent(api, clock)
        r = api.staff("S1", "supervisor").post(f"/visits/{vid}/schedule", json={})
        assert r.status_code == 409 and r.json()["code"] == "transition_not_allowed"

    def test_a_payment_that_cures_the_arrears_cancels_the_visit_in_the_same_transaction(
        self, api: Clients, clock: FakeClock, seeded: str
    ) -> None:
        from decimal import Decimal

        from duecare.ledger.models import Payment
        from duecare.visits.transitions import use_clock

        vid, _ = run_to_consent(api, clock)
        with unit_of_work(seeded) as s:
            use_clock(s, clock)
            p = Payment(id="PAY-late", loan_id="L1", paid_at=clock.now)
            p.amount = Decimal(4000)
            s.add(p)
        visit = api.staff("S1", "supervisor").get(f"/visits/{vid}").json()
        assert visit["state"] == "cancelled" and "dpd_below_threshold" in visit["close_reason"]
        clock.advance(days=3)
        r = api.staff("S1", "supervisor").post(f"/visits/{vid}/approval", json={"approve": True, "comment": "ok"})
        assert r.status_code == 409 and r.json()["code"] == "transition_not_allowed"

    def test_a_withdrawal_cancels_a_scheduled_visit_and_tells_both_agents(
        self, api: Clients, clock: FakeClock, seeded: str
    ) -> None:
        vid, _ = run_to_consent(api, clock)
        supervisor = api.staff("S1", "supervisor")
        approve_after_the_notice_period(api, clock, vid)
        agents = supervisor.post(f"/visits/{vid}/schedule", json={"agents": ["F2", "F3"]}).json()["agents"]
        assert agents == ["F2", "F3"]
        clock.advance(hours=1)
        r = api.borrower("B1").post("/portal/consents/withdraw")
        assert r.status_code == 200 and r.json()["visits_cancelled"] == [vid]
        assert supervisor.get(f"/visits/{vid}").json()["state"] == "cancelled"
        with unit_of_work(seeded) as s:
            told = {m.recipient_id for m in s.scalars(select(VisitMessage).where(
                VisitMessage.kind == "visit_cancelled", VisitMessage.recipient_kind == "staff"))}
            assert told == {"F2", "F3"}
            assert s.scalars(select(Visit)).one().status == "cancelled"
            assert [c.decision for c in s.scalars(select(Consent).order_by(Consent.at))] == ["granted", "withdrawn"]

    def test_a_borrower_cannot_answer_someone_elses_notice(self, api: Clients, clock: FakeClock) -> None:
        vid, version = run_to_consent(api, clock)
        r = api.borrower("B2").post(f"/portal/visits/{vid}/consent",
                                    json={"decision": "declined", "notice_version_hash": version})
        assert r.status_code == 404

    def test_routes_declare_their_permission(self, api: Clients) -> None:
        from duecare.privacy.deps import route_permissions

        perms = route_permissions(api.app)
        assert perms and all(len(p) == 1 for p in perms.values())
        assert api.staff("F1", "field_agent").post("/visits", json={"loan_id": "L1"}).status_code == 403


def test_hardship_outcome_opens_a_hold(api: Clients, clock: FakeClock, seeded: str) -> None:
    vid, _ = run_to_consent(api, clock)
    supervisor = api.staff("S1", "supervisor")
    approve_after_the_notice_period(api, clock, vid)
    visit = supervisor.post(f"/visits/{vid}/schedule", json={}).json()
    _, times = at_the_door(api, clock, visit)
    report = {"outcome": "met_borrower", "recording_ref": "REC-1", **times,
              "fields": {"hardship_category": "unable_to_work", "hardship_hold": True, "referral": "debt_advice"}}
    r = api.staff(visit["agents"][1], "field_agent").post(f"/visits/{vid}/report", json=report)
    assert r.status_code == 200, r.text
    with unit_of_work(seeded) as s:
        assert s.scalars(select(Hold)).one().kind == "hardship_open"
