"""Data-subject requests: deadlines, correction, deletion with lawful exceptions, human review."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from duecare.kit.db import session_factory
from duecare.ledger import repository
from duecare.ledger.models import Borrower
from duecare.privacy import rights
from duecare.privacy.audit import verify_chain
from duecare.privacy.permissions import Actor

from .conftest import SignIn
from .factories import NAMES, add_borrower

COMPLIANCE = Actor("staff", "C1", "compliance")


class TestDeadlines:
    def test_deadlines_follow_the_pack_and_cite_a_source(self) -> None:
        got = {j: rights.deadline_for(j, date(2026, 1, 31)) for j in ("cn", "uk", "us")}
        assert got["cn"][0] == date(2026, 2, 15)
        assert got["uk"][0] == date(2026, 2, 28)  # one month, clipped to the month's end
        assert got["us"][0] == date(2026, 3, 17)
        assert "12(3)" in got["uk"][1] and "1798.130" in got["us"][1] and "15" in got["cn"][1]


class TestRequests:
    def test_correction_changes_the_field_and_audits_only_digests(self, db: Session) -> None:
        add_borrower(db, "B1")
        req = rights.create_request(db, Actor("borrower", "B1", "borrower"), "B1", "correction", "new phone")
        rights.apply_correction(db, COMPLIANCE, req.id, "phones", "13911112222")
        db.commit()
        assert [b.id for b in repository.borrowers_by_phone(db, "13911112222")] == ["B1"]
        assert req.status == "completed"
        raw = db.connection().exec_driver_sql("SELECT * FROM audit_events").all()
        assert "13911112222" not in str(raw)
        assert verify_chain(db)[1] is None

    def test_deletion_is_refused_with_reasons_while_retention_runs(self, db: Session) -> None:
        add_borrower(db, "B1", last_day=date(2026, 1, 1))
        req = rights.create_request(db, Actor("borrower", "B1", "borrower"), "B1", "deletion")
        rights.handle_deletion(db, COMPLIANCE, req.id, as_of=date(2026, 6, 1))
        assert req.status == "refused"
        assert req.outcome is not None and "2028-01-01" in req.outcome and "PIPL Art. 47" in req.outcome
        b = db.get(Borrower, "B1")
        assert b is not None and b.name == NAMES["B1"]

    def test_deletion_anonymises_when_nothing_requires_keeping(self, db: Session) -> None:
        add_borrower(db, "B1", last_day=date(2026, 1, 1))
        req = rights.create_request(db, Actor("borrower", "B1", "borrower"), "B1", "deletion",
                                    received_at=datetime(2028, 3, 1, tzinfo=UTC))  # fmt: skip
        rights.handle_deletion(db, COMPLIANCE, req.id, as_of=date(2028, 3, 1))
        assert req.status == "completed"
        b = db.get(Borrower, "B1")
        assert b is not None and b.name == "[anonymised]"


class TestHumanReview:
    def test_a_borrower_asks_and_staff_resolve(self, client: TestClient, sign_in: SignIn, sqlite_url: str) -> None:
        with session_factory(sqlite_url)() as db:
            add_borrower(db, "B1")
            db.commit()
        csrf = sign_in(client, "borrower", "B1")
        asked = client.post("/privacy/me/reviews", headers={"X-CSRF-Token": csrf},
                            data={"loan_id": "LB1", "summary": "call: dpd 31", "reason": "I already paid"})
        assert asked.status_code == 200
        client.cookies.clear()
        staff_csrf = sign_in(client, "supervisor", "S1")
        pending = client.get("/privacy/reviews").json()
        assert [p["decision_ref"] for p in pending] == ["loan:LB1"]
        done = client.post(f"/privacy/reviews/{pending[0]['id']}", headers={"X-CSRF-Token": staff_csrf},
                           data={"outcome": "changed", "note": "payment found; contact stopped"})
        assert done.status_code == 200 and done.json()["status"] == "changed"
        assert client.get("/privacy/reviews").json() == []
        again = client.post(f"/privacy/reviews/{pending[0]['id']}", headers={"X-CSRF-Token": staff_csrf},
                            data={"outcome": "upheld", "note": "second look"})
        assert again.status_code == 409, again.text  # resolved already: the state forbids it, nothing changes
        unknown = client.post("/privacy/reviews/999999", headers={"X-CSRF-Token": staff_csrf},
                              data={"outcome": "upheld", "note": "x"})
        assert unknown.status_code == 404, unknown.text


class TestMissingAndSettled:
    """An id that names nothing is 404 and a request already closed is 409 (the errors-once taxonomy), not 422:
    the request itself was well formed."""

    def test_unknown_and_closed_requests(self, db: Session) -> None:
        import pytest

        from duecare.kit.errors import Conflict, NotFound

        add_borrower(db, "B1")
        with pytest.raises(NotFound):
            rights.create_request(db, Actor("borrower", "B9", "borrower"), "B9", "access")
        with pytest.raises(NotFound):
            rights.apply_correction(db, COMPLIANCE, 999999, "phones", "13911112222")
        req = rights.create_request(db, Actor("borrower", "B1", "borrower"), "B1", "correction", "new phone")
        with pytest.raises(NotFound):  # a correction request is not a deletion request
            rights.handle_deletion(db, COMPLIANCE, req.id, as_of=date(2026, 6, 1))
        rights.apply_correction(db, COMPLIANCE, req.id, "phones", "13911112222")
        with pytest.raises(Conflict):
            rights.apply_correction(db, COMPLIANCE, req.id, "phones", "13933334444")
