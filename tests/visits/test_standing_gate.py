"""The gate is a standing condition (issue 13): one worked case per way it used to break.

Each fact is written the way another part of the system writes it (its own unit of work, at the app's
clock); the re-check runs in that same transaction. The visit is taken to `scheduled` through the API first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from duecare.contacts.service import record_reply
from duecare.kit.db import unit_of_work
from duecare.ledger.models import (
    Consent,
    ContactEvent,
    Hold,
    HoldKind,
    Installment,
    Loan,
    Notice,
    Payment,
    Promise,
    PromiseStatus,
    Visit,
)
from duecare.visits import recheck
from duecare.visits.models import FollowUp, VisitMessage
from duecare.visits.transitions import use_clock

from .conftest import Clients, FakeClock
from .factories import PHONE
from .test_api_workflow import approve_after_the_notice_period, at_the_door, run_to_consent

REPORT = {"outcome": "met_borrower", "recording_ref": "REC-1", "fields": {"willingness": "willing"}}


def scheduled(api: Clients, clock: FakeClock) -> dict[str, Any]:
    vid, _ = run_to_consent(api, clock)
    approve_after_the_notice_period(api, clock, vid)
    r = api.staff("S1", "supervisor").post(f"/visits/{vid}/schedule", json={"agents": ["F1", "F2"]})
    assert r.status_code == 200, r.text
    visit: dict[str, Any] = r.json()
    clock.advance(hours=1)
    return visit


def second_loan(s: Session) -> None:
    """Loan L2 of the same borrower, not yet due."""
    ln = Loan(id="L2", borrower_id="B1", currency="CNY", disbursed_on=date(2026, 3, 1))
    ln.principal = Decimal(1000)
    s.add(ln)
    s.flush()
    inst = Installment(loan_id="L2", seq=1, due_date=date(2027, 1, 1))
    inst.amount = Decimal(1000)
    s.add(inst)


def write(url: str, clock: FakeClock, fact: Callable[[Session], None]) -> None:
    """A fact written by another part of the system: its own transaction, at the app's clock."""
    with unit_of_work(url) as s:
        use_clock(s, clock)
        fact(s)


def state(api: Clients, vid: str) -> dict[str, Any]:
    out: dict[str, Any] = api.staff("S1", "supervisor").get(f"/visits/{vid}").json()
    return out


def assert_stopped_and_agents_told(api: Clients, url: str, visit: dict[str, Any], to: str, reason: str) -> None:
    now = state(api, visit["id"])
    assert now["state"] == to and reason in (now["close_reason"] or "") + str(now["timeline"][-1]["reasons"])
    assert now["timeline"][-1]["rule"]  # the rule behind the stop is recorded
    day = datetime.fromisoformat(visit["window"]["start"]).date().isoformat()
    for agent in visit["agents"]:
        fa = api.staff(agent, "field_agent")
        assert fa.get(f"/visit-routes/{agent}", params={"date": day}).json()["stops"] == []
        inbox = fa.get("/visit-inbox").json()["messages"]
        assert inbox[0]["visit_id"] == visit["id"] and "Do not go" in inbox[0]["body"]


class TestAFactCancelsAScheduledVisitInTheSameTransaction:
    @pytest.mark.parametrize("kind", [HoldKind.DISPUTE_OPEN, HoldKind.REPRESENTED_BY_LAWYER,
                                      HoldKind.DO_NOT_CONTACT, HoldKind.BANKRUPT])
    def test_a_hold_cancels_it(self, api: Clients, clock: FakeClock, seeded: str, kind: HoldKind) -> None:
        visit = scheduled(api, clock)
        write(seeded, clock, lambda s: s.add(Hold(id="H1", borrower_id="B1", kind=kind, opened_at=clock.now)))
        assert_stopped_and_agents_told(api, seeded, visit, "cancelled", "hold_active")

    def test_a_payment_that_cures_the_arrears_cancels_it(self, api: Clients, clock: FakeClock, seeded: str) -> None:
        visit = scheduled(api, clock)

        def pay(s: Session) -> None:
            p = Payment(id="PAY1", loan_id="L1", paid_at=clock.now)
            p.amount = Decimal(4000)
            s.add(p)
        write(seeded, clock, pay)
        assert_stopped_and_agents_told(api, seeded, visit, "cancelled", "dpd_below_threshold")

    def test_a_right_party_contact_about_another_loan_cancels_it(
        self, api: Clients, clock: FakeClock, seeded: str
    ) -> None:
        visit = scheduled(api, clock)

        def other_loan_call(s: Session) -> None:
            second_loan(s)
            s.add(ContactEvent(id="CE-L2", borrower_id="B1", loan_id="L2", at=clock.now, channel="call",
                               direction="inbound", outcome="rpc"))
        write(seeded, clock, other_loan_call)
        assert_stopped_and_agents_told(api, seeded, visit, "cancelled", "reachable")

    def test_the_notice_expiring_is_caught_by_the_nightly_sweep(
        self, api: Clients, clock: FakeClock, seeded: str
    ) -> None:
        visit = scheduled(api, clock)
        clock.advance(days=31)
        with unit_of_work(seeded) as s:
            changes = recheck.sweep(s, clock.now)
        assert [c.visit_id for c in changes] == [visit["id"]]
        assert state(api, visit["id"])["state"] == "cancelled"


class TestATemporaryReasonPutsItOnHold:
    def test_a_promise_on_another_loan_holds_it_and_a_broken_promise_resumes_it(
        self, api: Clients, clock: FakeClock, seeded: str
    ) -> None:
        visit = scheduled(api, clock)
        write(seeded, clock, second_loan)
        assert state(api, visit["id"])["state"] == "scheduled"  # a new loan alone changes nothing
        write(seeded, clock, lambda s: s.add(Promise(
            id="PTP1", borrower_id="B1", loan_id="L2", promised_date=(clock.now + timedelta(days=5)).date(),
            amount_minor=50000, status=PromiseStatus.OPEN)))
        assert_stopped_and_agents_told(api, seeded, visit, "on_hold", "hold_active")

        def broken(s: Session) -> None:
            s.get_one(Promise, "PTP1").status = PromiseStatus.BROKEN
        write(seeded, clock, broken)
        resumed = state(api, visit["id"])
        assert resumed["state"] == "approved" and resumed["agents"] == []  # to be scheduled anew

    def test_a_hardship_questionnaire_in_the_portal_holds_it(
        self, api: Clients, clock: FakeClock, seeded: str
    ) -> None:
        from duecare.portal import activity

        visit = scheduled(api, clock)
        write(seeded, clock, lambda s: activity.open_hardship_review(s, "B1", clock.now, "job_loss"))
        assert_stopped_and_agents_told(api, seeded, visit, "on_hold", "hold_active")


class TestWithdrawalByEveryChannel:
    def test_a_withdrawal_naming_an_older_notice_cancels_it(self, api: Clients, clock: FakeClock,
                                                           seeded: str) -> None:
        visit = scheduled(api, clock)

        def older_notice_withdrawal(s: Session) -> None:
            s.add(Notice(id="N-old", borrower_id="B1", loan_id="L1", kind="visit_notice",
                         sent_at=clock.now - timedelta(days=60)))
            s.flush()
            s.add(Consent(id="C-old", borrower_id="B1", purpose="home_visit", decision="withdrawn", at=clock.now,
                          notice_id="N-old", channel="letter", evidence="letter 7"))
        write(seeded, clock, older_notice_withdrawal)
        assert_stopped_and_agents_told(api, seeded, visit, "cancelled", "consent_withdrawn")

    def test_a_grant_and_a_withdrawal_at_the_same_instant_end_withdrawn(
        self, api: Clients, clock: FakeClock, seeded: str
    ) -> None:
        visit = scheduled(api, clock)
        notice_id = visit["notice"]["id"]

        def tie(s: Session) -> None:
            s.add(Consent(id="C-z-grant", borrower_id="B1", purpose="home_visit", decision="granted", at=clock.now,
                          notice_id=notice_id, channel="portal", evidence="p"))
            s.add(Consent(id="C-a-withdraw", borrower_id="B1", purpose="home_visit", decision="withdrawn",
                          at=clock.now, notice_id=notice_id, channel="letter", evidence="l"))
        write(seeded, clock, tie)
        assert state(api, visit["id"])["state"] == "cancelled"

    @pytest.mark.parametrize("text", ["撤回", "WITHDRAW", "取消", "撤銷同意", "ｗｉｔｈｄｒａｗ！"])
    def test_an_sms_reply_withdraws(self, api: Clients, clock: FakeClock, seeded: str, text: str) -> None:
        visit = scheduled(api, clock)
        write(seeded, clock, lambda s: record_reply(s, "gw", "m1", "sms", PHONE, text, at=clock.now))
        assert_stopped_and_agents_told(api, seeded, visit, "cancelled", "consent_withdrawn")
        with unit_of_work(seeded) as s:
            c = s.scalars(select(Consent).where(Consent.decision == "withdrawn")).one()
            assert (c.channel, c.evidence) == ("sms_reply", "inbound:gw:m1")

    def test_a_call_logged_by_an_agent_withdraws(self, api: Clients, clock: FakeClock, seeded: str) -> None:
        visit = scheduled(api, clock)
        r = api.staff("A1", "agent").post("/consents/B1/withdraw",
                                          json={"channel": "call", "evidence": "call CE-9: do not visit me"})
        assert r.status_code == 200 and r.json()["visits_cancelled"] == [visit["id"]]

    def test_in_person_at_the_door_withdraws(self, api: Clients, clock: FakeClock, seeded: str) -> None:
        visit = scheduled(api, clock)
        clock.now = datetime.fromisoformat(visit["window"]["start"]) + timedelta(minutes=2)
        fa = api.staff("F1", "field_agent")
        assert fa.post(f"/visits/{visit['id']}/check-in", json={"partner": "F2"}).json()["state"] == "in_progress"
        r = fa.post(f"/visits/{visit['id']}/withdrawal-at-door", json={"evidence": "asked us to leave"})
        assert r.status_code == 200 and r.json()["visits_cancelled"] == [visit["id"]]
        r = fa.post(f"/visits/{visit['id']}/report", json=REPORT)
        assert r.status_code == 409


class TestRepliesAreConsentEvents:
    def noticed(self, api: Clients, clock: FakeClock) -> str:
        agent = api.staff("A1", "agent")
        vid = str(agent.post("/visits", json={"loan_id": "L1"}).json()["id"])
        assert agent.post(f"/visits/{vid}/notice").status_code == 200
        clock.advance(hours=3)
        return vid

    @pytest.mark.parametrize("text,decision,to", [
        ("同意", "granted", "consented"), ("YES", "granted", "consented"), ("ｙ", "granted", "consented"),
        ("拒绝", "declined", "declined"), ("不同意。", "declined", "declined"), ("No thanks", "declined", "declined"),
    ])
    def test_a_clear_reply_answers_the_notice(self, api: Clients, clock: FakeClock, seeded: str, text: str,
                                              decision: str, to: str) -> None:
        vid = self.noticed(api, clock)
        write(seeded, clock, lambda s: record_reply(s, "gw", "r1", "sms", PHONE, text, at=clock.now))
        with unit_of_work(seeded) as s:
            c = s.scalars(select(Consent)).one()
            assert (str(c.decision), c.channel, c.evidence) == (decision, "sms_reply", "inbound:gw:r1")
        # a reply that answers the notice is no right-party contact (it is about the visit, not the debt): a
        # grant keeps the visit open instead of making the borrower "reachable" and cancelling it
        assert state(api, vid)["state"] == to
        with unit_of_work(seeded) as s:
            reply = s.scalars(select(ContactEvent).where(ContactEvent.channel == "sms",
                                                         ContactEvent.direction == "inbound")).one()
            assert reply.answers_notice_id == state(api, vid)["notice"]["id"]

    def test_an_unclear_reply_records_nothing_and_asks_again(self, api: Clients, clock: FakeClock,
                                                            seeded: str) -> None:
        vid = self.noticed(api, clock)
        write(seeded, clock, lambda s: record_reply(s, "gw", "r2", "sms", PHONE, "什么时候来？", at=clock.now))
        with unit_of_work(seeded) as s:
            assert s.scalars(select(Consent)).all() == []
            asked = s.scalars(select(VisitMessage).where(VisitMessage.kind == "consent_clarification")).one()
            assert asked.channel == "sms" and "同意" in asked.body and asked.visit_id == vid

    def test_a_reply_from_an_unknown_number_records_no_consent(self, api: Clients, clock: FakeClock,
                                                              seeded: str) -> None:
        self.noticed(api, clock)
        write(seeded, clock, lambda s: record_reply(s, "gw", "r3", "sms", "13912345678", "同意", at=clock.now))
        with unit_of_work(seeded) as s:
            assert s.scalars(select(Consent)).all() == []


class TestConsentIsTheBorrowersOwnAct:
    def noticed(self, api: Clients, clock: FakeClock) -> tuple[str, str]:
        agent = api.staff("A1", "agent")
        r = agent.post("/visits", json={"loan_id": "L1"})
        vid = str(r.json()["id"])
        version = agent.post(f"/visits/{vid}/notice").json()["notice"]["version_hash"]
        clock.advance(hours=3)
        return vid, version

    def test_staff_cannot_record_a_grant_with_typed_evidence(self, api: Clients, clock: FakeClock) -> None:
        vid, version = self.noticed(api, clock)
        r = api.staff("A1", "agent").post(f"/visits/{vid}/consent", json={
            "decision": "granted", "channel": "letter", "evidence": "x", "notice_version_hash": version})
        assert r.status_code == 422 and "own act" in r.json()["error"]
        assert state(api, vid)["state"] == "notice_sent"

    def test_staff_may_record_a_decline_on_the_borrowers_word(self, api: Clients, clock: FakeClock) -> None:
        vid, version = self.noticed(api, clock)
        r = api.staff("A1", "agent").post(f"/visits/{vid}/consent", json={
            "decision": "declined", "channel": "call", "evidence": "call CE-1", "notice_version_hash": version})
        assert r.status_code == 200 and r.json()["state"] == "declined"

    def test_a_signed_form_grants_only_once_a_second_person_verifies_it(
        self, api: Clients, clock: FakeClock
    ) -> None:
        vid, _ = self.noticed(api, clock)
        form = {"kind": "signed_form", "document_sha256": "a" * 64, "document_ref": "scan-17.pdf",
                "signed_at": (clock.now - timedelta(hours=1)).isoformat()}
        up = api.staff("A1", "agent").post(f"/visits/{vid}/consent-forms", json=form)
        assert up.status_code == 201 and up.json()["status"] == "pending"
        assert state(api, vid)["state"] == "notice_sent"
        fid = up.json()["id"]
        # the uploader (and proposer) A1 cannot verify it (an agent has no approve right either); a supervisor can
        assert api.staff("A1", "agent").post(f"/consent-forms/{fid}/verification",
                                             json={"accept": True}).status_code == 403
        r = api.staff("S1", "supervisor").post(f"/consent-forms/{fid}/verification", json={"accept": True})
        assert r.status_code == 200 and r.json()["state"] == "consented"

    def test_the_proposer_cannot_verify_a_form_someone_else_uploaded(
        self, api: Clients, clock: FakeClock
    ) -> None:
        sup = api.staff("S1", "supervisor")
        vid = str(sup.post("/visits", json={"loan_id": "L1"}).json()["id"])
        sup.post(f"/visits/{vid}/notice")
        clock.advance(hours=3)
        form = {"kind": "recorded_statement", "document_sha256": "b" * 64, "document_ref": "rec-3.wav",
                "signed_at": (clock.now - timedelta(hours=1)).isoformat()}
        fid = api.staff("A1", "agent").post(f"/visits/{vid}/consent-forms", json=form).json()["id"]
        r = sup.post(f"/consent-forms/{fid}/verification", json={"accept": True})
        assert r.status_code == 409 and r.json()["code"] == "four_eyes"


class TestEveryStepIsRefusedWhileTheGateIsClosedForIt:
    def test_approval_during_the_notice_period_is_refused_and_changes_nothing(
        self, api: Clients, clock: FakeClock
    ) -> None:
        vid, _ = run_to_consent(api, clock)
        r = api.staff("S1", "supervisor").post(f"/visits/{vid}/approval", json={"approve": True, "comment": "now"})
        assert r.status_code == 409 and r.json()["unmet"] == ["notice_period_running"]
        assert state(api, vid)["state"] == "consented"

    def test_the_checklist_refuses_with_the_unmet_codes_when_the_gate_closed(
        self, api: Clients, clock: FakeClock, seeded: str
    ) -> None:
        visit = scheduled(api, clock)
        fa = api.staff("F1", "field_agent")
        assert fa.get(f"/visits/{visit['id']}/checklist").status_code == 200
        with unit_of_work(seeded) as s:  # a bulk write (as `duecare ingest` does) bypasses the ORM trigger
            s.execute(insert(ContactEvent.__table__).values(
                id="CE-late", borrower_id="B1", loan_id="L1", at=clock.now, channel="call", direction="inbound",
                outcome="rpc"))
        r = fa.get(f"/visits/{visit['id']}/checklist")
        assert r.status_code == 409 and "reachable" in r.json()["unmet"]
        assert state(api, visit["id"])["state"] == "cancelled"


class TestEvidenceOfTheVisit:
    def test_a_report_with_times_outside_the_slot_is_refused(self, api: Clients, clock: FakeClock) -> None:
        visit = scheduled(api, clock)
        agent, times = at_the_door(api, clock, visit)
        early = (datetime.fromisoformat(visit["window"]["start"]) - timedelta(hours=2)).isoformat()
        r = api.staff(agent, "field_agent").post(f"/visits/{visit['id']}/report",
                                                 json=REPORT | times | {"arrived_at": early})
        assert r.status_code == 422
        codes = {x["code"] for x in r.json()["reasons"]}
        assert {"time_outside_slot", "time_before_check_in"} <= codes

    def test_a_report_before_check_in_is_refused(self, api: Clients, clock: FakeClock) -> None:
        visit = scheduled(api, clock)
        clock.now = datetime.fromisoformat(visit["window"]["start"]) + timedelta(minutes=10)
        r = api.staff("F1", "field_agent").post(f"/visits/{visit['id']}/report", json=REPORT)
        assert r.status_code == 409

    def test_check_in_needs_both_agents_inside_the_slot(self, api: Clients, clock: FakeClock) -> None:
        visit = scheduled(api, clock)
        fa = api.staff("F1", "field_agent")
        r = fa.post(f"/visits/{visit['id']}/check-in", json={"partner": "F2"})
        assert r.status_code == 409 and r.json()["code"] == "outside_slot"
        clock.now = datetime.fromisoformat(visit["window"]["start"])
        r = fa.post(f"/visits/{visit['id']}/check-in", json={"partner": "F3"})
        assert r.status_code == 409 and r.json()["code"] == "both_agents_required"
        r = fa.post(f"/visits/{visit['id']}/check-in", json={"partner": "F2"})
        assert r.status_code == 200 and r.json()["state"] == "in_progress"


class TestTheEngineAndTheWorkflowAgree:
    def test_a_visit_staff_cancelled_does_not_leave_the_loan_stuck_on_visit_schedule(
        self, api: Clients, clock: FakeClock
    ) -> None:
        visit = scheduled(api, clock)
        sup = api.staff("S1", "supervisor")
        assert sup.post(f"/visits/{visit['id']}/cancel", json={"reason": "borrower_moved"}).status_code == 200
        gate = sup.get(f"/visits/{visit['id']}/gate")
        assert gate.status_code == 200
        r = api.staff("A1", "agent").post("/visits", json={"loan_id": "L1"})
        assert r.status_code == 201 and r.json()["state"] == "proposed"  # a new notice will be sent


class TestDoNotReturn:
    def test_a_refused_visit_leaves_a_mark_and_blocks_new_proposals(
        self, api: Clients, clock: FakeClock, seeded: str
    ) -> None:
        visit = scheduled(api, clock)
        agent, times = at_the_door(api, clock, visit)
        r = api.staff(agent, "field_agent").post(f"/visits/{visit['id']}/report", json={
            "outcome": "refused", "refused_by": "borrower", "recording_ref": "REC-2", **times})
        assert r.status_code == 200, r.text
        with unit_of_work(seeded) as s:
            mark = s.scalars(select(FollowUp).where(FollowUp.kind == "do_not_return")).one()
            assert '"asked_by": "borrower"' in (mark.details or "")
            assert s.scalars(select(Visit)).one().outcome == "refused"
        api.staff("S2", "supervisor").post(f"/visits/{visit['id']}/review", json={"comment": "read"})
        clock.advance(days=40)
        r = api.staff("A1", "agent").post("/visits", json={"loan_id": "L1"})
        assert r.status_code == 409 and "visit_refused_recently" in r.text
