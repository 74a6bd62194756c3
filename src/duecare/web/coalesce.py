"""Pages asked at the same time compute together: one `decide` (or one ageing) over their frames, at one moment.

A single borrower's decision costs about what sixty borrowers' do (some 150 small Polars queries whatever the
rows), so under load the pages queue behind the same fixed cost again and again. Here the first page to ask runs
the evaluator (the batch's, `web.snapshot.decide_frames`) over the frames of every page waiting at that moment
and hands each its own rows; pages that ask while it runs are decided by the next run, led by the first of them.
A decision reads only its own borrower's rows (the nightly batch decides borrower-complete partitions the same
way), so a page gets the rows it would get alone, at a moment within its own request. Each page reads its frames
itself, in its own transaction and scope; only the pure computation is shared. A page alone pays nothing extra.
The portal's loan pages share their ageing the same way (portal/account.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

import polars as pl

from duecare.ledger.frames import Frames

T = TypeVar("T")


@dataclass(eq=False)
class _Ask(Generic[T]):
    frames: Frames
    borrowers: frozenset[str]
    clock: Callable[[], datetime]
    ready: threading.Event = field(default_factory=threading.Event)
    answer: tuple[T, datetime] | None = None
    error: BaseException | None = None


def rows_of_loans(table: pl.DataFrame, loans: pl.Series) -> pl.DataFrame:
    """A per-loan (or per-installment, per-payment) table narrowed to some loans: one page's share of a run."""
    return table.filter(pl.col("loan_id").is_in(loans.implode()))


Three = tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]


def rows_of_three(tables: Three, loans: pl.Series) -> Three:
    """`rows_of_loans` of each of three per-loan tables (a page's decision or ageing with its schedule coverage)."""
    return (rows_of_loans(tables[0], loans), rows_of_loans(tables[1], loans), rows_of_loans(tables[2], loans))


class Coalescer(Generic[T]):
    """Runs `compute` once for the asks waiting together; one run at a time, the next led by its first ask.
    `share` narrows a run's result to one ask's loans."""

    def __init__(self, compute: Callable[[Frames, datetime], T], share: Callable[[T, pl.Series], T]) -> None:
        self._compute = compute
        self._share = share
        self._lock = threading.Lock()
        self._waiting: list[_Ask[T]] = []
        self._running = False
        self.runs = 0  # how many times `compute` ran (tests and benchmarks read it)

    def decide(self, frames: Frames, clock: Callable[[], datetime]) -> tuple[T, datetime]:
        """What `compute` gives for `frames` and the moment it was computed at (`clock()`, taken when the run
        starts). `frames` hold whole borrowers (every row of each borrower they name)."""
        if frames["loans"].height == 0:  # nothing to decide (and nothing to share)
            as_of = clock()
            return self._compute(frames, as_of), as_of
        ask: _Ask[T] = _Ask(frames, frozenset(frames["borrowers"]["borrower_id"].to_list()), clock)
        with self._lock:
            self._waiting.append(ask)
            lead = not self._running
            self._running = True
        if not lead:
            ask.ready.wait()  # set when answered, or when this ask is to lead the next run
        if ask.answer is None and ask.error is None:
            self._lead()
        if ask.error is not None:
            raise ask.error
        assert ask.answer is not None
        return ask.answer

    def _lead(self) -> None:
        try:
            with self._lock:
                batch = self._take()
            self._run(batch)
        finally:
            with self._lock:
                if self._waiting:
                    self._waiting[0].ready.set()  # it leads the next run
                else:
                    self._running = False

    def _take(self) -> list[_Ask[T]]:
        """The waiting asks this run can decide together: on the leader's clock, no borrower twice (two pages of
        one borrower may have read it in different states)."""
        leader = self._waiting[0]
        batch: list[_Ask[T]] = []
        left: list[_Ask[T]] = []
        seen: set[str] = set()
        for ask in self._waiting:
            if ask.clock is leader.clock and not (ask.borrowers & seen):
                batch.append(ask)
                seen |= ask.borrowers
            else:
                left.append(ask)
        self._waiting = left
        return batch

    def _run(self, batch: list[_Ask[T]]) -> None:
        """Answers every ask of the batch, with its rows or its own error; never leaves one waiting."""
        try:
            as_of = batch[0].clock()
            if len(batch) > 1:
                try:
                    self._together(batch, as_of)
                except Exception:  # one page's frames fail the run: each is computed on its own, its error its own
                    for ask in batch:
                        ask.answer = None
            for ask in batch:
                if ask.answer is None:
                    try:
                        ask.answer = (self._compute(ask.frames, as_of), as_of)
                        self.runs += 1
                    except Exception as exc:
                        ask.error = exc
        except Exception as exc:  # the clock itself failed: every page of the run says so
            for ask in batch:
                ask.error = exc
        finally:
            for ask in batch:
                if ask.answer is None and ask.error is None:
                    ask.error = RuntimeError("the run stopped before this page was answered")
                ask.ready.set()

    def _together(self, batch: list[_Ask[T]], as_of: datetime) -> None:
        together = {name: pl.concat([a.frames[name] for a in batch], how="vertical") for name in batch[0].frames}
        decided = self._compute(together, as_of)
        self.runs += 1
        for ask in batch:
            ask.answer = (self._share(decided, ask.frames["loans"]["loan_id"]), as_of)
