"""Alternatives to a visit through the pages (issue 17, HTTP): the notice offers them before consent, choosing one
pauses the visit, the questionnaire completes it and a person's confirmation closes the visit need; documents are
uploaded (bounded while streaming, checked by content) and opened only by staff with a need to know."""

from __future__ import annotations

import io
from typing import Any

import web_factories as f
from PIL import Image
from sqlalchemy import select
from test_pages import borrower_signs_in, staff_signs_in, token

from duecare.kit import clock
from duecare.kit.db import unit_of_work
from duecare.ledger.models import Alternative, AlternativeKind, AlternativeState
from duecare.ledger.repository import borrower_frames
from duecare.policy.evaluator import decide
from duecare.visits.models import RemoteDocument, VisitCase


def _visit_state(url: str, borrower_id: str) -> str:
    with unit_of_work(url) as db:
        return db.scalars(select(VisitCase.state).where(VisitCase.borrower_id == borrower_id)).one().value


def _unmet(url: str, borrower_id: str) -> list[str]:
    with unit_of_work(url) as db:
        return list(decide(borrower_frames(db, borrower_id), clock.now()).row(0, named=True)["visit_unmet"])


def _choose(client: Any, world: Any, kind: str) -> Any:
    page = client.get(f"/portal/notices/{world.notice_b1}").text
    return client.post(f"/portal/notices/{world.notice_b1}/alternative",
                       data={"kind": kind, "csrf_token": token(page)}, follow_redirects=False)


def _jpeg_with_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SecretPhoneMaker"
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 200, 10)).save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


class TestTheNoticeOffersAlternativesFirst:
    def test_every_alternative_of_the_strategy_is_offered_before_consent(self, client: Any, world: Any) -> None:
        borrower_signs_in(client, world.visit_phone)
        page = client.get(f"/portal/notices/{world.notice_b1}").text
        offered = page.index('data-testid="alternatives"')
        assert offered < page.index('value="granted"')  # before the consent buttons
        for kind in ("questionnaire", "documents", "video", "phone_appointment", "plan"):
            assert f'data-testid="alt-{kind}"' in page

    def test_choosing_one_pauses_the_visit(self, client: Any, world: Any) -> None:
        borrower_signs_in(client, world.visit_phone)
        r = _choose(client, world, "video")
        assert r.status_code == 303 and r.headers["location"] == "/portal/video"
        assert _visit_state(world.url, "B1") == "on_hold"
        assert "alternative_in_progress" in _unmet(world.url, "B1")
        page = client.get(f"/portal/notices/{world.notice_b1}").text
        assert 'data-testid="alternative-running"' in page
        assert _choose(client, world, "teleport").status_code == 422

    def test_the_questionnaire_completes_it_and_a_persons_confirmation_closes_the_visit_need(
        self, client: Any, world: Any
    ) -> None:
        borrower_signs_in(client, world.visit_phone)
        assert _choose(client, world, "questionnaire").headers["location"] == "/portal/hardship"
        page = client.get("/portal/hardship").text
        r = client.post("/portal/hardship", data={"csrf_token": token(page), "reason": "job_loss", "has_income": "yes",
                                                  "income": "3000", "expenses": "2000", "dependants": "0"},
                        follow_redirects=False)
        assert r.status_code in (200, 303), r.text[:300]
        with unit_of_work(world.url) as db:
            alt = db.scalars(select(Alternative).where(Alternative.kind == AlternativeKind.QUESTIONNAIRE)).one()
            assert alt.state == AlternativeState.COMPLETED and (alt.evidence_ref or "").startswith("portal_contact:")
        client.cookies.clear()
        staff_signs_in(client, "web-agent")
        page = client.get("/console/alternatives").text
        assert f'data-testid="verify-{alt.id}"' in page
        r = client.post(f"/console/alternatives/{alt.id}/verify", data={"csrf_token": token(page), "evidence": ""},
                        follow_redirects=False)
        assert r.status_code == 303
        with unit_of_work(world.url) as db:
            assert db.get_one(Alternative, alt.id).state == AlternativeState.VERIFIED
        assert "verified_remotely" in _unmet(world.url, "B1")
        assert _visit_state(world.url, "B1") == "cancelled"

    def test_a_field_agent_and_an_analyst_cannot_verify(self, client: Any, world: Any) -> None:
        for who in ("web-field_agent", "web-analyst"):
            client.cookies.clear()
            staff_signs_in(client, who)
            assert client.get("/console/alternatives").status_code == 403


class TestDocumentsThroughThePortal:
    def test_an_upload_is_cleaned_encrypted_and_shown_only_to_staff_with_a_need_to_know(
        self, client: Any, world: Any
    ) -> None:
        borrower_signs_in(client, world.visit_phone)
        page = client.get("/portal/documents").text
        r = client.post("/portal/documents", data={"csrf_token": token(page), "kind": "income"},
                        files={"file": ("payslip.jpg", _jpeg_with_exif(), "image/jpeg")}, follow_redirects=False)
        assert r.status_code == 303, r.text[:300]
        assert 'data-testid="doc-row"' in client.get("/portal/documents").text
        export = client.get("/portal/data/export.json").json()
        assert len(export["tables"]["remote_documents"]) == 1
        with unit_of_work(world.url) as db:
            doc = db.scalars(select(RemoteDocument)).one()
        client.cookies.clear()
        staff_signs_in(client, "web-agent")  # assigned to B1
        got = client.get(f"/console/documents/{doc.id}")
        assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
        assert "attachment" in got.headers["content-disposition"] and b"SecretPhoneMaker" not in got.content
        assert f"/console/documents/{doc.id}" in client.get("/console/alternatives").text
        with unit_of_work(world.url) as db:
            f.staff(db, "agent", "web-agent-2")  # not assigned to B1
        client.cookies.clear()
        staff_signs_in(client, "web-agent-2")
        assert client.get(f"/console/documents/{doc.id}").status_code == 404
        client.cookies.clear()
        staff_signs_in(client, "web-field_agent")
        assert client.get(f"/console/documents/{doc.id}").status_code == 403

    def test_wrong_type_and_oversize_are_refused_and_nothing_is_stored(self, client: Any, world: Any) -> None:
        borrower_signs_in(client, world.visit_phone)
        page = client.get("/portal/documents").text
        r = client.post("/portal/documents", data={"csrf_token": token(page), "kind": "income"},
                        files={"file": ("payslip.pdf", b"MZ\x90\x00" + b"\x00" * 500, "application/pdf")})
        assert r.status_code == 415 and 'data-code="wrong_type"' in r.text
        big = b"%PDF-1.4\n" + b"0" * (6 * 1024 * 1024)
        r = client.post("/portal/documents", data={"csrf_token": token(page), "kind": "income"},
                        files={"file": ("big.pdf", big, "application/pdf")})
        assert r.status_code == 413  # refused by the body limit while streaming, before any parsing
        with unit_of_work(world.url) as db:
            assert db.scalars(select(RemoteDocument)).all() == []
