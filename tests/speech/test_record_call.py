"""An analysed call saved into the case: contact event, promise (→ ptp_pending hold), dispute hold, follow-ups,
the call_analyses row and an audit event; the decision on the store facts and the case timeline show it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from tests.speech.conftest import OPEN, call

from duecare.console.timeline import timeline
from duecare.kit.db import session_factory, unit_of_work
from duecare.ledger.models import (
    Borrower,
    ContactEvent,
    Hold,
    Installment,
    Jurisdiction,
    Language,
    Loan,
    Promise,
)
from duecare.ledger.repository import borrower_frames, set_phones
from duecare.policy.evaluator import Policy, decide
from duecare.privacy import auth
from duecare.privacy.models import Assignment, AuditEvent
from duecare.privacy.security import SecurityMiddleware, reset_limits
from duecare.privacy.sessions import SESSION_COOKIE, create_session
from duecare.speech import routes
from duecare.speech.models import CallAnalysis
from duecare.speech.service import analyze_and_record
from duecare.web import errors

DUECARE = str(Path(sys.executable).parent / "duecare")
CALL_AT = {"zh": "2026-11-12T10:00:00+08:00", "en": "2026-11-12T10:00:00-05:00"}  # the transcripts' as_of
ZONE = {"zh": "Asia/Shanghai", "en": "America/New_York"}
THREAT = "你再不还，我们就通知你的家人和单位。"
PROMISE_CALL = call("zh", f"A: {OPEN['zh']}", "B: 我最近被裁员了，下周三我先还一千。", f"A: {THREAT}", "B: 好的。")


def add_case(s: Any, bid: str = "B1", lang: str = "zh") -> str:
    """A borrower 11 days past due on the call day (one installment due 2026-11-01), with one loan."""
    b = Borrower(id=bid, name="王芳" if lang == "zh" else "Jane Doe", timezone=ZONE[lang], language=Language(lang),
                 jurisdiction=Jurisdiction("cn" if lang == "zh" else "us"), email="b@example.com")
    b.phones = []
    s.add(b)
    s.flush()
    set_phones(s, b, ["+86 138 0013 8000"])  # with its country code: valid for either jurisdiction
    loan = Loan(id=f"{bid}-L1", borrower_id=bid, currency="CNY", disbursed_on=date(2026, 6, 1))
    loan.principal = Decimal(6000)
    s.add(loan)
    inst = Installment(loan_id=loan.id, seq=1, due_date=date(2026, 11, 1))
    inst.amount = Decimal(1100)
    s.add(inst)
    s.flush()
    return loan.id


def decision(url: str, bid: str, at: str) -> dict[str, Any]:
    """What `duecare decide` says for the borrower's loan, on the store's facts."""
    with unit_of_work(url) as s:
        frames = borrower_frames(s, bid)
    (row,) = decide(frames, datetime.fromisoformat(at), Policy.default()).iter_rows(named=True)
    return row


class TestRecordCall:
    def test_a_promise_holds_collection_and_the_call_shows_on_the_timeline_with_its_qa_finding(
            self, db_url: str) -> None:
        with unit_of_work(db_url) as s:
            loan = add_case(s)
        assert decision(db_url, "B1", "2026-11-12T11:00:00+08:00")["action"] != "hold"
        with unit_of_work(db_url) as s:
            out = analyze_and_record(s, "B1", loan, PROMISE_CALL, "S1")
        saved = out["saved"]
        assert saved["outcome"] == "ptp" and saved["created"] and saved["qa_findings"] == ["threat"]
        assert saved["followups"] == ["questionnaire_invitation"]

        after = decision(db_url, "B1", "2026-11-12T11:00:00+08:00")
        assert after["action"] == "hold" and "ptp_pending" in after["reasons"]

        with unit_of_work(db_url) as s:
            promise = s.get_one(Promise, saved["promise_id"])
            assert (promise.promised_date, promise.amount_minor, promise.loan_id) == (date(2026, 11, 18), 100_000, loan)
            event = s.get_one(ContactEvent, saved["contact_event_id"])
            assert (event.channel, event.direction, event.outcome, event.agent_id) == ("call", "outbound", "ptp", "S1")
            assert event.at == datetime.fromisoformat(CALL_AT["zh"])
            row = s.get_one(CallAnalysis, saved["analysis_id"])
            assert json.loads(row.transcript) == PROMISE_CALL and row.hardship_category == "job_loss"
            raw = s.execute(text("SELECT transcript, evidence FROM call_analyses")).one()
            assert "裁员" not in raw[0] and THREAT not in raw[1]  # encrypted at rest
            audit = s.scalars(select(AuditEvent).where(AuditEvent.action == "call_analysis_saved")).one()
            assert (audit.actor, audit.subject, audit.rule_id) == ("staff:S1", "borrower:B1", "ptp_pending")

            items = timeline(s, "B1")
        calls = [i for i in items if i.kind == "call"]
        assert len(calls) == 1
        (finding,) = calls[0].detail["qa_findings"]
        assert finding["code"] == "threat" and finding["turn"] == 2 and "通知你的家人和单位" in finding["quote"]
        assert "QA threat" in calls[0].title and "promise 2026-11-18 1000" in calls[0].title
        # settled when the call was saved, at the real clock: its day (2026-11-18) passed without a payment
        assert {(i.kind, i.title) for i in items} >= {("contact", "ptp"), ("promise", "broken")}

    def test_saving_the_same_call_again_writes_nothing_new(self, db_url: str) -> None:
        with unit_of_work(db_url) as s:
            loan = add_case(s)
        with unit_of_work(db_url) as s:
            first = analyze_and_record(s, "B1", loan, PROMISE_CALL, "S1")["saved"]
        with unit_of_work(db_url) as s:
            again = analyze_and_record(s, "B1", loan, PROMISE_CALL, "S1")["saved"]
            counts = [s.scalar(select(func.count()).select_from(m)) for m in (CallAnalysis, ContactEvent, Promise)]
        assert again == {**first, "created": False} and counts == [1, 1, 1]

    def test_a_promise_beyond_the_strategy_horizon_keeps_the_call_but_holds_nothing(self, db_url: str) -> None:
        with unit_of_work(db_url) as s:
            loan = add_case(s, lang="en")
        transcript = call("en", f"A: {OPEN['en']}", "B: I will pay 1000 on January 20.", "A: Thank you.")
        with unit_of_work(db_url) as s:
            saved = analyze_and_record(s, "B1", loan, transcript, "S1")["saved"]
            assert saved["outcome"] == "ptp" and saved["promise_id"] is None  # 2027-01-20 is 69 days out (> 30)
            assert s.scalar(select(func.count()).select_from(Promise)) == 0
            row = s.get_one(CallAnalysis, saved["analysis_id"])
            (followup,) = [f for f in json.loads(row.followups) if f["kind"] == "promise_incomplete"]
            assert followup["promised_date"] == "2027-01-20" and "30 days" in followup["reason"]
        assert decision(db_url, "B1", "2026-11-12T11:00:00-05:00")["action"] != "hold"

    def test_a_dispute_opens_a_dispute_hold(self, db_url: str) -> None:
        with unit_of_work(db_url) as s:
            add_case(s, lang="en")
        transcript = call("en", f"A: {OPEN['en']}", "B: I never borrowed anything from you.")
        with unit_of_work(db_url) as s:
            saved = analyze_and_record(s, "B1", None, transcript, None)["saved"]
        with unit_of_work(db_url) as s:
            hold = s.get_one(Hold, saved["hold_id"])
            assert (hold.kind, hold.closed_at, saved["outcome"]) == ("dispute_open", None, "dispute")
        after = decision(db_url, "B1", "2026-11-12T11:00:00-05:00")
        assert after["action"] == "hold" and "dispute_open" in after["reasons"]

    def test_a_wrong_party_is_no_rpc_and_asks_for_a_contact_data_review(self, db_url: str) -> None:
        with unit_of_work(db_url) as s:
            add_case(s, lang="en")
        with unit_of_work(db_url) as s:
            saved = analyze_and_record(s, "B1", None, call("en", "A: Is this Kevin?", "O: Wrong number."), "S1")
        assert saved["saved"]["outcome"] == "third_party" and saved["saved"]["followups"] == ["contact_data_review"]
        with unit_of_work(db_url) as s:
            (item,) = [i for i in timeline(s, "B1") if i.kind == "call"]
        assert item.detail["followups"] == [{"kind": "contact_data_review", "reason": "wrong_party", "status": "open"}]

    def test_a_loan_of_another_borrower_is_refused(self, sqlite_url: str) -> None:
        from duecare.kit.errors import UserError

        with unit_of_work(sqlite_url) as s:
            add_case(s, "B1")
            add_case(s, "B2")
        with pytest.raises(UserError, match="not a loan of borrower"), unit_of_work(sqlite_url) as s:
            analyze_and_record(s, "B1", "B2-L1", PROMISE_CALL, "S1")


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DUECARE_DATABASE_URL": url}
    return subprocess.run([DUECARE, "calls", *args], check=False, env=env, capture_output=True, text=True,
                          timeout=600)


class TestCli:
    def test_analyze_save_writes_the_call_into_the_case(self, sqlite_url: str, tmp_path: Path) -> None:
        with unit_of_work(sqlite_url) as s:
            add_case(s)
        path = tmp_path / "call.json"
        path.write_text(json.dumps(PROMISE_CALL, ensure_ascii=False), encoding="utf-8")
        done = _cli(sqlite_url, "analyze", "--transcript", str(path), "--borrower", "B1", "--loan", "B1-L1", "--save")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["saved"]["outcome"] == "ptp"
        assert decision(sqlite_url, "B1", "2026-11-12T11:00:00+08:00")["action"] == "hold"

    def test_save_without_a_borrower_or_with_an_unknown_one_exits_2(self, sqlite_url: str, tmp_path: Path) -> None:
        path = tmp_path / "call.json"
        path.write_text(json.dumps(PROMISE_CALL, ensure_ascii=False), encoding="utf-8")
        assert _cli(sqlite_url, "analyze", "--transcript", str(path), "--save").returncode == 2
        unknown = _cli(sqlite_url, "analyze", "--transcript", str(path), "--borrower", "NOPE", "--save")
        assert unknown.returncode == 2 and "NOPE" in unknown.stderr


@pytest.fixture
def api(sqlite_url: str) -> Iterator[TestClient]:
    reset_limits()
    app = FastAPI()
    errors.install(app)
    app.add_middleware(SecurityMiddleware)
    app.include_router(routes.router)
    app.state.session_factory = session_factory(sqlite_url)
    with unit_of_work(sqlite_url) as s:
        add_case(s, "B1")
        add_case(s, "B2")
        for sid, role in (("A1", "agent"), ("C1", "compliance")):
            auth.create_staff(s, id=sid, username=sid.lower(), password="correct horse battery", role=role)
        s.add(Assignment(borrower_id="B1", agent_id="A1", assigned_at=datetime.now(UTC) - timedelta(days=1)))
    with TestClient(app) as client:
        yield client


def _as(client: TestClient, url: str, sid: str, role: str) -> dict[str, str]:
    with unit_of_work(url) as s:
        token = create_session(s, kind="staff", subject_id=sid, role=role)
    client.cookies.set(SESSION_COOKIE, token)
    with unit_of_work(url) as s:
        from duecare.privacy.models import AuthSession
        from duecare.privacy.sessions import token_hash

        return {"X-CSRF-Token": s.get_one(AuthSession, token_hash(token)).csrf_token}


class TestApi:
    def test_an_agent_saves_a_call_for_an_assigned_borrower_only(self, api: TestClient, sqlite_url: str) -> None:
        headers = _as(api, sqlite_url, "A1", "agent")
        body = {"transcript": PROMISE_CALL, "loan_id": "B1-L1"}
        r = api.post("/api/v1/borrowers/B1/calls", json=body, headers=headers)
        assert r.status_code == 200, r.text
        assert r.json()["saved"]["outcome"] == "ptp"
        assert api.post("/api/v1/borrowers/B2/calls", json={"transcript": PROMISE_CALL},
                        headers=headers).status_code == 404  # not assigned: as if it did not exist
        with unit_of_work(sqlite_url) as s:
            (row,) = s.scalars(select(CallAnalysis))
            assert (row.borrower_id, row.agent_id) == ("B1", "A1")

    def test_compliance_reads_calls_but_does_not_upload_them(self, api: TestClient, sqlite_url: str) -> None:
        headers = _as(api, sqlite_url, "C1", "compliance")
        assert api.post("/api/v1/borrowers/B1/calls", json={"transcript": PROMISE_CALL},
                        headers=headers).status_code == 403
        assert api.post("/api/v1/calls:analyze", json=PROMISE_CALL, headers=headers).status_code == 200

    def test_a_bad_transcript_is_a_422_naming_the_field(self, api: TestClient, sqlite_url: str) -> None:
        headers = _as(api, sqlite_url, "A1", "agent")
        r = api.post("/api/v1/borrowers/B1/calls", json={"transcript": {"lang": "fr", "as_of": "x", "turns": []}},
                     headers=headers)
        assert r.status_code == 422 and "lang" in r.text


@pytest.mark.slow
def test_a_synthetic_recording_is_transcribed_saved_and_holds_collection(db_url: str, tmp_path: Path) -> None:
    """espeak-ng + sox make a stereo 16 kHz call (agent left, borrower right); `duecare calls transcribe --analyze
    --save` stores it. (At 8 kHz telephone quality the base model mishears espeak's "next Friday".)"""
    from duecare.speech.synth import speak, stereo_call

    with unit_of_work(db_url) as s:
        add_case(s, lang="en")
    agent = speak("Hello, this is Dana from Harbor Finance, calling about your loan. This call is recorded.", "en",
                  tmp_path / "a.wav", rate=130)
    borrower = speak("I will pay two hundred dollars next Friday.", "en", tmp_path / "b.wav", rate=120)
    audio = stereo_call(agent, borrower, tmp_path / "call.wav")
    done = _cli(db_url, "transcribe", str(audio), "--analyze", "--lang", "en", "--as-of", CALL_AT["en"],
                "--borrower", "B1", "--agent", "S1", "--save")
    assert done.returncode == 0, done.stderr
    saved = json.loads(done.stdout)["saved"]
    assert saved["outcome"] == "ptp" and saved["promise_id"]
    with unit_of_work(db_url) as s:
        promise = s.get_one(Promise, saved["promise_id"])
        assert (promise.promised_date, promise.amount_minor) == (date(2026, 11, 20), 20_000)
        row = s.get_one(CallAnalysis, saved["analysis_id"])
        assert row.audio_ref is not None and row.audio_ref.startswith("call.wav sha256:")
        (item,) = [i for i in timeline(s, "B1") if i.kind == "call"]
    assert item.detail["outcome"] == "ptp" and item.detail["audio_ref"] == row.audio_ref
    after = decision(db_url, "B1", "2026-11-12T11:00:00-05:00")
    assert after["action"] == "hold" and "ptp_pending" in after["reasons"]


def test_the_console_case_page_shows_the_saved_call_with_its_qa_finding(sqlite_url: str) -> None:
    """Through the whole web app: an agent saves the call over the API, then opens the case page."""
    from duecare.app.factory import create_app

    reset_limits()
    with unit_of_work(sqlite_url) as s:
        add_case(s, "B1")
        auth.create_staff(s, id="A1", username="a1", password="correct horse battery", role="agent")
        s.add(Assignment(borrower_id="B1", agent_id="A1", assigned_at=datetime.now(UTC) - timedelta(days=1)))
    with TestClient(create_app(sqlite_url)) as client:
        headers = _as(client, sqlite_url, "A1", "agent")
        r = client.post("/api/v1/borrowers/B1/calls", json={"transcript": PROMISE_CALL, "loan_id": "B1-L1"},
                        headers=headers)
        assert r.status_code == 200, r.text
        page = client.get("/console/cases/B1")
    assert page.status_code == 200
    # the page speaks the viewer's language (zh here): the finding, its words, the rule it breaches and the promise
    assert '<li data-code="threat"><strong>QA threat' in page.text and "通知你的家人和单位" in page.text
    assert '违反 <strong data-rule="cn_banned_conduct">' in page.text
    assert "2026-11-18 1000" in page.text
