"""Visit messages really reach their readers: the workflow step queues outbox tasks in its own transaction, the
contacts worker delivers them (local SMS gateway, real SMTP, letter PDFs), quiet hours hold borrower SMS, staff
notifications are in the agents' inbox at once, and nothing is delivered twice."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from duecare.contacts.adapters.http_gateway import GatewayConfig, HttpSmsGateway
from duecare.contacts.adapters.pdf_letters import PdfLetters
from duecare.contacts.adapters.smtp import SmtpConfig, SmtpEmail
from duecare.contacts.models import ContactTask, SuppressionReason, TaskStatus
from duecare.contacts.sandbox import GatewayState, SmtpState, sms_gateway, smtp_server
from duecare.contacts.service import suppress
from duecare.contacts.worker import Worker, WorkerConfig
from duecare.kit.db import unit_of_work
from duecare.ledger.models import ContactEvent, Notice
from duecare.privacy.permissions import Actor
from duecare.visits import delivery, service
from duecare.visits.messages import neutral_subject
from duecare.visits.models import VisitCase, VisitMessage

from .conftest import Clients, FakeClock, make_app
from .factories import AS_OF, PHONE, assign, eligible_borrower, team, through_the_door

FAST = WorkerConfig(lease_seconds=30, batch=10, max_attempts=3, backoff_base_s=0.0, idle_sleep_s=0.05)
AGENT = Actor("staff", "A1", "agent")
SUPERVISOR = Actor("staff", "S2", "supervisor")
BORROWER = Actor("borrower", "B1", "borrower")
SHANGHAI = ZoneInfo("Asia/Shanghai")
IN_SCOPE = {"outcome": "met_borrower", "recording_ref": "REC-9",
            "fields": {"willingness": "willing", "capacity_monthly": "500.00"}, "notes": "本人接待，愿意还款。"}


@pytest.fixture
def gateway() -> Iterator[tuple[str, GatewayState]]:
    with sms_gateway() as running:
        yield running


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[tuple[str, int, SmtpState]]:
    with smtp_server(tmp_path / "smtp-received.log") as running:
        yield running


def _seed(url: str, *, email: bool) -> None:
    """The eligible borrower B1 (cn, Shanghai); without email the link goes by SMS."""
    with unit_of_work(url) as s:
        team(s)
        b = eligible_borrower(s)
        if not email:
            b.email = None
        assign(s, "B1", "A1")


def _step(url: str, actor: Actor, at: datetime, fn: Any, *args: Any, **kw: Any) -> Any:
    with unit_of_work(url) as s:
        return fn(service.Ctx(session=s, actor=actor, at=at), *args, **kw)


def _noticed(url: str, at: datetime) -> str:
    visit = _step(url, AGENT, at, service.propose, "L1").visit.id
    _step(url, AGENT, at, service.send_notice, visit)
    return str(visit)


def _scheduled(url: str) -> tuple[str, datetime]:
    """A visit taken to `scheduled` on the happy path; returns it and the workflow time after scheduling."""
    at = AS_OF
    visit = _noticed(url, at)
    with unit_of_work(url) as s:
        version = s.get_one(Notice, s.get_one(VisitCase, visit).notice_id).version_hash
    at += timedelta(hours=2)
    _step(url, BORROWER, at, service.answer, visit, "granted", channel="portal", evidence="portal-session:x",
          notice_version_hash=version)
    at += timedelta(days=3, hours=1)  # approval waits for the notice period
    _step(url, SUPERVISOR, at, service.decide_approval, visit, True, "gate met")
    at += timedelta(hours=1)
    result = _step(url, SUPERVISOR, at, service.schedule, visit)
    assert result.visit.state.value == "scheduled", result.stopped
    return visit, at


def _worker(url: str, now: datetime, *, sms: str | None = None, smtp: tuple[str, int, SmtpState] | None = None,
            letters: Path | None = None) -> Worker:
    channels: dict[str, Any] = {}
    if sms:
        channels["sms"] = HttpSmsGateway(GatewayConfig(base_url=sms, timeout=2.0))
    if smtp:
        host, port, state = smtp
        channels["email"] = SmtpEmail(SmtpConfig(host=host, port=port, received_log=state.log_path))
    if letters:
        channels["letter"] = PdfLetters(letters)
    return Worker(url, channels, FAST, clock=lambda: now)


def _messages(url: str, **where: str) -> list[VisitMessage]:
    with unit_of_work(url) as s:
        stmt = select(VisitMessage).order_by(VisitMessage.id)
        for name, value in where.items():
            stmt = stmt.where(getattr(VisitMessage, name) == value)
        rows = list(s.scalars(stmt))
        s.expunge_all()
        return rows


def _subject(mail: dict[str, str]) -> str:
    return str(make_header(decode_header(mail["subject"])))


def _pdf_text(data: bytes) -> str:
    """The page content streams of a PDF (fpdf2 deflates them), for finding text printed in a core font."""
    out = []
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.DOTALL):
        try:
            out.append(zlib.decompress(m.group(1)).decode("latin-1"))
        except zlib.error:
            out.append(m.group(1).decode("latin-1"))
    return "\n".join(out)


class TestTheNotice:
    def test_a_notice_reaches_the_phone_by_sms_and_the_post_as_a_pdf_with_its_version_hash(
            self, db_url: str, gateway: tuple[str, GatewayState], tmp_path: Path) -> None:
        _seed(db_url, email=False)
        visit = _noticed(db_url, AS_OF)  # 10:00 in Shanghai
        queued = _messages(db_url, visit_id=visit, kind="visit_notice")
        assert {m.channel: m.status for m in queued} == {"portal": "sent", "sms": "queued", "letter": "queued"}

        stats = _worker(db_url, AS_OF + timedelta(minutes=1), sms=gateway[0], letters=tmp_path).run(once=True)
        assert stats.sent == 2

        sms = list(gateway[1].messages.values())
        assert [m["to"] for m in sms] == ["+8613800138000"]  # the borrower's own number (E.164), nobody else's
        assert re.search(r"/portal/notices/VN-[0-9a-f]+ ", sms[0]["text"]) and "退订" in sms[0]["text"]  # the real page
        assert "4000" not in sms[0]["text"] and "逾期" not in sms[0]["text"]  # the SMS never states the debt
        with unit_of_work(db_url) as s:
            notice = s.get_one(Notice, s.get_one(VisitCase, visit).notice_id)
            version = notice.version_hash
            events = list(s.scalars(select(ContactEvent).where(ContactEvent.id.like("outbox-%"))))
        letters = list(tmp_path.glob("*.pdf"))
        assert len(letters) == 1
        assert version in _pdf_text(letters[0].read_bytes())
        assert {str(e.channel) for e in events} == {"sms", "letter"}  # the case timeline shows the delivery
        assert all(str(e.outcome) == "delivered" and e.loan_id == "L1" for e in events)
        assert {m.channel: m.status for m in _messages(db_url, visit_id=visit, kind="visit_notice")} == {
            "portal": "sent", "sms": "sent", "letter": "sent"}

    def test_at_23_00_borrower_local_the_sms_waits_until_08_00(
            self, db_url: str, gateway: tuple[str, GatewayState], tmp_path: Path) -> None:
        _seed(db_url, email=False)
        late = AS_OF.astimezone(SHANGHAI).replace(hour=23, minute=0).astimezone(AS_OF.tzinfo)
        visit = _noticed(db_url, late)
        eight = late.astimezone(SHANGHAI).replace(hour=8) + timedelta(days=1)

        _worker(db_url, late + timedelta(minutes=5), sms=gateway[0], letters=tmp_path).run(once=True)
        assert gateway[1].messages == {}  # quiet hours (cn_quiet_hours): nothing on the phone at night
        assert len(list(tmp_path.glob("*.pdf"))) == 1  # the letter is posted, not timed
        with unit_of_work(db_url) as s:
            task = s.scalars(select(ContactTask).where(ContactTask.channel == "sms")).one()
            assert task.status == TaskStatus.PENDING
            assert task.next_attempt_at == eight
            assert "cn_quiet_hours" in (task.reason or "")

        _worker(db_url, eight - timedelta(minutes=1), sms=gateway[0]).run(once=True)
        assert gateway[1].messages == {}
        _worker(db_url, eight, sms=gateway[0]).run(once=True)
        assert len(gateway[1].messages) == 1
        assert _messages(db_url, visit_id=visit, channel="sms")[0].status == "sent"

    def test_a_worker_that_finds_it_is_night_again_holds_the_sms_by_the_packs_hours(
            self, db_url: str, gateway: tuple[str, GatewayState]) -> None:
        _seed(db_url, email=False)
        _noticed(db_url, AS_OF)
        night = AS_OF.astimezone(SHANGHAI).replace(hour=22, minute=0).astimezone(AS_OF.tzinfo)  # 22:00 excluded
        stats = _worker(db_url, night, sms=gateway[0]).run(once=True)
        assert stats.rescheduled == 1 and gateway[1].messages == {}

    def test_an_opted_out_phone_is_never_used_and_the_message_is_marked_failed(
            self, db_url: str, gateway: tuple[str, GatewayState], tmp_path: Path) -> None:
        _seed(db_url, email=False)
        with unit_of_work(db_url) as s:
            suppress(s, "sms", PHONE, "B1", SuppressionReason.OPT_OUT, source="test")
        visit = _noticed(db_url, AS_OF)
        _worker(db_url, AS_OF, sms=gateway[0], letters=tmp_path).run(once=True)
        assert gateway[1].messages == {}
        assert {m.channel: m.status for m in _messages(db_url, visit_id=visit)} == {
            "portal": "sent", "sms": "failed", "letter": "sent"}


class TestCancellationAndSummary:
    def test_a_withdrawal_notifies_both_agents_at_once(self, db_url: str) -> None:
        _seed(db_url, email=True)
        visit, at = _scheduled(db_url)
        _step(db_url, BORROWER, at + timedelta(hours=1), service.withdraw, "B1", channel="portal",
              evidence="portal-session:x")
        with unit_of_work(db_url) as s:
            v = s.get_one(VisitCase, visit)
            agents = {v.agent_a, v.agent_b}
        cancelled = _messages(db_url, visit_id=visit, kind="visit_cancelled", recipient_kind="staff")
        assert {m.recipient_id for m in cancelled} == agents and len(agents) == 2
        assert all(m.status == "sent" and m.channel == "staff_inbox" for m in cancelled)

        clients = Clients(db_url, make_app(db_url, FakeClock(at)))
        for agent in agents:
            inbox = clients.staff(str(agent), "field_agent").get("/visit-inbox").json()["messages"]
            assert next(m["kind"] for m in inbox if m["visit_id"] == visit) == "visit_cancelled"
            assert "Do not go" in inbox[0]["body"]

    def test_a_queued_schedule_message_is_not_sent_after_the_visit_was_cancelled(
            self, db_url: str, smtp: tuple[str, int, SmtpState]) -> None:
        _seed(db_url, email=True)
        visit, at = _scheduled(db_url)
        _step(db_url, BORROWER, at, service.withdraw, "B1", channel="portal", evidence="portal-session:x")
        _worker(db_url, at, smtp=smtp).run(once=True)
        subjects = [_subject(m) for m in smtp[2].messages]
        # only the cancellation reaches the borrower (the schedule that no longer holds does not), under a
        # subject that says nothing of a visit (issue 15: subjects and previews never reveal a debt or a visit)
        assert len(subjects) == 1 and neutral_subject("zh") in subjects[0] and "上门" not in subjects[0]
        statuses = {m.kind: m.status for m in _messages(db_url, visit_id=visit, channel="email")}
        assert statuses["visit_scheduled"] == "failed" and statuses["visit_cancelled"] == "sent"

    def test_the_post_visit_summary_reaches_the_borrower_with_the_complaint_link(
            self, db_url: str, smtp: tuple[str, int, SmtpState]) -> None:
        _seed(db_url, email=True)
        visit, at = _scheduled(db_url)
        agent, at, times = through_the_door(db_url, visit)
        _step(db_url, Actor("staff", agent, "field_agent"), at, service.file_report, visit, IN_SCOPE | times)
        _worker(db_url, at, smtp=smtp).run(once=True)

        summary = [m for m in smtp[2].messages if delivery.complaint_url() in m["body"]]
        assert len(summary) == 1 and neutral_subject("zh") in _subject(summary[0])
        assert summary[0]["to"] == "b1@example.com"
        assert delivery.complaint_url() in summary[0]["body"] and "/portal/notices/VN-" in summary[0]["body"]
        assert "退订" in summary[0]["body"]  # the pack's opt-out line
        portal = _messages(db_url, visit_id=visit, kind="visit_summary", channel="portal")[0]
        assert portal.status == "sent" and "投诉" in portal.body  # the full summary with the complaint channel
        clients = Clients(db_url, make_app(db_url, FakeClock(at)))
        mine = clients.borrower("B1").get("/portal/visit-messages").json()["messages"]
        assert "visit_summary" in [m["kind"] for m in mine]


class TestExactlyOnce:
    def test_running_the_worker_twice_delivers_each_message_once(
            self, db_url: str, gateway: tuple[str, GatewayState], tmp_path: Path) -> None:
        _seed(db_url, email=False)
        visit = _noticed(db_url, AS_OF)
        first = _worker(db_url, AS_OF, sms=gateway[0], letters=tmp_path).run(once=True)
        second = _worker(db_url, AS_OF + timedelta(minutes=1), sms=gateway[0], letters=tmp_path).run(once=True)
        assert (first.sent, second.sent) == (2, 0)
        assert sum(gateway[1].posts.values()) == 1 and len(list(tmp_path.glob("*.pdf"))) == 1
        with unit_of_work(db_url) as s:
            events = s.scalar(select(func.count()).select_from(ContactEvent).where(ContactEvent.id.like("outbox-%")))
            assert events == 2
            # Asking again for the same message (a retried request) adds no task.
            v = s.get_one(VisitCase, visit)
            msg = s.scalars(select(VisitMessage).where(VisitMessage.visit_id == visit,
                                                       VisitMessage.channel == "sms")).one()
            msg.status = "pending"
            task = delivery.enqueue(s, msg, v, AS_OF)
            assert task is not None and task.id == msg.task_id
            assert s.scalar(select(func.count()).select_from(ContactTask)) == 2
            s.rollback()

    def test_each_message_has_its_own_key_and_outside_channels_reach_only_the_borrower(self, db_url: str) -> None:
        _seed(db_url, email=True)
        visit = _noticed(db_url, AS_OF)
        with unit_of_work(db_url) as s:
            tasks = list(s.scalars(select(ContactTask)))
            msgs = {m.task_id: m for m in s.scalars(select(VisitMessage).where(VisitMessage.task_id.is_not(None)))}
            assert sorted(t.channel for t in tasks) == ["email", "letter"]
            for t in tasks:
                assert t.idempotency_key == delivery.task_key(msgs[t.id].id, t.channel)
                assert t.borrower_id == "B1"
            staff_msg = VisitMessage(idempotency_key="x", visit_id=visit, recipient_kind="staff", recipient_id="F1",
                                     channel="sms", kind="visit_assigned", subject="s", body="b", status="pending",
                                     created_at=AS_OF)
            s.add(staff_msg)
            s.flush()
            with pytest.raises(ValueError, match="only the visit's own borrower"):
                delivery.enqueue(s, staff_msg, s.get_one(VisitCase, visit), AS_OF)
            s.rollback()


class TestAppointmentReminder:
    """A booked video appointment is in the portal at once and reminded by SMS an hour before; a cancelled one is
    never reminded of."""

    def _book(self, url: str, at: datetime, hours_ahead: int) -> tuple[str, datetime]:
        from duecare.visits import video as calls

        with unit_of_work(url) as s:
            slot = next(t for t in calls.slots(s, "B1", at) if t >= at + timedelta(hours=hours_ahead))
            return calls.book(s, "B1", "video", slot, at).id, slot

    def test_the_sms_reminder_goes_an_hour_before_the_slot_and_links_to_the_call(
            self, db_url: str, gateway: tuple[str, GatewayState]) -> None:
        _seed(db_url, email=False)
        _noticed(db_url, AS_OF)
        gateway[1].messages.clear()
        appt, slot = self._book(db_url, AS_OF, 3)
        reminders = _messages(db_url, kind=delivery.APPOINTMENT_REMINDER)
        assert {m.channel: m.status for m in reminders} == {"portal": "sent", "sms": "queued"}
        portal = next(m for m in reminders if m.channel == "portal")
        local = slot.astimezone(SHANGHAI)
        assert f"{local:%Y-%m-%d %H:%M}" in portal.body and f"/portal/video/{appt}" in portal.body
        sms_task = next(m.task_id for m in reminders if m.channel == "sms")
        with unit_of_work(db_url) as s:
            assert s.get_one(ContactTask, sms_task).not_before == slot - timedelta(minutes=60)

        _worker(db_url, slot - timedelta(minutes=61), sms=gateway[0]).run(once=True)
        assert gateway[1].messages == {}  # not before its time
        _worker(db_url, slot - timedelta(minutes=60), sms=gateway[0]).run(once=True)
        (sms,) = gateway[1].messages.values()
        assert f"/portal/video/{appt}" in sms["text"] and "视频" not in sms["text"]  # a neutral text and the link
        assert next(m for m in _messages(db_url, kind=delivery.APPOINTMENT_REMINDER) if m.channel == "sms"
                    ).status == "sent"

    def test_a_cancelled_appointment_is_not_reminded_of(self, db_url: str, gateway: tuple[str, GatewayState]) -> None:
        from duecare.visits.models import Appointment, AppointmentState

        _seed(db_url, email=False)
        _noticed(db_url, AS_OF)
        gateway[1].messages.clear()
        appt, slot = self._book(db_url, AS_OF, 3)
        with unit_of_work(db_url) as s:
            s.get_one(Appointment, appt).state = AppointmentState.CANCELLED
        _worker(db_url, slot - timedelta(minutes=60), sms=gateway[0]).run(once=True)
        assert gateway[1].messages == {}
        sms = next(m for m in _messages(db_url, kind=delivery.APPOINTMENT_REMINDER) if m.channel == "sms")
        assert sms.status == "failed"
        with unit_of_work(db_url) as s:
            assert "cancelled or has taken place" in (s.get_one(ContactTask, sms.task_id).reason or "")
