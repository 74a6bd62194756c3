"""Issue 15 item 5: visit records under data rights — the access export shows them in readable form, the
borrower corrects a report's facts through a reviewed request, anonymisation leaves no report fact or name in
any visit table, and the summary lists exactly what was stored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from duecare.kit.db import Base, unit_of_work
from duecare.kit.fields import PersonalText
from duecare.privacy.models import AuditEvent, SubjectRequest
from duecare.privacy.retention import _owned_rows, anonymise_borrower
from duecare.privacy.rights_records import RECORD_TABLES
from duecare.tables import load_all_models
from duecare.visits.models import ReportCorrection, VisitMessage, VisitReport

from .conftest import Clients, FakeClock
from .test_api_workflow import GOOD_REPORT, approve_after_the_notice_period, at_the_door, run_to_consent


@pytest.fixture
def api(seeded: str, clock: FakeClock) -> Iterator[Clients]:
    """The whole web app (visit API, portal and console pages) on the seeded store, with the movable clock."""
    from duecare.app.factory import create_app

    app = create_app(seeded)
    app.state.clock = clock
    yield Clients(seeded, app)


def _filed(api: Clients, clock: FakeClock) -> str:
    """A visit run to a filed report (GOOD_REPORT) and reviewed with a comment; returns the visit id."""
    vid, _ = run_to_consent(api, clock)
    approve_after_the_notice_period(api, clock, vid)
    visit = api.staff("S1", "supervisor").post(f"/visits/{vid}/schedule", json={}).json()
    _, times = at_the_door(api, clock, visit)
    r = api.staff(visit["agents"][1], "field_agent").post(f"/visits/{vid}/report", json=GOOD_REPORT | times)
    assert r.status_code == 200, r.text
    r = api.staff("S2", "supervisor").post(f"/visits/{vid}/review", json={"comment": "report within scope"})
    assert r.status_code == 200, r.text
    return vid


def _export(api: Clients) -> dict[str, Any]:
    r = api.borrower("B1").get("/portal/data/export.json")
    assert r.status_code == 200
    return r.json()  # type: ignore[no-any-return]


class TestTheAccessExport:
    def test_it_holds_the_notice_the_report_the_events_and_the_messages_in_readable_form(
            self, api: Clients, clock: FakeClock, seeded: str) -> None:
        vid = _filed(api, clock)
        [record] = _export(api)["visit_records"]
        assert record["visit"] == vid and record["state"] == "reviewed"
        assert "上门" in record["notices"][0]["text"]
        facts = {f["field"]: (f["label"], f["value"]) for f in record["report"]["facts"]}
        assert facts["monthly_income"][1] == "6000.00" and facts["hardship_category"][1] == "reduced_income"
        assert record["report"]["notes"] == GOOD_REPORT["notes"]
        assert record["report"]["recording"] == "REC-2026-000123"
        assert "report within scope" in [e["comment"] for e in record["events"]]
        summary = [m for m in record["messages"] if m["kind"] == "visit_summary" and m["channel"] == "portal"]
        assert summary and "6000.00" in summary[0]["text"]


class TestCorrectingAReport:
    def _ask(self, api: Clients, vid: str, value: str = "5000") -> int:
        r = api.borrower("B1").post("/portal/data/visit-correction", follow_redirects=False,
                                    data={"visit": vid, "field": "monthly_income", "value": value,
                                          "reason": "my income fell last month"})
        assert r.status_code == 303, r.text
        with unit_of_work(api.url) as s:
            return s.scalars(select(ReportCorrection.request_id)).one()

    def test_an_approved_correction_changes_the_report_and_keeps_the_original(
            self, api: Clients, clock: FakeClock, seeded: str) -> None:
        vid = _filed(api, clock)
        rid = self._ask(api, vid)
        inbox = api.staff("C1", "compliance").get("/console/inbox")
        assert f'data-testid="report-correction-{rid}"' in inbox.text
        r = api.staff("C1", "compliance").post(f"/console/inbox/requests/{rid}/report-correction",
                                               data={"decision": "approve"}, follow_redirects=False)
        assert r.status_code == 303, r.text
        with unit_of_work(api.url) as s:
            assert json.loads(s.get_one(VisitReport, vid).fields_json)["monthly_income"] == "5000.00"
            row = s.scalars(select(ReportCorrection)).one()
            assert (row.status, json.loads(row.before or "null"), row.decided_by) == ("applied", "6000.00", "C1")
            assert s.get_one(SubjectRequest, rid).status == "completed"
            actions = list(s.scalars(select(AuditEvent.action)))
            assert "rights_report_correction_applied" in actions
        [record] = _export(api)["visit_records"]
        assert record["report"]["corrections"][0]["original_value"] == '"6000.00"'

    def test_a_refusal_needs_reasons_and_the_borrower_sees_them(
            self, api: Clients, clock: FakeClock, seeded: str) -> None:
        vid = _filed(api, clock)
        rid = self._ask(api, vid)
        compliance = api.staff("C1", "compliance")
        url = f"/console/inbox/requests/{rid}/report-correction"
        assert compliance.post(url, data={"decision": "refuse"}).status_code == 422
        r = compliance.post(url, data={"decision": "refuse", "note": "the recording shows 6000"},
                            follow_redirects=False)
        assert r.status_code == 303
        with unit_of_work(api.url) as s:
            assert json.loads(s.get_one(VisitReport, vid).fields_json)["monthly_income"] == "6000.00"
        assert "the recording shows 6000" in api.borrower("B1").get("/portal/data").text

    def test_a_value_the_field_cannot_hold_is_refused_at_once(
            self, api: Clients, clock: FakeClock, seeded: str) -> None:
        vid = _filed(api, clock)
        r = api.borrower("B1").post("/portal/data/visit-correction",
                                    data={"visit": vid, "field": "monthly_income", "value": "a lot"})
        assert r.status_code == 422
        r = api.borrower("B2").post("/portal/data/visit-correction",
                                    data={"visit": vid, "field": "monthly_income", "value": "1"})
        assert r.status_code == 404  # not their report (the same answer as no report at all)
        assert api.staff("A1", "agent").post("/console/inbox/requests/1/report-correction",
                                             data={"decision": "approve"}).status_code == 403


class TestAnonymisation:
    def test_every_table_with_personal_data_is_reached(self) -> None:
        load_all_models()
        for table in Base.metadata.sorted_tables:
            if any(isinstance(c.type, PersonalText) for c in table.columns) and table.name != "staff_users":
                assert _owned_rows(table, "B1", ["L1"]) is not None, table.name

    def test_no_visit_row_keeps_a_fact_or_the_borrowers_name(
            self, api: Clients, clock: FakeClock, seeded: str) -> None:
        vid = _filed(api, clock)
        with unit_of_work(api.url) as s:
            anonymise_borrower(s, "B1")
        load_all_models()
        leaks = []
        with unit_of_work(api.url) as s:
            for name in RECORD_TABLES:
                table = Base.metadata.tables[name]
                for row in s.execute(select(table)).mappings():
                    for col, value in row.items():
                        if isinstance(value, str) and any(w in value for w in (
                                "6000", "reduced_income", "3500", "王", "收入下降", "report within scope")):
                            leaks.append((name, col))
            assert not leaks, leaks
            assert s.get_one(VisitReport, vid).notes is None
            assert s.scalars(select(VisitMessage)).first() is not None  # rows kept, text gone


def test_the_summary_lists_the_notes_the_recording_and_what_the_visit_changed(
        api: Clients, clock: FakeClock, seeded: str) -> None:
    _filed(api, clock)
    with unit_of_work(api.url) as s:
        body = s.scalars(select(VisitMessage.body).where(VisitMessage.kind == "visit_summary",
                                                         VisitMessage.channel == "portal")).one()
    assert GOOD_REPORT["notes"] in body
    assert "REC-2026-000123" in body and "保存2年" in body
    assert "还款承诺" in body and "月收入: 6000.00" in body
