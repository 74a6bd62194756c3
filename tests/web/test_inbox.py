"""The staff inbox: each kind of borrower request from the portal to its answer, with its deadline and the
time left, overdue items standing out, every step in the audit chain, and who may do what."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from test_pages import borrower_signs_in, staff_signs_in, token
from web_factories import today

from duecare.kit.db import unit_of_work
from duecare.ledger.models import Hold, HoldKind
from duecare.portal.models import Complaint
from duecare.privacy import rights
from duecare.privacy.models import AuditEvent, ReviewRequest, SubjectRequest
from duecare.privacy.permissions import Actor


def _actions(url: str) -> list[str]:
    with unit_of_work(url) as db:
        return list(db.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def _card(page: str, testid: str) -> str:
    return page.split(f'data-testid="{testid}"')[1].split("</section>")[0]


class TestComplaints:
    def test_a_complaint_gets_a_reference_and_deadline_and_the_answer_reaches_the_borrower(self, client: Any,
                                                                                          world: Any) -> None:
        borrower_signs_in(client, world.plan_phone)
        page = client.get("/portal/complaint").text
        r = client.post("/portal/complaint", data={"category": "contact_frequency", "text": "Too many calls at work",
                                                   "csrf_token": token(page)})
        with unit_of_work(world.url) as db:
            c = db.scalars(select(Complaint)).one()
            ref, due = f"C-{c.id:06d}", c.reply_due
        assert due == today() + timedelta(days=15)  # cn: a decision within 15 days of the borrower's day
        assert ref in r.text  # the borrower sees the reference and the reply deadline
        client.cookies.clear()
        staff_signs_in(client, "web-compliance")
        inbox = client.get("/console/inbox").text
        card = _card(inbox, f"complaint-{c.id}")
        assert ref in card and "15" in card and "Too many calls at work" in card
        r = client.post(f"/console/inbox/complaints/{c.id}/assign", data={"csrf_token": token(inbox)})
        assert "done=assigned" in str(r.url)
        r = client.post(f"/console/inbox/complaints/{c.id}/answer", data={
            "reply": "We have limited calls to one a day.", "csrf_token": token(r.text)})
        assert "done=answered" in str(r.url) and f'data-testid="complaint-{c.id}"' not in r.text
        assert {"complaint_received", "complaint_assigned", "complaint_answered"} <= set(_actions(world.url))
        client.cookies.clear()
        borrower_signs_in(client, world.plan_phone)
        assert "We have limited calls to one a day." in client.get("/portal/data").text


class TestDataRequests:
    def test_a_correction_request_is_answered_from_the_inbox(self, client: Any, world: Any) -> None:
        borrower_signs_in(client, world.plan_phone)
        page = client.get("/portal/data").text
        client.post("/portal/data/request", data={"kind": "correction", "details": "email is now new@example.com",
                                                  "csrf_token": token(page)})
        client.cookies.clear()
        staff_signs_in(client, "web-compliance")
        inbox = client.get("/console/inbox").text
        with unit_of_work(world.url) as db:
            req = db.scalars(select(SubjectRequest)).one()
        card = _card(inbox, f"request-{req.id}")
        assert re.search(r"1[45] (days left|天剩余)", card)  # 15 days, counted in the borrower's calendar
        r = client.post(f"/console/inbox/requests/{req.id}/answer", data={"field": "email", "value": "new@example.com",
                                                                       "csrf_token": token(inbox)})
        assert "done=answered" in str(r.url)
        with unit_of_work(world.url) as db:
            assert db.get(SubjectRequest, req.id).status == "completed"  # type: ignore[union-attr]
        assert "rights_correction_applied" in _actions(world.url)
        assert re.search(r'<option value="email">(Email|电子邮件)</option>', inbox)  # the field's label, not its code
        client.cookies.clear()
        client.cookies.set("duecare_lang", "zh_CN")
        borrower_signs_in(client, world.plan_phone)
        mine = client.get("/portal/data").text
        outcome = mine.split('data-testid="request-outcome">')[1].split("</span>")[0]
        assert outcome == "已更正：电子邮件" or ("已更正" in outcome and "corrected" not in outcome), outcome

    def test_an_access_request_is_answered_and_an_overdue_one_stands_out(self, client: Any, world: Any) -> None:
        with unit_of_work(world.url) as db:
            me = Actor(kind="borrower", id="B2", role="borrower")
            late = rights.create_request(db, me, "B2", "access", received_at=datetime.now(UTC) - timedelta(days=20))
            late_id = late.id
        staff_signs_in(client, "web-compliance")
        inbox = client.get("/console/inbox").text
        assert 'data-testid="overdue-count"' in inbox
        assert re.search(r'class="badge bad" data-testid="due">[^<]*[456] ', _card(inbox, f"request-{late_id}"))
        r = client.post(f"/console/inbox/requests/{late_id}/assign", data={"csrf_token": token(inbox)})
        r = client.post(f"/console/inbox/requests/{late_id}/answer", data={"csrf_token": token(r.text)})
        assert "done=answered" in str(r.url)
        assert {"rights_request_assigned", "rights_access_answered"} <= set(_actions(world.url))


class TestReviewsAndHardship:
    def test_a_human_review_request_is_decided_with_a_note(self, client: Any, world: Any) -> None:
        borrower_signs_in(client, world.plan_phone)
        page = client.get("/portal/decisions").text
        client.post("/portal/decisions/review", data={"loan_id": "L-B2", "reason": "I paid last week",
                                                      "csrf_token": token(page)})
        client.cookies.clear()
        staff_signs_in(client, "web-supervisor")
        inbox = client.get("/console/inbox").text
        with unit_of_work(world.url) as db:
            review = db.scalars(select(ReviewRequest)).one()
        assert "I paid last week" in _card(inbox, f"review-{review.id}")
        assert 'id="requests"' not in inbox  # data requests are compliance's
        r = client.post(f"/console/inbox/reviews/{review.id}", data={"outcome": "upheld", "note": "",
                                                                   "csrf_token": token(inbox)})
        assert r.status_code == 422
        r = client.post(f"/console/inbox/reviews/{review.id}", data={"outcome": "upheld", "note": "Payment not found",
                                                                   "csrf_token": token(r.text)})
        assert "done=reviewed" in str(r.url)
        with unit_of_work(world.url) as db:
            assert db.get(ReviewRequest, review.id).status == "upheld"  # type: ignore[union-attr]

    def test_the_reviewed_decision_is_shown_in_words_in_the_readers_language(self, client: Any, world: Any) -> None:
        """The stored summary is `action (reasons); policy version`: the card shows the action's and the reasons'
        labels in Chinese, never the codes."""
        from duecare.kit.i18n import translate
        from duecare.web.labels import label

        borrower_signs_in(client, world.plan_phone)
        page = client.get("/portal/decisions").text
        client.post("/portal/decisions/review", data={"loan_id": "L-B2", "reason": "", "csrf_token": token(page)})
        client.cookies.clear()
        client.cookies.set("duecare_lang", "zh_CN")
        staff_signs_in(client, "web-supervisor")
        inbox = client.get("/console/inbox").text
        with unit_of_work(world.url) as db:
            review = db.scalars(select(ReviewRequest)).one()
            summary = str(review.decision_summary)
        action, reasons = summary.split(" (")[0], summary.split(" (")[1].split(")")[0].split(", ")
        shown = re.sub(r"<[^>]+>", "", _card(inbox, f"review-{review.id}").split('data-testid="review-decision">')[1]
                       .split("</p>")[0])
        assert translate("zh", label("action", action)) in shown
        for r in reasons:
            assert translate("zh", label("reason", r)) in shown and r not in shown, r
        assert action not in shown.split("·")[0]

    def test_compliance_closes_a_hardship_review(self, client: Any, world: Any) -> None:
        with unit_of_work(world.url) as db:
            db.add(Hold(id="H-1", borrower_id="B2", loan_id="L-B2", kind=HoldKind.HARDSHIP_OPEN,
                        opened_at=datetime.now(UTC) - timedelta(days=2)))
        staff_signs_in(client, "web-compliance")
        inbox = client.get("/console/inbox").text
        assert 'data-testid="hardship-H-1"' in inbox
        r = client.post("/console/inbox/hardship/H-1/close", data={"csrf_token": token(inbox)})
        assert "done=closed" in str(r.url)
        with unit_of_work(world.url) as db:
            assert db.get(Hold, "H-1").closed_at is not None  # type: ignore[union-attr]

    def test_an_agent_has_no_inbox(self, client: Any, world: Any) -> None:
        staff_signs_in(client, "web-agent")
        assert client.get("/console/inbox").status_code == 403


class TestReferralsAndHardship:
    def _referral(self, url: str) -> int:
        """A plan the rules referred: the borrower's essentials leave nothing to pay with (through the portal's
        own evaluation and record)."""
        from duecare.portal import plans
        from duecare.portal.plans import Affordability, Instalment

        t = today()
        result = plans.evaluate([Instalment(t, 10_000)], 200_000, t, Affordability(300_000, 300_000, 0))
        assert result.outcome == "referred"
        with unit_of_work(url) as db:
            return plans.record_proposal(db, "B2", "L-B2", [Instalment(t, 10_000)], result,
                                         datetime.now(UTC)).id

    def test_a_specialist_takes_and_closes_a_referral_and_each_step_is_audited(self, client: Any,
                                                                              world: Any) -> None:
        from duecare.console.models import InboxHandling

        pid = self._referral(world.url)
        staff_signs_in(client, "web-compliance")
        page = client.get("/console/inbox").text
        card = _card(page, f"referral-{pid}")
        assert f"/console/inbox/referrals/{pid}/assign" in card
        r = client.post(f"/console/inbox/referrals/{pid}/assign", data={"csrf_token": token(page)})
        assert "done=assigned" in str(r.url)
        assert "web-compliance" in _card(r.text, f"referral-{pid}")
        refused = client.post(f"/console/inbox/referrals/{pid}/close",
                              data={"outcome": "plan_agreed", "note": " ", "csrf_token": token(r.text)})
        assert refused.status_code == 422
        done = client.post(f"/console/inbox/referrals/{pid}/close",
                           data={"outcome": "forbearance", "note": "Three months at half", "csrf_token": token(r.text)})
        assert "done=referral_closed" in str(done.url) and f'data-testid="referral-{pid}"' not in done.text
        again = client.post(f"/console/inbox/referrals/{pid}/close",
                            data={"outcome": "other", "note": "x", "csrf_token": token(done.text)})
        assert again.status_code == 409  # already closed: a conflict, not bad input
        with unit_of_work(world.url) as db:
            row = db.scalars(select(InboxHandling).where(InboxHandling.item_id == str(pid))).one()
            assert (row.assigned_to, row.closed_by, row.outcome, row.note) == (
                "web-compliance", "web-compliance", "forbearance", "Three months at half")
        actions = _actions(world.url)
        assert actions.index("referral_assigned") < actions.index("referral_closed")

    def test_a_hardship_review_is_taken_then_closed(self, client: Any, world: Any) -> None:
        with unit_of_work(world.url) as db:
            db.add(Hold(id="H-2", borrower_id="B2", loan_id="L-B2", kind=HoldKind.HARDSHIP_OPEN,
                        opened_at=datetime.now(UTC) - timedelta(days=1)))
        staff_signs_in(client, "web-compliance")
        page = client.get("/console/inbox").text
        r = client.post("/console/inbox/hardship/H-2/assign", data={"csrf_token": token(page)})
        assert "done=assigned" in str(r.url) and "Handled by" in _card(r.text, "hardship-H-2") or \
            "web-compliance" in _card(r.text, "hardship-H-2")
        r = client.post("/console/inbox/hardship/H-2/close", data={"note": "Income back", "csrf_token": token(r.text)})
        assert "done=closed" in str(r.url)
        actions = _actions(world.url)
        assert actions.index("hardship_review_assigned") < actions.index("hardship_review_closed")

    def test_an_analyst_cannot_take_a_referral(self, client: Any, world: Any) -> None:
        pid = self._referral(world.url)
        staff_signs_in(client, "web-analyst")
        page = client.get("/console").text
        r = client.post(f"/console/inbox/referrals/{pid}/assign", data={"csrf_token": token(page)},
                        follow_redirects=False)
        assert r.status_code == 403
