"""On the demo's own data: the borrower offered a home visit books a video call instead, both sides see each
other (Chromium's fake camera), the agent files the scoped report, the visit is closed as verified remotely, and
the dashboards count the situation as known by video without a visit (issue 17's "done when")."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from e2e_support import CHROMIUM_ARGS, DemoSite, Tab

pytestmark = pytest.mark.browser
MEDIA_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
RECEIVES_VIDEO = """() => {
  const c = window.duecareCall; const v = document.getElementById('remote-video');
  return !!(c && c.connected && c.pc.getReceivers().some(r => r.track && r.track.kind === 'video'
            && r.track.readyState === 'live') && v.srcObject && v.readyState >= 2 && v.videoWidth > 0);
}"""


@pytest.fixture(scope="module")
def media_browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=[*CHROMIUM_ARGS, *MEDIA_ARGS])
        yield b
        b.close()


def _demo_now(site: DemoSite) -> datetime:
    clock = site.directory / "demo-clock.json"
    offset = json.loads(clock.read_text())["offset_seconds"] if clock.exists() else 0.0
    return datetime.now(UTC) + timedelta(seconds=offset)


def _set_demo_now(site: DemoSite, moment: datetime) -> None:
    """What `duecare demo --as-of` does: the demo's shared clock file (the server reads it on each request)."""
    (site.directory / "demo-clock.json").write_text(
        json.dumps({"offset_seconds": (moment - datetime.now(UTC)).total_seconds()}))


def _query(site: DemoSite, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(site.directory / "duecare.db") as db:
        return db.execute(sql, args).fetchall()


def _tab(browser: Any, site: DemoSite) -> Tab:
    tab = Tab(browser, site)
    tab.context.grant_permissions(["camera", "microphone"], origin=site.base)
    return tab


def test_the_demos_visit_borrower_holds_a_video_call_instead_and_the_visit_closes_verified_remotely(
        media_browser: Any, demo_site: DemoSite) -> None:
    borrower_id, phone = demo_site.people["visit_borrower"]
    visit_id = demo_site.people["visit_id"]
    (zone,) = _query(demo_site, "SELECT timezone FROM borrowers WHERE id = ?", borrower_id)[0]
    # The next morning in the borrower's zone, 10:05: inside lawful hours whatever time the suite runs.
    local = _demo_now(demo_site).astimezone(ZoneInfo(zone)) + timedelta(days=1)
    _set_demo_now(demo_site, local.replace(hour=10, minute=5, second=0, microsecond=0))

    borrower = _tab(media_browser, demo_site)
    borrower.borrower_signs_in(phone)
    borrower.go("/portal/video")
    borrower.page.locator("[data-testid=book]").first.click()
    borrower.page.wait_for_url(re.compile(r"/portal/video/APPT-"))
    appointment = borrower.page.url.rsplit("/", 1)[1]
    borrower.page.locator("[data-testid=consent-call]").click()
    # The call itself, or "the waiting room opens at ..." when the first free slot is later that day (the
    # borrower's preferred hours may have been narrowed by another journey on the shared demo data).
    borrower.page.wait_for_selector("[data-testid=join-call], [data-testid=too-early]")
    (slot,) = _query(demo_site, "SELECT slot_start FROM remote_appointments WHERE id = ?", appointment)[0]
    start = datetime.fromisoformat(slot).replace(tzinfo=UTC)
    if start > _demo_now(demo_site):  # the clock only moves forward: on to the slot
        _set_demo_now(demo_site, start + timedelta(minutes=1))
    assert _query(demo_site, "SELECT state FROM visit_cases WHERE id = ?", visit_id)[0][0] == "on_hold"

    agent = _tab(media_browser, demo_site)
    agent.staff_signs_in("demo-agent")
    agent.go(f"/console/video/{appointment}")
    assert "Nothing is recorded" in agent.page.content()
    borrower.go(f"/portal/video/{appointment}")
    borrower.page.locator("[data-testid=join-call]").click()
    agent.page.locator("[data-testid=join-call]").click()
    borrower.page.wait_for_function(RECEIVES_VIDEO, timeout=30_000)
    agent.page.wait_for_function(RECEIVES_VIDEO, timeout=30_000)
    agent.page.select_option("select[name=employment_status]", "employed")
    agent.page.fill("input[name=monthly_income]", "3000")
    agent.page.locator("[data-testid=file-report]").click()
    agent.page.wait_for_selector("[data-testid=report-filed]")

    state, reason = _query(demo_site, "SELECT state, close_reason FROM visit_cases WHERE id = ?", visit_id)[0]
    assert state == "cancelled" and "verified_remotely" in reason
    assert _query(demo_site, "SELECT source FROM remote_reports r JOIN remote_appointments a "
                             "ON a.alternative_id = r.alternative_id WHERE a.id = ?", appointment) == [("video",)]

    analyst = Tab(media_browser, demo_site)
    analyst.staff_signs_in("demo-analyst")
    analyst.go("/console/dashboards")
    table = analyst.page.text_content("[data-testid=cycle-table]") or ""  # inside a closed <details>
    assert "Video call" in table, table
    for tab in (borrower, agent, analyst):
        assert tab.errors == [], tab.errors
        tab.close()
