"""The work queue's standing decisions (web/standing.py, issue 16: no per-request recomputation of every decision):
the kept table is exactly what deciding everything afresh gives, after writes from this session, from another
engine (another worker), from Core writers and ingest; and it is decided again when it is too old."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import create_engine, event
from sqlalchemy.orm import Session

from duecare.kit.db import Base, unit_of_work
from duecare.ledger import changes
from duecare.ledger.repository import store_frames
from duecare.policy.promises import record_promise
from duecare.privacy.permissions import SYSTEM, Actor
from duecare.web import standing
from duecare.web.snapshot import decide_frames, load_frames

AT = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: Any) -> Any:
    monkeypatch.delenv(standing.MAX_AGE_ENV, raising=False)
    standing.forget()
    yield
    standing.forget()


def _sorted(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort("loan_id").select(sorted(frame.columns))


def _afresh(url: str, at: datetime) -> pl.DataFrame:
    with unit_of_work(url) as db:
        return decide_frames(load_frames(db, SYSTEM), at)


def _kept(url: str, at: datetime) -> pl.DataFrame:
    with unit_of_work(url) as db:
        return standing.standing_table(db, at)


def _counting_whole(monkeypatch: Any) -> list[int]:
    calls: list[int] = []
    real = standing._whole

    def whole(frames: Any, at: datetime) -> pl.DataFrame:
        calls.append(1)
        return real(frames, at)

    monkeypatch.setattr(standing, "_whole", whole)
    return calls


def _counting_reads(monkeypatch: Any) -> list[int]:
    """Whole reads of the store (`_read` without ids)."""
    calls: list[int] = []
    real = standing._read

    def read(db: Any, ids: Any = None) -> Any:
        if ids is None:
            calls.append(1)
        return real(db, ids)

    monkeypatch.setattr(standing, "_read", read)
    return calls


def _same_frames(kept: dict[str, pl.DataFrame], fresh: dict[str, pl.DataFrame]) -> None:
    assert kept.keys() == fresh.keys()
    for name, frame in fresh.items():
        columns = sorted(frame.columns)
        assert kept[name].schema == frame.schema, name
        assert_frame_equal(kept[name].select(columns).sort(columns), frame.select(columns).sort(columns))


def _promise(db: Session, borrower: str) -> None:
    record_promise(db, borrower_id=borrower, loan_id=f"L-{borrower}", promised_date=AT.date() + timedelta(days=3),
                   amount_minor=50_000, channel="call", today=AT.date(),
                   actor=Actor(kind="staff", id="web-agent", role="agent"), made_at=AT)


def _action(table: pl.DataFrame, loan: str) -> str:
    return str(table.filter(pl.col("loan_id") == loan)["action"].item())


class TestTheKeptTableIsTheFreshOne:
    def test_a_promise_written_after_the_first_read_is_decided_on_the_next(self, world: Any,
                                                                            monkeypatch: Any) -> None:
        whole = _counting_whole(monkeypatch)
        first = _kept(world.url, AT)
        with unit_of_work(world.url) as db:
            _promise(db, world.plan_borrower)
        second = _kept(world.url, AT)
        assert len(whole) == 1  # decided once; the promise's borrower alone decided again
        assert_frame_equal(_sorted(second), _sorted(_afresh(world.url, AT)))
        loan = f"L-{world.plan_borrower}"
        assert _action(first, loan) != _action(second, loan) == "hold"

    def test_a_write_through_another_engine_is_seen(self, world: Any) -> None:
        _kept(world.url, AT)
        other = create_engine(world.url)  # another worker: its own pool, the same database
        try:
            with Session(other) as db, db.begin():
                _promise(db, world.plan_borrower)
        finally:
            other.dispose()
        assert_frame_equal(_sorted(_kept(world.url, AT)), _sorted(_afresh(world.url, AT)))

    def test_a_core_writer_notes_its_borrowers(self, world: Any) -> None:
        with unit_of_work(world.url) as db:
            since = datetime.now(UTC)
            changes.note(db, ["B3", "B1", "B1"])
        with unit_of_work(world.url) as db:
            assert changes.changed_since(db, since) == ({"B1", "B3"}, False)

    def test_a_drop_ingested_decides_everything_again(self, world: Any, monkeypatch: Any) -> None:
        whole = _counting_whole(monkeypatch)
        _kept(world.url, AT)
        with unit_of_work(world.url) as db:
            changes.note_all(db)
        _kept(world.url, AT)
        assert len(whole) == 2

    def test_nothing_written_nothing_decided(self, world: Any, monkeypatch: Any) -> None:
        monkeypatch.setattr(standing, "MARGIN", timedelta(0))  # the world's own writes are seconds old
        whole = _counting_whole(monkeypatch)
        first = _kept(world.url, AT)
        again = _kept(world.url, AT + timedelta(seconds=10))
        assert len(whole) == 1
        assert again is first


class TestTheKeptFramesAreAFreshRead:
    def test_after_a_write_its_borrower_alone_is_read_again(self, world: Any, monkeypatch: Any) -> None:
        reads = _counting_reads(monkeypatch)
        with unit_of_work(world.url) as db:
            before, _ = standing.standing_store(db, AT)
        with unit_of_work(world.url) as db:
            _promise(db, world.plan_borrower)
        with unit_of_work(world.url) as db:
            frames, table = standing.standing_store(db, AT)
            _same_frames(frames, load_frames(db, SYSTEM))
        assert len(reads) == 1
        assert frames["promises"].height == before["promises"].height + 1
        assert_frame_equal(_sorted(table), _sorted(_afresh(world.url, AT)))

    def test_the_dashboards_read_the_kept_frames(self, world: Any, monkeypatch: Any) -> None:
        from duecare.console.dashboards import build

        reads = _counting_reads(monkeypatch)
        with unit_of_work(world.url) as db:
            first = build(db, AT)
            again = build(db, AT + timedelta(seconds=1))
        assert len(reads) == 1
        assert first.buckets == again.buckets and first.roll_rates == again.roll_rates

    def test_an_old_read_is_read_again_whole(self, world: Any, monkeypatch: Any) -> None:
        monkeypatch.setattr(standing, "REREAD", 0)
        reads = _counting_reads(monkeypatch)
        _kept(world.url, AT)
        _kept(world.url, AT)
        assert len(reads) == 2

    def test_a_drop_ingested_reads_everything_again(self, world: Any, monkeypatch: Any) -> None:
        reads = _counting_reads(monkeypatch)
        _kept(world.url, AT)
        with unit_of_work(world.url) as db:
            changes.note_all(db)
        _kept(world.url, AT)
        assert len(reads) == 2


class TestACasePageReadsItsStandingRows:
    def test_the_rows_are_the_borrowers_fresh_decision_after_a_write(self, world: Any, monkeypatch: Any) -> None:
        whole = _counting_whole(monkeypatch)
        _kept(world.url, AT)
        with unit_of_work(world.url) as db:
            _promise(db, world.plan_borrower)
        with unit_of_work(world.url) as db:
            found = standing.borrower_rows(db, world.plan_borrower, AT + timedelta(seconds=1))
            fresh = decide_frames(load_frames(db, SYSTEM, [world.plan_borrower]), AT + timedelta(seconds=1))
        assert found is not None and len(whole) == 1
        rows, moment = found
        assert moment == AT + timedelta(seconds=1)  # decided again at the write's next look
        assert _action(rows, f"L-{world.plan_borrower}") == "hold"
        assert_frame_equal(_sorted(rows), _sorted(fresh))

    def test_an_unwritten_borrower_shows_the_whole_decisions_moment(self, world: Any, monkeypatch: Any) -> None:
        monkeypatch.setattr(standing, "MARGIN", timedelta(0))  # the world's own writes are seconds old
        table = _kept(world.url, AT)
        with unit_of_work(world.url) as db:
            found = standing.borrower_rows(db, "B1", AT + timedelta(seconds=5))
        assert found is not None
        assert found[1] == AT
        assert_frame_equal(_sorted(found[0]), _sorted(table.filter(pl.col("borrower_id") == "B1")))

    def test_no_kept_table_an_old_one_or_a_busy_one_gives_nothing_and_decides_nothing(
            self, world: Any, monkeypatch: Any) -> None:
        whole = _counting_whole(monkeypatch)
        with unit_of_work(world.url) as db:
            assert standing.borrower_rows(db, "B1", AT) is None  # nothing kept: the case page decides
        monkeypatch.setattr(standing, "MARGIN", timedelta(0))  # the world's own writes are seconds old
        monkeypatch.setattr(standing, "WAIT_S", 0.01)
        _kept(world.url, AT)
        with unit_of_work(world.url) as db:
            assert standing.borrower_rows(db, "B1", AT + timedelta(seconds=standing.max_age_s() + 1)) is None
            with standing._lock:  # another request catching the table up
                assert standing.borrower_rows(db, "B1", AT) is not None  # nothing written of B1: no wait
                changes.note(db, ["B1"])
                assert standing.borrower_rows(db, "B1", AT) is None  # written: it would wait; it decides itself
            changes.note_all(db)
        with unit_of_work(world.url) as db:
            assert standing.borrower_rows(db, "B1", AT) is None  # a drop ingested: the queue reads it again
        assert len(whole) == 1

    def test_the_case_page_shows_the_queue_rows_decision(self, client: Any, world: Any, monkeypatch: Any) -> None:
        from test_pages import staff_signs_in

        from duecare.web.casepage import case_decisions

        staff_signs_in(client, "web-agent")
        assert client.get("/console/queue").status_code == 200
        runs = case_decisions().runs
        page = client.get(f"/console/cases/{world.plan_borrower}")
        assert page.status_code == 200
        assert case_decisions().runs == runs  # not decided again: the standing rows
        monkeypatch.setenv(standing.MAX_AGE_ENV, "0")
        assert client.get(f"/console/cases/{world.plan_borrower}").status_code == 200
        assert case_decisions().runs == runs + 1


class TestItIsDecidedAgainWhenOld:
    def test_the_app_clock_past_the_max_age(self, world: Any, monkeypatch: Any) -> None:
        whole = _counting_whole(monkeypatch)
        _kept(world.url, AT)
        _kept(world.url, AT + timedelta(seconds=standing.max_age_s() + 1))
        _kept(world.url, AT)  # the clock set back
        assert len(whole) == 3

    def test_max_age_zero_decides_on_every_request(self, world: Any, monkeypatch: Any) -> None:
        monkeypatch.setenv(standing.MAX_AGE_ENV, "0")
        whole = _counting_whole(monkeypatch)
        _kept(world.url, AT)
        _kept(world.url, AT)
        assert len(whole) == 2

    def test_max_age_zero_decides_only_the_scope_asked(self, world: Any, monkeypatch: Any) -> None:
        monkeypatch.setenv(standing.MAX_AGE_ENV, "0")
        whole = _counting_whole(monkeypatch)
        agent = Actor(kind="staff", id="web-agent", role="agent")
        with unit_of_work(world.url) as db:
            one = standing.standing_decisions(db, agent, AT, [world.plan_borrower])
            fresh = decide_frames(load_frames(db, agent, [world.plan_borrower]), AT)
        assert not whole and set(one["borrower_id"]) == {world.plan_borrower}
        assert_frame_equal(_sorted(one), _sorted(fresh))


class TestTheQueuePage:
    def test_an_agent_sees_only_the_borrowers_it_may_read(self, world: Any) -> None:
        agent = Actor(kind="staff", id="web-agent", role="agent")
        with unit_of_work(world.url) as db:
            kept = standing.standing_decisions(db, agent, AT)
            fresh = decide_frames(load_frames(db, agent), AT)
        assert kept.height and set(kept["borrower_id"]) == set(fresh["borrower_id"])
        assert_frame_equal(_sorted(kept), _sorted(fresh))

    def test_a_call_logged_on_the_case_page_moves_the_queue_row(self, client: Any, world: Any) -> None:
        from test_pages import staff_signs_in

        staff_signs_in(client, "web-agent")
        before = client.get("/console/queue?q=" + world.plan_borrower)
        assert before.status_code == 200
        page = client.get(f"/console/cases/{world.plan_borrower}")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        made = client.post(f"/console/cases/{world.plan_borrower}/promises", data={
            "csrf_token": token.group(1), "loan_id": f"L-{world.plan_borrower}",
            "promised_date": (datetime.now(UTC).date() + timedelta(days=3)).isoformat(), "amount": "500"},
            follow_redirects=False)
        assert made.status_code in (200, 303), made.text[:500]
        after = client.get("/console/queue?q=" + world.plan_borrower)
        assert after.status_code == 200
        action = re.compile(r'<td data-label="[^"]+">([^<]+)<br><span class="muted">')
        assert action.findall(before.text) != action.findall(after.text) != []


def test_the_log_covers_every_table_the_decisions_read(world: Any) -> None:
    """FACT_TABLES is what `store_frames` reads: a table read but not logged would leave the queue stale."""
    names = {t.name for t in Base.metadata.sorted_tables}
    read: set[str] = set()

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        read.update(n for n in re.findall(r'(?:FROM|JOIN)\s+"?(\w+)"?', statement) if n in names)

    with unit_of_work(world.url) as db:
        engine = db.get_bind()
        event.listen(engine, "before_cursor_execute", seen)
        try:
            store_frames(db, ["B1", "B2", "B3"])
        finally:
            event.remove(engine, "before_cursor_execute", seen)
    assert read and read <= changes.FACT_TABLES, read - changes.FACT_TABLES
