"""Issue 16 item 5 on real data: compliance could schedule a visit through the console form while the API
reserves scheduling to supervisors. Now the form, the API and the service refuse it alike, and nothing changes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from test_pages import staff_signs_in, token

from duecare.kit.db import unit_of_work
from duecare.privacy.permissions import Actor, Forbidden
from duecare.visits import service
from duecare.visits.models import VisitCase, VisitEvent


def _state(url: str, visit_id: str) -> tuple[str, int]:
    with unit_of_work(url) as db:
        v = db.get(VisitCase, visit_id)
        assert v is not None
        events = db.scalar(select(func.count()).select_from(VisitEvent).where(VisitEvent.visit_id == visit_id))
        return v.state.value, int(events or 0)


def test_compliance_cannot_schedule_through_the_page_the_api_or_the_service(client: Any, world: Any) -> None:
    visit_id = world.approval_visit
    before = _state(world.url, visit_id)
    staff_signs_in(client, "web-compliance")
    page = client.get(f"/console/visits/{visit_id}").text
    assert f'action="/console/visits/{visit_id}/schedule"' not in page or "disabled" in page
    form = {"agent_a": "web-field_agent", "agent_b": "web-field_agent-2", "day": "2030-01-02",
            "csrf_token": token(page)}
    r = client.post(f"/console/visits/{visit_id}/schedule", data=form)
    assert r.status_code == 403 and "visits.schedule" in r.text
    api = client.post(f"/visits/{visit_id}/schedule", json={"day": "2030-01-02"},
                      headers={"accept": "application/json", "x-csrf-token": token(page)})
    assert api.status_code == 403 and "visits.schedule" in api.text
    with unit_of_work(world.url) as db, pytest.raises(Forbidden):
        compliance = Actor(kind="staff", id="web-compliance", role="compliance")
        service.schedule(service.Ctx(session=db, actor=compliance, at=datetime.now(UTC)), visit_id)
    assert _state(world.url, visit_id) == before  # no state change, no event
