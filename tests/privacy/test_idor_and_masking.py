"""Borrowers reach only their own records; staff see their scope, masked by role; reads are audited."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.kit.db import session_factory
from duecare.privacy import rights
from duecare.privacy.masking import mask_email, mask_id_number, mask_name, mask_phone, mask_record
from duecare.privacy.models import AuditEvent
from duecare.privacy.permissions import Actor
from duecare.privacy.scope import can_read_borrower

from .conftest import SignIn
from .factories import NAMES, PHONES, add_borrower, add_staff, assign


@pytest.fixture
def two_borrowers(sqlite_url: str) -> None:
    with session_factory(sqlite_url)() as db:
        add_borrower(db, "B1")
        add_borrower(db, "B2")
        add_staff(db, "A1", "agent")
        assign(db, "B1", "A1")
        b2 = Actor("borrower", "B2", "borrower")
        rights.create_request(db, b2, "B2", "access")
        rights.request_review(db, b2, "B2", "loan:LB2", None, "please check")
        db.commit()


class TestBorrowerIdor:
    def test_the_export_holds_only_the_signed_in_borrower(
        self, client: TestClient, sign_in: SignIn, two_borrowers: None
    ) -> None:
        sign_in(client, "borrower", "B1")
        export = client.get("/privacy/me/export").json()
        text = str(export)
        assert export["borrower_id"] == "B1" and NAMES["B1"] in text
        assert NAMES["B2"] not in text and "LB2" not in text and PHONES["B2"] not in text

    def test_another_borrowers_request_looks_missing(
        self, client: TestClient, sign_in: SignIn, two_borrowers: None, sqlite_url: str
    ) -> None:
        with session_factory(sqlite_url)() as db:
            from duecare.privacy.models import SubjectRequest

            b2_request = db.execute(select(SubjectRequest.id)).scalar_one()
        sign_in(client, "borrower", "B1")
        assert client.get(f"/privacy/me/requests/{b2_request}").status_code == 404
        assert client.get("/privacy/me/requests").json() == []
        assert client.get("/privacy/me/reviews").json() == []

    def test_a_review_cannot_be_asked_for_someone_elses_loan(
        self, client: TestClient, sign_in: SignIn, two_borrowers: None
    ) -> None:
        csrf = sign_in(client, "borrower", "B1")
        r = client.post("/privacy/me/reviews", data={"loan_id": "LB2", "reason": "x"}, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 404
        ok = client.post("/privacy/me/reviews", data={"loan_id": "LB1"}, headers={"X-CSRF-Token": csrf})
        assert ok.status_code == 200 and ok.json()["borrower_id"] == "B1"

    def test_extra_ids_in_the_body_are_ignored(self, client: TestClient, sign_in: SignIn, two_borrowers: None) -> None:
        csrf = sign_in(client, "borrower", "B1")
        r = client.post("/privacy/me/requests", data={"kind": "access", "borrower_id": "B2"},
                        headers={"X-CSRF-Token": csrf})  # fmt: skip
        assert r.status_code == 200 and r.json()["borrower_id"] == "B1"

    def test_a_borrower_cannot_use_staff_routes(self, client: TestClient, sign_in: SignIn, two_borrowers: None) -> None:
        sign_in(client, "borrower", "B1")
        assert client.get("/privacy/borrowers/B2").status_code == 403
        assert client.get("/privacy/borrowers/B2/export").status_code == 403


class TestStaffScope:
    def test_an_agent_sees_assigned_borrowers_masked(
        self, client: TestClient, sign_in: SignIn, two_borrowers: None
    ) -> None:
        sign_in(client, "agent", "A1")
        body = client.get("/privacy/borrowers/B1").json()
        assert body["name"] == "王*" and body["phones"] == ["138****8000"] and body["email"] == "b***@example.com"
        assert body["address"] == "上海"

    def test_an_agent_cannot_see_unassigned_borrowers(
        self, client: TestClient, sign_in: SignIn, two_borrowers: None
    ) -> None:
        sign_in(client, "agent", "A1")
        assert client.get("/privacy/borrowers/B2").status_code == 404

    def test_compliance_sees_clear_text_and_the_read_is_audited(
        self, client: TestClient, sign_in: SignIn, two_borrowers: None, sqlite_url: str
    ) -> None:
        sign_in(client, "compliance", "C1")
        body = client.get("/privacy/borrowers/B2").json()
        assert body["name"] == NAMES["B2"]
        with session_factory(sqlite_url)() as db:
            ev = db.execute(select(AuditEvent).where(AuditEvent.action == "read_personal")).scalars().all()
        assert [(e.actor, e.subject) for e in ev] == [("staff:C1", "borrower:B2")]

    def test_an_analyst_reads_no_borrower(self, db: Session, two_borrowers: None) -> None:
        assert not can_read_borrower(db, Actor("staff", "N1", "analyst"), "B1")
        assert can_read_borrower(db, Actor("staff", "X", "supervisor"), "B2")
        assert can_read_borrower(db, Actor("borrower", "B1", "borrower"), "B1")
        assert not can_read_borrower(db, Actor("borrower", "B1", "borrower"), "B2")


class TestMasks:
    def test_masks(self) -> None:
        assert mask_phone("13812341234") == "138****1234"
        assert mask_phone("+86 138 1234 1234") == mask_phone("+8613812341234") == "138****1234"  # no country code
        assert mask_name("王芳") == "王*" and mask_name("王小明") == "王**" and mask_name("Jane Doe") == "J*** D**"
        assert mask_email("wang@example.com") == "w***@example.com"
        assert mask_id_number("11010519491231002X") == "110105********002X"

    def test_nested_records_are_masked_for_agents_only(self) -> None:
        rec = {"borrower": {"name": "王芳", "phones": ["13812341234"], "city": "上海", "address": "XX路1号"}, "dpd": 31}
        agent = mask_record(rec, Actor("staff", "A", "agent"))
        assert agent == {"borrower": {"name": "王*", "phones": ["138****1234"], "city": "上海", "address": "上海"},
                         "dpd": 31}  # fmt: skip
        assert mask_record(rec, Actor("staff", "C", "compliance")) == rec
        revealed = mask_record(rec, Actor("staff", "F", "field_agent"), reveal=["address"])
        assert revealed["borrower"]["address"] == "XX路1号" and revealed["borrower"]["name"] == "王*"
