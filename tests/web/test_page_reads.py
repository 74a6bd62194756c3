"""What a page reads and computes per request (issue 16: a page reads what it needs): the portal's loan pages read
the ledger's frames only, and show the figures the full read gives."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from test_pages import borrower_signs_in

from duecare.kit.db import unit_of_work
from duecare.ledger.frames import SCHEMAS
from duecare.ledger.repository import store_frames
from duecare.portal import account
from duecare.privacy.permissions import Actor
from duecare.web.snapshot import LEDGER, load_frames


class TestThePortalReadsTheLedgerOnly:
    def test_the_ledger_frames_read_alone_are_the_rows_the_full_read_gives(self, world: Any) -> None:
        with unit_of_work(world.url) as db:
            full = store_frames(db, ["B2"])
            some = store_frames(db, ["B2"], tables=LEDGER)
        assert set(full) == set(SCHEMAS) and set(some) == set(LEDGER)
        for name in LEDGER:
            assert some[name].equals(full[name]), name

    def test_my_loans_on_the_ledger_frames_shows_what_the_full_frames_show(self, world: Any) -> None:
        at = datetime.now(UTC)
        borrower = Actor(kind="borrower", id="B2", role="borrower")
        with unit_of_work(world.url) as db:
            narrow = account.my_loans(db, "B2", at)
            full = account.my_loans(db, "B2", at, frames=load_frames(db, borrower, ["B2"]))
        assert narrow and narrow == full

    def test_the_loan_page_reads_four_frames_not_the_contact_history(self, client: Any, world: Any,
                                                                      monkeypatch: Any) -> None:
        import duecare.ledger.repository as repository

        asked: list[Any] = []
        real = repository.store_frames

        def counted(*args: Any, **kwargs: Any) -> Any:
            asked.append(kwargs.get("tables"))
            return real(*args, **kwargs)

        monkeypatch.setattr(repository, "store_frames", counted)
        borrower_signs_in(client, world.plan_phone)
        asked.clear()
        page = client.get("/portal/loans/L-B2")
        assert page.status_code == 200
        assert asked == [LEDGER]


def _frames_of(url: str, borrower: str) -> Any:
    from duecare.privacy.permissions import Actor as A

    with unit_of_work(url) as db:
        return load_frames(db, A(kind="staff", id="web-supervisor", role="supervisor"), [borrower])


class TestCasePagesAskingTogetherDecideTogether:
    def _desk_holding_its_first_run(self, waiting: int) -> Any:
        """A desk whose first run waits until `waiting` more asks are queued behind it (what load does)."""
        import threading

        from duecare.web.coalesce import Coalescer, rows_of_loans
        from duecare.web.snapshot import decide_frames

        seen: list[list[str]] = []
        started = threading.Event()

        def decide(frames: Any, as_of: datetime) -> Any:
            seen.append(sorted(frames["borrowers"]["borrower_id"].to_list()))
            if len(seen) == 1:
                started.set()
                for _ in range(500):
                    if len(desk._waiting) >= waiting:
                        break
                    threading.Event().wait(0.01)
            return decide_frames(frames, as_of)

        desk = Coalescer(decide, rows_of_loans)
        return desk, seen, started

    def test_pages_waiting_while_a_run_decides_share_the_next_run_and_get_their_own_rows(self, world: Any) -> None:
        import threading

        from duecare.kit.clock import PinnedClock
        from duecare.web.snapshot import decide_frames

        at = PinnedClock(datetime.now(UTC))
        frames = {b: _frames_of(world.url, b) for b in ("B1", "B2", "B3")}
        desk, seen, started = self._desk_holding_its_first_run(waiting=2)
        got: dict[str, Any] = {}

        def page(b: str) -> None:
            got[b] = desk.decide(frames[b], at)

        first = threading.Thread(target=page, args=("B1",))
        first.start()
        started.wait(5)
        others = [threading.Thread(target=page, args=(b,)) for b in ("B2", "B3")]
        for t in others:
            t.start()
        for t in [first, *others]:
            t.join(10)
        assert seen == [["B1"], ["B2", "B3"]]  # one run for the two pages that waited
        for b in ("B1", "B2", "B3"):
            decided, as_of = got[b]
            assert as_of == at.moment and decided.height > 0
            assert decided.equals(decide_frames(frames[b], at.moment)), b  # what it gets alone

    def test_two_pages_of_one_borrower_are_never_decided_in_one_run(self, world: Any) -> None:
        import threading

        from duecare.kit.clock import PinnedClock

        at = PinnedClock(datetime.now(UTC))
        frames = {b: _frames_of(world.url, b) for b in ("B1", "B2")}
        desk, seen, started = self._desk_holding_its_first_run(waiting=3)
        threads = [threading.Thread(target=desk.decide, args=(frames[b], at)) for b in ("B1", "B2", "B2", "B1")]
        threads[0].start()
        started.wait(5)
        for t in threads[1:]:
            t.start()
        for t in threads:
            t.join(10)
        assert seen[0] == ["B1"] and len(seen) == 3  # the first alone; the waiting four in two runs, not one
        assert all(len(run) == len(set(run)) for run in seen)
        assert sorted(b for run in seen for b in run) == ["B1", "B1", "B2", "B2"]

    def test_a_page_whose_frames_fail_gets_its_own_error_and_the_others_their_rows(self, world: Any) -> None:
        import threading

        import polars as pl

        from duecare.kit.clock import PinnedClock
        from duecare.policy.evaluator import PolicyError

        at = PinnedClock(datetime.now(UTC))
        good = _frames_of(world.url, "B2")
        bad = {**_frames_of(world.url, "B1")}
        bad["borrowers"] = bad["borrowers"].with_columns(jurisdiction=pl.lit("zz"))  # no such pack
        desk, seen, started = self._desk_holding_its_first_run(waiting=2)
        got: dict[str, Any] = {}

        def page(name: str, frames: Any) -> None:
            try:
                got[name] = desk.decide(frames, at)[0]
            except PolicyError as exc:
                got[name] = exc

        threads = [threading.Thread(target=page, args=a) for a in (("B3", _frames_of(world.url, "B3")),
                                                                     ("B2", good), ("B1", bad))]
        threads[0].start()
        started.wait(5)
        for t in threads[1:]:
            t.start()
        for t in threads:
            t.join(10)
        assert isinstance(got["B1"], PolicyError)
        assert got["B2"].height > 0 and got["B3"].height > 0
        assert not desk._running and not desk._waiting  # the desk is free for the next page


    def test_a_clock_that_fails_answers_every_waiting_page_with_its_error(self, world: Any) -> None:
        import threading

        from duecare.web.coalesce import Coalescer, rows_of_loans
        from duecare.web.snapshot import decide_frames

        frames = {b: _frames_of(world.url, b) for b in ("B1", "B2")}
        queued = threading.Event()

        def broken() -> datetime:
            queued.wait(5)
            raise RuntimeError("no clock")

        desk = Coalescer(decide_frames, rows_of_loans)
        got: dict[str, Any] = {}

        def page(b: str) -> None:
            try:
                got[b] = desk.decide(frames[b], broken)
            except RuntimeError as exc:
                got[b] = exc

        first = threading.Thread(target=page, args=("B1",))
        first.start()
        for _ in range(500):
            if desk._running:
                break
            threading.Event().wait(0.01)
        second = threading.Thread(target=page, args=("B2",))
        second.start()
        for _ in range(500):
            if desk._waiting:
                break
            threading.Event().wait(0.01)
        queued.set()
        first.join(10)
        second.join(10)
        assert not first.is_alive() and not second.is_alive()
        assert all(isinstance(got[b], RuntimeError) for b in ("B1", "B2"))
        assert not desk._running and not desk._waiting


class TestPortalPagesAgeTogether:
    def test_loans_aged_together_are_the_loans_aged_alone(self, world: Any) -> None:
        import threading

        from duecare.kit import clock
        from duecare.kit.clock import PinnedClock

        at = PinnedClock(datetime.now(UTC))
        with unit_of_work(world.url) as db:
            alone = {b: account.my_loans(db, b, at.moment) for b in ("B1", "B2", "B3")}
        desk = account.loans_together()
        runs = desk.runs
        got: dict[str, Any] = {}
        hold = threading.Barrier(3)

        def page(b: str) -> None:
            hold.wait(5)
            with clock.use(at), unit_of_work(world.url) as db:
                got[b] = account.my_loans_now(db, b)

        threads = [threading.Thread(target=page, args=(b,)) for b in ("B1", "B2", "B3")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert got == alone and all(got.values())
        assert 1 <= desk.runs - runs <= 3


class TestTheCasePageShowsTheStoreAsItIsNow:
    def test_a_promise_recorded_on_the_case_page_shows_on_the_next_case_page(self, client: Any, world: Any) -> None:
        from datetime import timedelta

        from test_pages import staff_signs_in, token

        staff_signs_in(client, "web-agent")
        page = client.get("/console/cases/B2").text
        when = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
        done = client.post("/console/cases/B2/promises", data={"promised_date": when, "amount": "123.45",
                                                               "loan_id": "L-B2", "csrf_token": token(page)})
        assert done.status_code == 200
        after = client.get("/console/cases/B2").text
        assert "123.45" in after and "123.45" not in page
