"""A video call instead of a home visit, in a real browser (issue 17): Debian's Chromium with fake media devices,
the borrower's portal page and the agent's console page in two contexts of one browser, on loopback with no ICE
servers. Booking → consent to the call → both sides receive the other's video → the agent files the scoped report
with source `video` → the visit is closed as `verified_remotely`. A refused camera falls back to sound only.
The signalling WebSocket refuses an expired token, another appointment's token and a foreign Origin."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from web_factories import PASSWORD
from web_live import CHROMIUM_ARGS

from conftest import World, _free_port, seed
from duecare.kit.db import unit_of_work
from duecare.ledger.models import Alternative, AlternativeState
from duecare.ledger.repository import borrower_frames
from duecare.policy.evaluator import decide
from duecare.privacy import auth
from duecare.privacy.security import reset_limits
from duecare.visits import video as calls
from duecare.visits.models import Appointment, RemoteReport, VisitCase

pytestmark = pytest.mark.browser
MEDIA_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
SHANGHAI = ZoneInfo("Asia/Shanghai")


class MovingClock:
    """The app's clock: real time shifted to 10:05 in Shanghai on the next Wednesday, so a slot is open now
    whatever time the suite runs (the borrowers' data are dated relative to the real day, a few days off)."""

    def __init__(self) -> None:
        real = datetime.now(UTC)
        local = real.astimezone(SHANGHAI)
        days = (2 - local.weekday()) % 7 or 7
        target = datetime.combine(local.date() + timedelta(days=days), datetime.min.time(), SHANGHAI)
        self.offset = target.replace(hour=10, minute=5) - real

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass(frozen=True)
class Server:
    base: str
    world: World
    clock: MovingClock


@pytest.fixture(scope="module")
def server(new_database: Any) -> Iterator[Server]:
    import uvicorn

    from duecare.app.factory import create_app

    reset_limits()
    auth.set_code_sender(auth.demo_code_sender)
    world = seed(new_database("sqlite"))
    app = create_app(world.url)
    clock = MovingClock()
    app.state.clock = clock
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="websockets"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    yield Server(f"http://127.0.0.1:{port}", world, clock)
    srv.should_exit = True
    thread.join(timeout=10)
    auth.set_code_sender(None)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian's chromium is missing: run `make system-deps` (never a browser download)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=[*CHROMIUM_ARGS, *MEDIA_ARGS])
        yield b
        b.close()


def _context(chromium: Any, server: Server, refuse_camera: bool = False) -> Any:
    ctx = chromium.new_context(locale="en-GB", permissions=["camera", "microphone"])
    ctx.add_cookies([{"name": "duecare_lang", "value": "en", "url": server.base}])
    if refuse_camera:  # the person says no to the camera (or has none): getUserMedia fails for video
        ctx.add_init_script("""
          const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
          navigator.mediaDevices.getUserMedia = (c) => (c && c.video)
            ? Promise.reject(new DOMException('Permission denied', 'NotAllowedError')) : real(c);
        """)
    return ctx


def _borrower_page(chromium: Any, server: Server, phone: str, refuse_camera: bool = False) -> Any:
    page = _context(chromium, server, refuse_camera).new_page()
    page.goto(server.base + "/portal/signin")
    page.fill("input[name=phone]", phone)
    page.click("form button[type=submit]")
    code = page.locator("[data-testid=demo-code]").inner_text().strip()
    page.fill("input[name=code]", code)
    page.click("form[action='/portal/signin/verify'] button[type=submit]")
    page.wait_for_url(re.compile(r"/portal$"))
    return page


def _agent_page(chromium: Any, server: Server) -> Any:
    page = _context(chromium, server).new_page()
    page.goto(server.base + "/console/signin")
    page.fill("input[name=username]", "web-agent")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


RECEIVES_VIDEO = """() => {
  const c = window.duecareCall; const v = document.getElementById('remote-video');
  return !!(c && c.connected && c.pc.getReceivers().some(r => r.track && r.track.kind === 'video'
            && r.track.readyState === 'live') && v.srcObject && v.readyState >= 2 && v.videoWidth > 0);
}"""
RECEIVES_AUDIO = """() => {
  const c = window.duecareCall;
  return !!(c && c.connected && c.pc.getReceivers().some(r => r.track && r.track.kind === 'audio'
            && r.track.readyState === 'live'));
}"""


def _join(page: Any) -> None:
    page.locator("[data-testid=join-call]").click()


def _book_and_consent(page: Any, server: Server) -> str:
    page.locator("[data-testid=book]").click()
    page.wait_for_url(re.compile(r"/portal/video/APPT-"))
    appointment = page.url.rsplit("/", 1)[1]
    page.locator("[data-testid=consent-call]").click()
    page.wait_for_selector("[data-testid=join-call]")
    return appointment


def test_a_borrower_holds_a_video_call_with_the_agent_and_the_visit_closes_verified_remotely(
    chromium: Any, server: Server
) -> None:
    borrower = _borrower_page(chromium, server, server.world.visit_phone)
    borrower.goto(f"{server.base}/portal/notices/{server.world.notice_b1}")
    borrower.locator("[data-testid=alt-video]").click()  # instead of a visit, before any consent to one
    borrower.wait_for_url(re.compile(r"/portal/video$"))
    appointment = _book_and_consent(borrower, server)
    with unit_of_work(server.world.url) as db:
        assert db.scalars(select(VisitCase.state).where(VisitCase.borrower_id == "B1")).one().value == "on_hold"
    agent = _agent_page(chromium, server)
    agent.goto(f"{server.base}/console/video/{appointment}")
    assert "Nothing is recorded" in agent.content()
    _join(borrower)
    borrower.wait_for_function("() => document.getElementById('call-status').dataset.state === 'waiting_room'")
    _join(agent)
    borrower.wait_for_function(RECEIVES_VIDEO, timeout=30_000)
    agent.wait_for_function(RECEIVES_VIDEO, timeout=30_000)
    assert borrower.evaluate("window.duecareCall.mode") == "video"
    with unit_of_work(server.world.url) as db:
        assert db.get_one(Appointment, appointment).connected_at is not None
    agent.select_option("select[name=employment_status]", "employed")
    agent.fill("input[name=monthly_income]", "3000")
    agent.locator("[data-testid=file-report]").click()
    agent.wait_for_selector("[data-testid=report-filed]")
    with unit_of_work(server.world.url) as db:
        appt = db.get_one(Appointment, appointment)
        report = db.get_one(RemoteReport, appt.alternative_id)
        assert report.source == "video" and report.outcome.value == "met_borrower"
        assert db.get_one(Alternative, appt.alternative_id).state == AlternativeState.VERIFIED
        visit = db.scalars(select(VisitCase).where(VisitCase.borrower_id == "B1")).one()
        assert visit.state.value == "cancelled" and "verified_remotely" in (visit.close_reason or "")
        unmet = decide(borrower_frames(db, "B1"), server.clock()).row(0, named=True)["visit_unmet"]
        assert "verified_remotely" in unmet
    borrower.context.close()
    agent.context.close()


def test_a_refused_camera_falls_back_to_sound_only(chromium: Any, server: Server) -> None:
    borrower = _borrower_page(chromium, server, "13800000003", refuse_camera=True)  # B3
    borrower.goto(f"{server.base}/portal/video")
    appointment = _book_and_consent(borrower, server)
    agent = _agent_page(chromium, server)
    agent.goto(f"{server.base}/console/video/{appointment}")
    _join(borrower)
    _join(agent)
    borrower.wait_for_function(RECEIVES_VIDEO, timeout=30_000)  # the borrower still sees the agent
    agent.wait_for_function(RECEIVES_AUDIO, timeout=30_000)  # and the agent hears the borrower
    assert borrower.evaluate("window.duecareCall.mode") == "audio"
    notice = borrower.locator("[data-testid=media-notice]")
    assert notice.get_attribute("data-reason") == "camera_refused" and "sound only" in notice.inner_text()
    borrower.context.close()
    agent.context.close()


class TestTheSignallingSocketRefuses:
    def _appointment(self, server: Server) -> Appointment:
        with unit_of_work(server.world.url) as db:
            appt = db.scalars(select(Appointment).where(Appointment.borrower_id == "B2")).first()
            if appt is None:
                start = calls.slots(db, "B2", server.clock())[0]
                appt = calls.book(db, "B2", "video", start, server.clock())
                calls.consent_to_call(db, "B2", appt.id, server.clock())
            db.expunge(appt)
            return appt

    def _open(self, server: Server, appointment_id: str, token: str, origin: str | None = None) -> int | None:
        """The HTTP status of a refused handshake, or None when the socket was accepted."""
        from websockets.exceptions import InvalidStatus
        from websockets.sync.client import connect

        url = server.base.replace("http", "ws") + f"/rtc/{appointment_id}?token={token}"
        try:
            with connect(url, origin=origin or server.base, open_timeout=10):  # type: ignore[arg-type]
                return None
        except InvalidStatus as exc:
            return int(exc.response.status_code)

    def test_a_valid_token_is_admitted_and_the_others_are_not(self, server: Server) -> None:
        appt = self._appointment(server)
        good = calls.join_token(appt, "borrower:B2")
        assert self._open(server, appt.id, good) is None
        assert self._open(server, appt.id, good, origin="http://evil.example") == 403  # CSRF: not our origin
        expired = Appointment(id=appt.id, slot_start=appt.slot_start - timedelta(days=3),
                              slot_end=appt.slot_end - timedelta(days=3))
        assert self._open(server, appt.id, calls.join_token(expired, "borrower:B2")) == 403
        other = self._appointment_of_b1(server)
        assert self._open(server, other, good) == 403  # a token for another appointment
        assert self._open(server, appt.id, calls.join_token(appt, "borrower:B1")) == 403  # not this one's borrower
        assert self._open(server, appt.id, good[:-1] + ("1" if good[-1] == "0" else "0")) == 403  # forged

    def _appointment_of_b1(self, server: Server) -> str:
        with unit_of_work(server.world.url) as db:
            found = db.scalars(select(Appointment.id).where(Appointment.borrower_id != "B2")).first()
            if found is None:
                start = calls.slots(db, "B1", server.clock())[0]
                found = calls.book(db, "B1", "video", start, server.clock()).id
            return str(found)
