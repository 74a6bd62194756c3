"""The portal and console through HTTP (no browser): scope, CSRF, masking, encryption, plans and promises."""

from __future__ import annotations

import html
import re
import sqlite3
from typing import Any

import pytest
from sqlalchemy import select
from web_factories import PASSWORD

from duecare.kit.db import unit_of_work
from duecare.ledger import models as m
from duecare.portal.models import HardshipAnswers, PlanProposal


def token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]*)"', page)
    assert found, "the page has no form token"
    return found.group(1)


def borrower_signs_in(client: Any, phone: str) -> None:
    page = client.get("/portal/signin").text
    sent = client.post("/portal/signin", data={"phone": phone, "csrf_token": token(page)})
    code = re.search(r'data-testid="demo-code">(\d{6})<', sent.text)
    assert code, "the demo code is shown on the page"
    done = client.post("/portal/signin/verify", data={"phone": phone, "code": code.group(1),
                                                       "csrf_token": token(sent.text)})
    assert done.status_code == 200 and str(done.url).endswith("/portal")


def staff_signs_in(client: Any, username: str) -> None:
    page = client.get("/console/signin").text
    done = client.post("/console/signin", data={"username": username, "password": PASSWORD, "csrf_token": token(page)})
    assert done.status_code == 200, done.text[:300]


class TestBorrowerScope:
    def test_a_borrower_never_reaches_another_borrowers_loan_or_notice(self, client: Any, world: Any) -> None:
        borrower_signs_in(client, world.plan_phone)
        assert client.get("/portal/loans/L-B2").status_code == 200
        assert client.get("/portal/loans/L-B1").status_code == 404
        assert client.get(f"/portal/notices/{world.notice_b1}").status_code == 404

    def test_pages_ask_for_sign_in_first(self, client: Any, world: Any) -> None:
        r = client.get("/portal/plan", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/portal/signin"
        r = client.get("/console/queue", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/console/signin")

    def test_a_form_post_without_its_token_is_refused(self, client: Any, world: Any) -> None:
        borrower_signs_in(client, world.plan_phone)
        r = client.post("/portal/promise", data={"loan_id": "L-B2", "promised_date": "2030-01-01", "amount": "5"})
        assert r.status_code == 403

    def test_a_wrong_code_does_not_sign_in(self, client: Any, world: Any) -> None:
        page = client.get("/portal/signin").text
        sent = client.post("/portal/signin", data={"phone": world.plan_phone, "csrf_token": token(page)})
        r = client.post("/portal/signin/verify", data={"phone": world.plan_phone, "code": "000000",
                                                       "csrf_token": token(sent.text)})
        assert r.status_code == 401 and client.get("/portal", follow_redirects=False).status_code == 303

    def test_the_language_link_on_a_refused_form_returns_to_the_forms_page(self, client: Any, world: Any) -> None:
        """A refused form answers at its POST-only address; switching language must not land on a 405 there."""
        page = client.get("/portal/signin").text
        sent = client.post("/portal/signin", data={"phone": world.plan_phone, "csrf_token": token(page)},
                           headers={"referer": "http://testserver/portal/signin"})
        r = client.post("/portal/signin/verify", data={"phone": world.plan_phone, "code": "000000",
                                                       "csrf_token": token(sent.text)},
                        headers={"referer": "http://testserver/portal/signin"})
        link = re.search(r'href="(/lang/[^"]+)"', r.text)
        assert r.status_code == 401 and link and link.group(1).endswith("next=/portal/signin"), link
        back = client.get(link.group(1).replace("&amp;", "&"))
        assert back.status_code == 200 and str(back.url).endswith("/portal/signin")
        # without a Referer of this site the link goes home, never to the POST-only address
        r = client.post("/portal/signin/verify", data={"phone": world.plan_phone, "code": "000000",
                                                       "csrf_token": token(sent.text)},
                        headers={"referer": "https://elsewhere.example/portal/signin"})
        assert re.search(r'href="/lang/[^"]+next=/"', r.text)
        on_a_page = client.get("/portal/signin?x=1&y=2").text
        assert "next=/portal/signin%3Fx%3D1%26y%3D2" in on_a_page


class TestHardshipAndPlans:
    def test_answers_are_stored_encrypted_with_their_purpose(self, client: Any, world: Any) -> None:
        borrower_signs_in(client, world.plan_phone)
        page = client.get("/portal/hardship").text
        r = client.post("/portal/hardship", data={"reason": "job_loss", "has_income": "yes", "income": "4321",
                                                 "expenses": "3000", "dependants": "1",
                                                 "contact_times": ["evening"], "csrf_token": token(page)})
        assert r.status_code == 200
        with unit_of_work(world.url) as db:
            row = db.scalars(select(HardshipAnswers)).one()
            assert row.purpose == "repayment_plan_affordability" and '"income_minor": 432100' in row.answers
        raw = sqlite3.connect(world.url.removeprefix("sqlite:///")).execute(
            "SELECT answers FROM portal_hardship_answers").fetchone()[0]
        assert raw.startswith("v1:") and "432100" not in raw

    def test_an_affordable_plan_is_accepted_and_becomes_promises_and_a_hold(self, client: Any, world: Any) -> None:
        from web_factories import today

        borrower_signs_in(client, world.plan_phone)
        page = client.get("/portal/hardship").text
        client.post("/portal/hardship", data={"reason": "income_reduced", "has_income": "yes", "income": "9000",
                                             "expenses": "3000", "dependants": "0", "csrf_token": token(page)})
        page = client.get("/portal/plan").text
        t = today()
        dates = [t.replace(day=min(t.day, 28)).isoformat()]
        r = client.post("/portal/plan", data={"loan_id": "L-B2", "date": [t.isoformat(), _month(t, 1)],
                                             "amount": ["1000", "1000"], "csrf_token": token(page)})
        assert 'data-testid="plan-result"' in r.text and "counter-offer" not in r.text, dates
        with unit_of_work(world.url) as db:
            promises = db.scalars(select(m.Promise).where(m.Promise.borrower_id == "B2")).all()
            holds = db.scalars(select(m.Hold).where(m.Hold.borrower_id == "B2")).all()
            proposal = db.scalars(select(PlanProposal)).one()
        # the questionnaire's hardship category opened a review hold (issue 13); the accepted plan holds too
        assert [p.amount_minor for p in promises] == [100000, 100000] and len(holds) == 2
        assert {h.kind for h in holds} == {"hardship_open"}
        assert proposal.outcome == "accepted"

    def test_a_plan_without_the_questionnaire_asks_for_it(self, client: Any, world: Any) -> None:
        from web_factories import today

        borrower_signs_in(client, world.plan_phone)
        page = client.get("/portal/plan").text
        r = client.post("/portal/plan", data={"loan_id": "L-B2", "date": [today().isoformat()],
                                             "amount": ["2000"], "csrf_token": token(page)})
        assert 'href="/portal/hardship"' in r.text and 'data-testid="counter-offer"' in r.text


def _month(d: Any, n: int) -> str:
    from duecare.portal.plans import add_months

    return str(add_months(d, n).isoformat())


class TestConsole:
    def test_an_agent_sees_assigned_cases_with_personal_data_masked(self, client: Any, world: Any) -> None:
        staff_signs_in(client, "web-agent")
        page = client.get("/console/cases/B2").text
        assert "138****0002" in page and "13800000002" not in page and "李*" in page

    def test_compliance_sees_clear_data_and_the_read_is_audited(self, client: Any, world: Any) -> None:
        from duecare.privacy.models import AuditEvent

        staff_signs_in(client, "web-compliance")
        assert "13800000002" in client.get("/console/cases/B2").text
        with unit_of_work(world.url) as db:
            reads = db.scalars(select(AuditEvent).where(AuditEvent.action == "read_personal",
                                                        AuditEvent.subject == "borrower:B2")).all()
        assert any(e.actor == "staff:web-compliance" for e in reads)

    @pytest.mark.parametrize(("lang", "viewed", "purpose"), [("zh_CN", "查看个人信息", "案件处理"),
                                                             ("en", "Personal data viewed", "Case work")])
    def test_the_audit_page_names_each_action_in_words_and_keeps_its_code(self, client: Any, world: Any,
                                                                         lang: str, viewed: str, purpose: str) -> None:
        staff_signs_in(client, "web-compliance")
        client.cookies.set("duecare_lang", lang)
        client.get("/console/cases/B2")  # a read of personal data, for case work
        page = client.get("/console/audit?borrower=B2").text
        cells = re.findall(r'<td data-testid="audit-action" data-code="([^"]+)">(.*?)</td><td>[^<]*</td><td>(.*?)</td>',
                           page, re.DOTALL)
        read = next(c for c in cells if c[0] == "read_personal")
        assert f'<span title="read_personal">{viewed}</span>' in read[1] and "<code" in read[1]
        assert purpose in read[2] and "case work" not in read[2]

    @pytest.mark.parametrize(("lang", "source", "strategy"), [
        ("zh_CN", "英国《消费信贷规则手册》（CONC）7.9（具体条号未确认）；具体时段由本机构自行选择", "标准策略"),
        ("en", "CONC 7.9 (rule number unconfirmed); hours are a lender choice", "Standard strategy")])
    def test_the_policy_page_cites_sources_and_names_the_strategy_in_the_pages_language(
            self, client: Any, world: Any, lang: str, source: str, strategy: str) -> None:
        staff_signs_in(client, "web-compliance")
        client.cookies.set("duecare_lang", lang)
        page = html.unescape(client.get("/console/policy").text)
        assert source in page and f'<span title="standard">{strategy}</span>' in page
        if lang == "zh_CN":
            assert "hours are a lender choice" not in page and "duecare standard strategy" not in page

    def test_a_field_agent_cannot_open_a_case_they_are_not_assigned(self, client: Any, world: Any) -> None:
        staff_signs_in(client, "web-field_agent")
        assert client.get("/console/cases/B2").status_code == 404

    def test_the_queue_puts_the_larger_amount_at_risk_first(self, client: Any, world: Any) -> None:
        staff_signs_in(client, "web-supervisor")
        page = client.get("/console/queue").text
        assert page.index("L-B1") < page.index("L-B2")  # 3000 overdue before 2000 at the same band
        fragment = client.get("/console/queue?q=B2", headers={"hx-request": "true"}).text
        assert "<html" not in fragment and "L-B2" in fragment and "L-B1" not in fragment

    def test_an_agent_logs_a_call_and_it_appears_on_the_timeline(self, client: Any, world: Any) -> None:
        staff_signs_in(client, "web-agent")
        page = client.get("/console/cases/B2").text
        r = client.post("/console/cases/B2/calls", data={"outcome": "rpc", "direction": "outbound",
                                                          "loan_id": "L-B2", "duration_s": "95",
                                                          "csrf_token": token(page)})
        assert r.status_code == 200
        with unit_of_work(world.url) as db:
            calls = db.scalars(select(m.ContactEvent).where(m.ContactEvent.agent_id == "web-agent")).all()
        assert [(c.outcome.value, c.duration_s) for c in calls] == [("rpc", 95)]

    def test_dashboards_and_policy_pages_render_for_an_analyst(self, client: Any, world: Any) -> None:
        staff_signs_in(client, "web-analyst")
        dash = client.get("/console/dashboards")
        assert dash.status_code == 200 and 'data-chart="fig-rolls"' in dash.text
        assert "cn_quiet_hours" in client.get("/console/policy").text
        assert client.get("/console/queue").status_code == 403


class TestRiskReasons:
    def test_the_case_page_shows_the_models_band_and_reason_codes(self, client: Any, world: Any, tmp_path: Any,
                                                                 monkeypatch: Any) -> None:
        import os
        import subprocess
        import sys

        models = tmp_path / "models"
        env = {**os.environ, "DUECARE_MODELS_DIR": str(models)}
        for args in (["generate", "--accounts", "600", "--seed", "5", "--out", str(tmp_path / "p"),
                      "--as-of", "2026-11-20"],
                     ["risk", "train", "--name", "early_warning", "--portfolio", str(tmp_path / "p")]):
            proc = subprocess.run([sys.executable, "-m", "duecare.cli", *args], capture_output=True, text=True,
                                  env=env, timeout=600, check=False)
            assert proc.returncode == 0, proc.stderr
        monkeypatch.setenv("DUECARE_MODELS_DIR", str(models))
        staff_signs_in(client, "web-compliance")
        page = client.get("/console/cases/B2").text
        assert "导致评分降低" in page or "lowered the score" in page


class TestMistypedCode:
    def test_a_mistyped_code_can_be_typed_again_and_the_page_says_how_many_tries_are_left(
            self, client: Any, world: Any) -> None:
        client.cookies.set("duecare_lang", "en")
        page = client.get("/portal/signin").text
        sent = client.post("/portal/signin", data={"phone": world.plan_phone, "csrf_token": token(page)})
        code = re.search(r'data-testid="demo-code">(\d{6})<', sent.text)
        assert code and "Tries left with this code: 5." in sent.text
        wrong = "000000" if code.group(1) != "000000" else "111111"
        r = client.post("/portal/signin/verify", data={"phone": world.plan_phone, "code": wrong,
                                                       "csrf_token": token(sent.text)})
        assert r.status_code == 401 and "Tries left with this code: 4." in r.text
        assert "the same code still works" in r.text and 'id="code"' in r.text
        ok = client.post("/portal/signin/verify", data={"phone": world.plan_phone, "code": code.group(1),
                                                        "csrf_token": token(r.text)})
        assert ok.status_code == 200 and str(ok.url).endswith("/portal")

    def test_an_unknown_number_reads_the_same_answers(self, client: Any, world: Any) -> None:
        client.cookies.set("duecare_lang", "en")
        page = client.get("/portal/signin").text
        sent = client.post("/portal/signin", data={"phone": "13900000999", "csrf_token": token(page)})
        r = client.post("/portal/signin/verify", data={"phone": "13900000999", "code": "123456",
                                                       "csrf_token": token(sent.text)})
        assert r.status_code == 401 and "Tries left with this code: 4." in r.text

    def test_a_spent_code_says_when_a_new_one_can_be_asked_for(self, client: Any, world: Any) -> None:
        client.cookies.set("duecare_lang", "en")
        text = client.get("/portal/signin").text
        for _ in range(3):  # the per-number request limit: 3 codes in 10 minutes
            text = client.post("/portal/signin", data={"phone": world.plan_phone, "csrf_token": token(text)}).text
        code = re.search(r'data-testid="demo-code">(\d{6})<', text)
        assert code
        wrong = "000000" if code.group(1) != "000000" else "111111"
        for _ in range(5):
            r = client.post("/portal/signin/verify", data={"phone": world.plan_phone, "code": wrong,
                                                           "csrf_token": token(text)})
            text = r.text
        assert r.status_code == 401 and "can no longer be used" in r.text
        assert re.search(r"You can try again in (9|10) minutes", r.text)


class TestCommitmentsAndNotices:
    def test_the_plan_page_states_every_rule_and_the_affordable_amount_and_home_shows_the_accepted_plan(
            self, client: Any, world: Any) -> None:
        from web_factories import today

        client.cookies.set("duecare_lang", "en")
        borrower_signs_in(client, world.plan_phone)
        page = client.get("/portal/hardship").text
        client.post("/portal/hardship", data={"reason": "income_reduced", "has_income": "yes", "income": "9000",
                                             "expenses": "3000", "dependants": "1", "csrf_token": token(page)})
        page = client.get("/portal/plan").text
        for rule in ("PL01", "PL02", "PL03", "PL04", "PL05"):
            assert f"<strong>{rule}</strong>" in page
        # (9000 - 3000 - 500 for one dependant) x 50% = 2750; the instalment due in 20 days (1000) comes first
        assert "2,750.00" in page and "Your contractual instalments still falling due" in page
        assert re.search(r'data-testid="free-for-plan">Available for a plan each month: CN¥1,750.00', page), page
        t = today()
        client.post("/portal/plan", data={"loan_id": "L-B2", "date": [t.isoformat(), _month(t, 1)],
                                          "amount": ["1000", "1000"], "csrf_token": token(page)})
        for path in ("/portal", "/portal/loans/L-B2"):
            shown = client.get(path).text
            assert "Your repayment plan" in shown and shown.count('<span class="badge') >= 2, path
            assert "Paid CN¥0.00 of CN¥2,000.00." in shown

    def test_an_open_promise_is_shown_with_its_date_and_status(self, client: Any, world: Any) -> None:
        from web_factories import today

        client.cookies.set("duecare_lang", "en")
        borrower_signs_in(client, world.plan_phone)
        page = client.get("/portal/promise").text
        when = today().isoformat()
        r = client.post("/portal/promise", data={"loan_id": "L-B2", "promised_date": when, "amount": "2000",
                                                 "csrf_token": token(page)})
        assert r.status_code == 200
        home = client.get("/portal").text
        assert "Your promises to pay" in home and "Open: we wait for your payment" in home

    def test_an_english_speaking_borrower_reads_the_portal_in_english_after_signing_in(
            self, client: Any, world: Any) -> None:
        with unit_of_work(world.url) as db:
            db.get(m.Borrower, world.visit_borrower).language = m.Language.EN
        borrower_signs_in(client, world.visit_phone)  # no language cookie before
        assert client.cookies.get("duecare_lang") == "en"
        assert "My loans" in client.get("/portal").text

    def test_messages_link_the_real_portal_page_of_the_notice(self, client: Any, world: Any) -> None:
        from duecare.visits.models import VisitMessage

        with unit_of_work(world.url) as db:  # the short SMS/email texts carry the link; the portal copy the notice
            links = [found.group(0) for msg in db.scalars(select(VisitMessage).where(
                VisitMessage.kind == "visit_notice", VisitMessage.channel.in_(("sms", "email"))))
                     if (found := re.search(r"https?://\S+", msg.body))]
        assert links and all(re.search(r"/portal/notices/VN-[0-9a-f]+$", link) for link in links), links
        borrower_signs_in(client, world.visit_phone)
        path = "/" + links[0].split("/", 3)[3]
        assert client.get(path).status_code == 200

    def test_after_a_withdrawal_the_notice_page_says_what_happens_next(self, client: Any, world: Any) -> None:
        client.cookies.set("duecare_lang", "en")
        borrower_signs_in(client, world.visit_phone)
        page = client.get(f"/portal/notices/{world.notice_b1}").text
        for decision in ("granted", "withdrawn"):
            r = client.post(f"/portal/notices/{world.notice_b1}/decision",
                            data={"decision": decision, "csrf_token": token(page)})
            page = r.text
        assert 'data-testid="what-next"' in page and "No legal step follows automatically" in page
        assert "legal review" not in page.lower()
