"""A consent withdrawal racing scheduling or check-in never leaves a visit going ahead (PostgreSQL row locks:
the borrower row, then the visit, in every step and every re-check)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from duecare.kit.db import get_engine, unit_of_work
from duecare.kit.errors import TransitionError
from duecare.ledger.models import Consent, Visit
from duecare.privacy.permissions import Actor
from duecare.visits import service
from duecare.visits.models import VisitCase, VisitMessage, VisitState

from .factories import AS_OF, assign, eligible_borrower, team

pytestmark = pytest.mark.postgres

AGENT = Actor("staff", "A1", "agent")
SUPERVISOR = Actor("staff", "S2", "supervisor")
BORROWER = Actor("borrower", "B1", "borrower")
APPROVED_AT = AS_OF + timedelta(days=4)  # scheduling time (approval waited for the notice period)


def approved_visit(url: str) -> str:
    """A visit in state `approved`, past its notice period, ready to schedule."""
    with unit_of_work(url) as s:
        team(s)
        eligible_borrower(s)
        assign(s, "B1", "A1")

    def step(actor: Actor, at: Any, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        with unit_of_work(url) as s:
            return fn(service.Ctx(session=s, actor=actor, at=at), *args, **kw)

    vid: str = step(AGENT, AS_OF, service.propose, "L1").visit.id
    step(AGENT, AS_OF, service.send_notice, vid)
    with unit_of_work(url) as s:
        version = s.get(VisitCase, vid).notice_id  # type: ignore[union-attr]
        from duecare.ledger.models import Notice

        version = s.get(Notice, version).version_hash  # type: ignore[arg-type,union-attr]
    step(BORROWER, AS_OF + timedelta(hours=2), service.answer, vid, "granted", channel="portal",
         evidence="portal-session:t", notice_version_hash=version)
    step(SUPERVISOR, AS_OF + timedelta(days=3, hours=3), service.decide_approval, vid, True, "ok")
    return vid


def scheduled_visit(url: str) -> tuple[str, VisitCase]:
    vid = approved_visit(url)
    with unit_of_work(url) as s:
        service.schedule(service.Ctx(session=s, actor=SUPERVISOR, at=APPROVED_AT), vid)
    with unit_of_work(url) as s:
        v = s.get_one(VisitCase, vid)
        s.expunge(v)
    return vid, v


def _waiting_on_a_lock(url: str) -> bool:
    with get_engine(url).connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                              "AND datname = current_database()")).scalar_one()
    return int(n) > 0


def _until(cond: Callable[[], bool], what: str) -> None:
    for _ in range(600):  # a generous bound, not a timing assertion
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


def _final(url: str, vid: str) -> tuple[VisitState, str | None, list[str]]:
    with unit_of_work(url) as s:
        v = s.get(VisitCase, vid)
        assert v is not None
        lv = s.get(Visit, v.ledger_visit_id) if v.ledger_visit_id else None
        decisions = [str(c.decision) for c in s.scalars(select(Consent).order_by(Consent.at))]
        return v.state, None if lv is None else str(lv.status), decisions


class TestWithdrawalRacesScheduling:
    def test_a_withdrawal_waiting_behind_a_scheduler_cancels_what_it_scheduled(
        self, new_database: Callable[..., str]
    ) -> None:
        url = new_database("postgresql")
        vid = approved_visit(url)
        scheduled, release = threading.Event(), threading.Event()
        errors: list[BaseException] = []

        def scheduler() -> None:
            try:
                with unit_of_work(url) as s:
                    service.schedule(service.Ctx(session=s, actor=SUPERVISOR, at=APPROVED_AT), vid)
                    scheduled.set()
                    release.wait(30)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                scheduled.set()

        def withdrawer() -> None:
            try:
                with unit_of_work(url) as s:
                    service.withdraw(service.Ctx(session=s, actor=BORROWER, at=APPROVED_AT + timedelta(seconds=1)),
                                     "B1", channel="portal", evidence="portal-session:w")
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        t1 = threading.Thread(target=scheduler)
        t1.start()
        scheduled.wait(30)
        t2 = threading.Thread(target=withdrawer)
        t2.start()
        _until(lambda: _waiting_on_a_lock(url), "the withdrawal waits for the scheduler's row lock")
        release.set()
        t1.join(30)
        t2.join(30)
        assert errors == []
        state, ledger_status, decisions = _final(url, vid)
        assert state == VisitState.CANCELLED and ledger_status == "cancelled"
        assert decisions == ["granted", "withdrawn"]
        with unit_of_work(url) as s:
            told = {m.recipient_id for m in s.scalars(select(VisitMessage).where(
                VisitMessage.kind == "visit_cancelled", VisitMessage.recipient_kind == "staff"))}
        assert len(told) == 2

    def test_a_scheduler_waiting_behind_a_withdrawal_finds_the_visit_cancelled(
        self, new_database: Callable[..., str]
    ) -> None:
        url = new_database("postgresql")
        vid = approved_visit(url)
        withdrawn, release = threading.Event(), threading.Event()
        outcome: list[object] = []

        def withdrawer() -> None:
            with unit_of_work(url) as s:
                service.withdraw(service.Ctx(session=s, actor=BORROWER, at=APPROVED_AT), "B1", channel="portal",
                                 evidence="portal-session:w")
                withdrawn.set()
                release.wait(30)

        def scheduler() -> None:
            try:
                with unit_of_work(url) as s:
                    outcome.append(service.schedule(service.Ctx(session=s, actor=SUPERVISOR,
                                                                at=APPROVED_AT + timedelta(seconds=1)), vid))
            except TransitionError as exc:
                outcome.append(exc)

        t1 = threading.Thread(target=withdrawer)
        t1.start()
        withdrawn.wait(30)
        t2 = threading.Thread(target=scheduler)
        t2.start()
        _until(lambda: _waiting_on_a_lock(url), "the scheduler waits for the withdrawal's row lock")
        release.set()
        t1.join(30)
        t2.join(30)
        assert len(outcome) == 1 and isinstance(outcome[0], TransitionError)
        assert outcome[0].code == "transition_not_allowed"
        state, ledger_status, _ = _final(url, vid)
        assert state == VisitState.CANCELLED and ledger_status is None

    def test_free_running_races_never_end_scheduled(self, new_database: Callable[..., str]) -> None:
        for _ in range(3):
            url = new_database("postgresql")
            vid = approved_visit(url)
            barrier = threading.Barrier(2)

            def schedule(url: str = url, vid: str = vid, barrier: threading.Barrier = barrier) -> None:
                barrier.wait()
                try:
                    with unit_of_work(url) as s:
                        service.schedule(service.Ctx(session=s, actor=SUPERVISOR, at=APPROVED_AT), vid)
                except TransitionError:
                    pass

            def withdraw(url: str = url, barrier: threading.Barrier = barrier) -> None:
                barrier.wait()
                with unit_of_work(url) as s:
                    service.withdraw(service.Ctx(session=s, actor=BORROWER, at=APPROVED_AT), "B1",
                                     channel="portal", evidence="portal-session:w")

            threads = [threading.Thread(target=schedule), threading.Thread(target=withdraw)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            state, ledger_status, _ = _final(url, vid)
            assert state == VisitState.CANCELLED
            assert ledger_status in (None, "cancelled")


class TestWithdrawalRacesCheckIn:
    def test_a_withdrawal_waiting_behind_a_check_in_cancels_the_visit_at_the_door(
        self, new_database: Callable[..., str]
    ) -> None:
        url = new_database("postgresql")
        vid, v = scheduled_visit(url)
        assert v.window_start is not None
        at_door = v.window_start + timedelta(minutes=1)
        checked_in, release = threading.Event(), threading.Event()
        errors: list[BaseException] = []

        def check_in() -> None:
            try:
                with unit_of_work(url) as s:
                    service.check_in(service.Ctx(session=s, actor=Actor("staff", str(v.agent_a), "field_agent"),
                                                 at=at_door), vid, str(v.agent_b))
                    checked_in.set()
                    release.wait(30)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                checked_in.set()

        def withdraw() -> None:
            try:
                with unit_of_work(url) as s:
                    service.withdraw(service.Ctx(session=s, actor=BORROWER, at=at_door + timedelta(seconds=1)),
                                     "B1", channel="portal", evidence="portal-session:w")
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        t1 = threading.Thread(target=check_in)
        t1.start()
        checked_in.wait(30)
        t2 = threading.Thread(target=withdraw)
        t2.start()
        _until(lambda: _waiting_on_a_lock(url), "the withdrawal waits for the check-in's locks")
        release.set()
        t1.join(30)
        t2.join(30)
        assert errors == []
        state, ledger_status, decisions = _final(url, vid)
        assert state == VisitState.CANCELLED and ledger_status == "cancelled"
        assert decisions == ["granted", "withdrawn"]
        with unit_of_work(url) as s:
            told = {m.recipient_id for m in s.scalars(select(VisitMessage).where(
                VisitMessage.kind == "visit_cancelled", VisitMessage.recipient_kind == "staff"))}
        assert told == {v.agent_a, v.agent_b}

    def test_a_check_in_waiting_behind_a_withdrawal_is_refused(self, new_database: Callable[..., str]) -> None:
        url = new_database("postgresql")
        vid, v = scheduled_visit(url)
        assert v.window_start is not None
        at_door = v.window_start + timedelta(minutes=1)
        withdrawn, release = threading.Event(), threading.Event()
        outcome: list[object] = []

        def withdraw() -> None:
            with unit_of_work(url) as s:
                service.withdraw(service.Ctx(session=s, actor=BORROWER, at=at_door), "B1", channel="sms_reply",
                                 evidence="inbound:gw:1")
                withdrawn.set()
                release.wait(30)

        def check_in() -> None:
            try:
                with unit_of_work(url) as s:
                    outcome.append(service.check_in(service.Ctx(
                        session=s, actor=Actor("staff", str(v.agent_a), "field_agent"),
                        at=at_door + timedelta(seconds=1)), vid, str(v.agent_b)))
            except TransitionError as exc:
                outcome.append(exc)

        t1 = threading.Thread(target=withdraw)
        t1.start()
        withdrawn.wait(30)
        t2 = threading.Thread(target=check_in)
        t2.start()
        _until(lambda: _waiting_on_a_lock(url), "the check-in waits for the withdrawal's locks")
        release.set()
        t1.join(30)
        t2.join(30)
        assert len(outcome) == 1 and isinstance(outcome[0], TransitionError)
        assert _final(url, vid)[0] == VisitState.CANCELLED

    def test_a_fact_racing_a_check_in_never_leaves_the_visit_in_progress(
        self, new_database: Callable[..., str]
    ) -> None:
        from duecare.ledger.models import Hold
        from duecare.visits.transitions import use_clock

        for i in range(3):
            url = new_database("postgresql")
            vid, v = scheduled_visit(url)
            assert v.window_start is not None
            at_door = v.window_start + timedelta(minutes=1)
            barrier = threading.Barrier(2)

            def check_in(url: str = url, vid: str = vid, v: VisitCase = v, at: Any = at_door,
                         barrier: threading.Barrier = barrier) -> None:
                barrier.wait()
                try:
                    with unit_of_work(url) as s:
                        service.check_in(service.Ctx(session=s, actor=Actor("staff", str(v.agent_a), "field_agent"),
                                                     at=at), vid, str(v.agent_b))
                except TransitionError:
                    pass

            def dispute(url: str = url, at: Any = at_door, barrier: threading.Barrier = barrier, i: int = i) -> None:
                barrier.wait()
                with unit_of_work(url) as s:
                    use_clock(s, lambda: at)
                    s.add(Hold(id=f"H-race-{i}", borrower_id="B1", kind="dispute_open", opened_at=at))

            threads = [threading.Thread(target=check_in), threading.Thread(target=dispute)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            assert _final(url, vid)[0] == VisitState.CANCELLED
