"""Case pages asked at the same time decide together: one `decide` over their frames, at one moment.

A single borrower's decision costs about what sixty borrowers' do (some 150 small Polars queries whatever the
rows), so under load the pages queue behind the same fixed cost again and again. Here the first page to ask runs
the evaluator (the batch's, `web.snapshot.decide_frames`) over the frames of every page waiting at that moment
and hands each its own rows; pages that ask while it runs are decided by the next run, led by the first of them.
A decision reads only its own borrower's rows (the nightly batch decides borrower-complete partitions the same
way), so a page gets the rows it would get alone, at a moment within its own request. Each page reads its frames
itself, in its own transaction and scope; only the pure computation is shared. A page alone pays nothing extra.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from duecare.ledger.frames import Frames

Decide = Callable[[Frames, datetime], pl.DataFrame]


@dataclass(eq=False)
class _Ask:
    frames: Frames
    borrowers: frozenset[str]
    clock: Callable[[], datetime]
    ready: threading.Event = field(default_factory=threading.Event)
    answer: tuple[pl.DataFrame, datetime] | None = None
    error: BaseException | None = None


class Coalescer:
    """Runs `decide` once for the asks waiting together; one run at a time, the next led by its first ask."""

    def __init__(self, decide: Decide) -> None:
        self._decide = decide
        self._lock = threading.Lock()
        self._waiting: list[_Ask] = []
        self._running = False
        self.runs = 0  # how many times `decide` ran (tests and benchmarks read it)

    def decide(self, frames: Frames, clock: Callable[[], datetime]) -> tuple[pl.DataFrame, datetime]:
        """The decision table of `frames` and the moment it was decided at (`clock()`, taken when the run starts)."""
        if frames["loans"].height == 0:  # nothing to decide (and nothing to share)
            as_of = clock()
            return self._decide(frames, as_of), as_of
        ask = _Ask(frames, frozenset(frames["borrowers"]["borrower_id"].to_list()), clock)
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

    def _take(self) -> list[_Ask]:
        """The waiting asks this run can decide together: on the leader's clock, no borrower twice (two pages of
        one borrower may have read it in different states)."""
        leader = self._waiting[0]
        batch, seen, left = [], set[str](), []
        for ask in self._waiting:
            if ask.clock is leader.clock and not (ask.borrowers & seen):
                batch.append(ask)
                seen |= ask.borrowers
            else:
                left.append(ask)
        self._waiting = left
        return batch

    def _run(self, batch: list[_Ask]) -> None:
        as_of = batch[0].clock()
        try:
            if len(batch) > 1:
                self._together(batch, as_of)
        except Exception:  # one page's frames fail the run: each is decided on its own below, its error its own
            for ask in batch:
                ask.answer = None
        finally:
            for ask in batch:
                if ask.answer is None:
                    try:
                        ask.answer = (self._decide(ask.frames, as_of), as_of)
                        self.runs += 1
                    except Exception as exc:
                        ask.error = exc
                    except BaseException as exc:
                        ask.error = RuntimeError(f"the decision run stopped: {exc!r}")
                ask.ready.set()

    def _together(self, batch: list[_Ask], as_of: datetime) -> None:
        together = {name: pl.concat([a.frames[name] for a in batch], how="vertical") for name in batch[0].frames}
        decided = self._decide(together, as_of)
        self.runs += 1
        for ask in batch:
            ask.answer = (decided.filter(pl.col("borrower_id").is_in(list(ask.borrowers))), as_of)
