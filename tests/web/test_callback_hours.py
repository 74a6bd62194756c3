"""The borrower states the hours a call suits them on a portal page; a console callback outside those hours is
refused with the next time inside both them and the lawful hours; the case page shows them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import select
from test_pages import borrower_signs_in, staff_signs_in, token

from duecare.app.factory import create_app
from duecare.console.models import CaseNote
from duecare.contacts.preferences import get_preferences
from duecare.kit.db import unit_of_work

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _next(weekday: int) -> date:
    """The next date (from the day after tomorrow, Shanghai) falling on `weekday` (0 = Monday)."""
    d = datetime.now(SHANGHAI).date() + timedelta(days=2)
    return d + timedelta(days=(weekday - d.weekday()) % 7)


def _states_weekday_evenings(client: Any) -> Any:
    page = client.get("/portal/callback-hours")
    assert page.status_code == 200 and "data-testid=\"hours-form\"" in page.text
    return client.post("/portal/callback-hours", data={
        "days": ["mon", "tue", "wed", "thu", "fri"], "start": "18:00", "end": "20:00", "csrf_token": token(page.text)})


def test_a_borrower_states_weekday_evenings_and_sees_them(client: Any, world: Any) -> None:
    borrower_signs_in(client, world.plan_phone)
    saved = _states_weekday_evenings(client)
    assert saved.status_code == 200 and str(saved.url).endswith("done=hours_saved")
    assert "18:00–20:00" in saved.text
    with unit_of_work(world.url) as db:
        prefs = get_preferences(db, world.plan_borrower)
        assert prefs is not None and [(w.start, w.end, len(w.days)) for w in prefs.hours] == [("18:00", "20:00", 5)]


def test_a_window_ending_before_it_starts_or_without_days_is_refused(client: Any, world: Any) -> None:
    borrower_signs_in(client, world.plan_phone)
    page = client.get("/portal/callback-hours").text
    backwards = client.post("/portal/callback-hours", data={"days": ["mon"], "start": "20:00", "end": "18:00",
                                                            "csrf_token": token(page)})
    assert backwards.status_code == 422 and "data-testid=\"hours-error\"" in backwards.text
    no_day = client.post("/portal/callback-hours", data={"start": "18:00", "end": "20:00", "csrf_token": token(page)})
    assert no_day.status_code == 422
    with unit_of_work(world.url) as db:
        assert get_preferences(db, world.plan_borrower) is None


def test_a_window_wholly_outside_the_lawful_hours_is_refused_and_one_overlapping_them_is_saved(
        client: Any, world: Any) -> None:
    """Found walking the demo: 23:00–23:30 was thanked for, though no call may ever be made then (cn: 08–22)."""
    borrower_signs_in(client, world.plan_phone)
    client.get("/lang/en?next=/portal")
    page = client.get("/portal/callback-hours").text
    late = client.post("/portal/callback-hours", data={"days": ["mon"], "start": "23:00", "end": "23:30",
                                                       "csrf_token": token(page)})
    assert late.status_code == 409 and "wholly outside the hours when we may call you" in late.text
    with unit_of_work(world.url) as db:
        assert get_preferences(db, world.plan_borrower) is None
    edge = client.post("/portal/callback-hours", data={"days": ["mon"], "start": "21:00", "end": "23:00",
                                                       "csrf_token": token(page)})
    assert edge.status_code == 200  # 21:00-22:00 of it is lawful: calls fall there
    with unit_of_work(world.url) as db:
        prefs = get_preferences(db, world.plan_borrower)
        assert prefs is not None and [(w.start, w.end) for w in prefs.hours] == [("21:00", "23:00")]


def test_a_callback_outside_the_stated_hours_is_refused_and_one_inside_is_saved(client: Any, world: Any) -> None:
    borrower_signs_in(client, world.plan_phone)
    assert _states_weekday_evenings(client).status_code == 200
    with TestClient(create_app(world.url), headers={"accept": "text/html"}) as staff:
        staff_signs_in(staff, "web-agent")
        page = staff.get("/console/cases/B2").text
        assert "data-testid=\"stated-hours\"" in page and "18:00–20:00" in page
        monday = _next(0)
        morning = staff.post("/console/cases/B2/callbacks", data={"due_at": f"{monday}T10:00", "text": "x",
                                                                  "csrf_token": token(page)})
        assert morning.status_code == 409
        assert "不在借款人在门户中要求的接听时段内（mon,tue,wed,thu,fri 18:00-20:00" in morning.text  # a Chinese reader
        assert f"下一个符合的时间是 {monday} 18:00（Asia/Shanghai）" in morning.text
        sat = _next(5)
        saturday = staff.post("/console/cases/B2/callbacks", data={"due_at": f"{sat}T18:30", "text": "x",
                                                                   "csrf_token": token(page)})
        assert saturday.status_code == 409
        assert f"下一个符合的时间是 {sat + timedelta(days=2)} 18:00" in saturday.text
        with unit_of_work(world.url) as db:
            assert db.scalars(select(CaseNote).where(CaseNote.kind == "callback")).all() == []
        evening = staff.post("/console/cases/B2/callbacks", data={"due_at": f"{monday}T18:30", "text": "x",
                                                                  "csrf_token": token(page)})
        assert evening.status_code == 200 and str(evening.url).endswith("done=callback")
        with unit_of_work(world.url) as db:
            cb = db.scalars(select(CaseNote).where(CaseNote.kind == "callback")).one()
            assert cb.due_at is not None and cb.due_at.astimezone(SHANGHAI).hour == 18


def test_a_borrower_who_clears_the_hours_can_be_called_back_any_lawful_time(client: Any, world: Any) -> None:
    borrower_signs_in(client, world.plan_phone)
    page = _states_weekday_evenings(client).text
    cleared = client.post("/portal/callback-hours", data={"clear": "1", "csrf_token": token(page)})
    assert cleared.status_code == 200 and str(cleared.url).endswith("done=hours_cleared")
    with unit_of_work(world.url) as db:
        prefs = get_preferences(db, world.plan_borrower)
        assert prefs is not None and prefs.hours == []

