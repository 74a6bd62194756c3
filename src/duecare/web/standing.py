"""Standing decisions: the whole store's frames and decision table, kept in the process between requests and kept
current.

The work queue lists today's decision for every loan an agent may read, so it needs every decision of its scope
on each request; the dashboards aggregate every loan's facts and decisions. Reading and deciding the whole store
each time (the batch's code path: ~0.7 s for 2,000 borrowers, growing with the portfolio; the read alone ~0.5 s of
it) made them the slowest pages. Instead the process keeps the store's frames (every borrower, as
`web.snapshot.load_frames` reads them) and their decision table (the one code path, `web.snapshot.decide_frames`)
and, on each request:

- reads and decides again the borrowers whose facts were written since it last looked (`ledger.changes`: the log
  is written in the transaction of the write, by any process or worker, so an agent who logs a call sees its
  effect on the next queue page), replacing their rows in the kept frames and table;
- reads the whole store again when a drop was ingested (every borrower may have changed), or when the frames
  were read more than `REREAD` max ages ago (a safety net: a write that somehow escaped the log does not outlive
  it);
- decides everything again (from the kept frames, without reading the store) when the policy or the production
  model changed, or when the table is older than `DUECARE_DECISIONS_MAX_AGE_S` (60 s by default) of real time or
  of the app's clock — a decision also moves with time alone (a day ends, a promise falls due);
- then narrows the table to the rows the actor may read (the scope filter in SQL, as for every page).

So a row is never older than the max age, and never misses a write of its borrower. `DUECARE_DECISIONS_MAX_AGE_S=0`
keeps nothing: the page's own scope is read and decided on every request (the behaviour before). A case page shows
its borrower's standing rows when the kept table is current for that borrower, or can be brought up to date by
the logged writes alone (`borrower_rows`), so it shows what the queue row it was opened from shows; otherwise (no
table kept yet, the table past its max age, a drop ingested, another request's catch-up taking longer than a
quarter of a second) it decides its borrower itself
(`web.casepage.case_snapshot`): a case page never waits for, nor pays, a decision of the whole store. Each worker
holds one copy of the store's non-personal frames (docs/operations.md sizes it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import polars as pl
from sqlalchemy.orm import Session

from duecare.ledger.changes import borrower_changed_since, changed_since
from duecare.ledger.frames import Frames
from duecare.privacy.permissions import SYSTEM, Actor
from duecare.web.snapshot import _ids, decide_frames, load_frames, page_policy

MAX_AGE_ENV = "DUECARE_DECISIONS_MAX_AGE_S"  # kit.settings: decisions_max_age_s, where its default is declared
# A write is logged at its flush and seen by others at its commit: a reader looks back this much further than
# the moment it last looked, so a transaction that commits up to this long after its flush is never missed.
MARGIN = timedelta(seconds=5)
# The kept frames are read whole again after this many max ages (10 minutes by default) even when the log names
# no write: every writer logs its borrowers (tests/web/test_standing.py checks the tables), and this bounds the
# life of a write that would not.
REREAD = 10
# The longest a case page waits for another request's catch-up of the table before deciding its borrower itself.
WAIT_S = 0.25


def max_age_s() -> float:
    from duecare.kit.settings import get_settings

    return get_settings().decisions_max_age_s


@dataclass
class _Kept:
    key: tuple[int, int]  # the policy's and the scorer's identity
    frames: Frames  # every borrower's frames, every logged write up to `looked_at` applied
    read_at: float  # time.monotonic() of the last whole read of the store
    table: pl.DataFrame
    as_of: datetime  # the app-clock moment of the last whole decision
    decided_at: float  # time.monotonic() of it
    looked_at: datetime  # real time when the last look at the change log began
    redecided: int = 0  # borrowers decided again since the whole decision (for the page and the tests)
    moments: dict[str, datetime] = field(default_factory=dict)  # when those were decided (the app clock)


_kept: dict[str, _Kept] = {}
_lock = threading.Lock()


def _key() -> tuple[int, int]:
    from duecare.risk.batch import production_scorer

    return id(page_policy()), id(production_scorer())


def _stale(kept: _Kept, key: tuple[int, int], at: datetime, limit: float) -> bool:
    return (kept.key != key or time.monotonic() - kept.decided_at > limit or at < kept.as_of
            or (at - kept.as_of).total_seconds() > limit)


def _whole(frames: Frames, at: datetime) -> pl.DataFrame:
    """Every loan of the frames decided (the one place the whole store is decided; tests count the calls)."""
    return decide_frames(frames, at)


def _read(db: Session, ids: Sequence[str] | None = None) -> Frames:
    return load_frames(db, SYSTEM, ids)


def replace_borrowers(kept: Frames, fresh: Frames, ids: pl.Series) -> Frames:
    """`kept` with every row of the borrowers `ids` replaced by their rows in `fresh` (read for those borrowers
    alone). Rows without a borrower (installments, payments) go by their loan: every loan the borrowers had or
    have now."""
    loans = pl.concat([kept["loans"].filter(pl.col("borrower_id").is_in(ids.implode()))["loan_id"],
                       fresh["loans"]["loan_id"]])
    out: Frames = {}
    for name, frame in kept.items():
        column, gone = ("borrower_id", ids) if "borrower_id" in frame.columns else ("loan_id", loans)
        out[name] = pl.concat([frame.filter(~pl.col(column).is_in(gone.implode())), fresh[name]], how="vertical")
    return out


def _url(db: Session) -> str:
    return db.connection().engine.url.render_as_string(hide_password=True)


def _catch_up(db: Session, kept: _Kept, at: datetime, limit: float, key: tuple[int, int],
              whole_allowed: bool = True) -> bool:
    """Apply to `kept` the writes logged since it last looked: their borrowers read and decided again, or the
    whole table decided again from the kept frames when it is past its max age (only if `whole_allowed`). False
    when that is not enough: a drop was ingested, or the table is old and `whole_allowed` is False."""
    looked = datetime.now(UTC)
    changed, every = changed_since(db, kept.looked_at - MARGIN)
    stale = _stale(kept, key, at, limit)
    if every or (stale and not whole_allowed):
        return False
    ids = pl.Series("borrower_id", sorted(changed), dtype=pl.String)
    fresh = _read(db, ids.to_list()) if changed else None
    if fresh is not None:
        kept.frames = replace_borrowers(kept.frames, fresh, ids)
    if stale:
        kept.key, kept.table, kept.as_of, kept.decided_at = key, _whole(kept.frames, at), at, time.monotonic()
        kept.redecided, kept.moments = 0, {}
    elif fresh is not None:
        table = decide_frames(fresh, at)
        rest = (kept.table.join(ids.to_frame(), on="borrower_id", how="anti", maintain_order="left")
                if kept.table.height else kept.table)
        kept.moments.update(dict.fromkeys(ids.to_list(), at))
        kept.table = pl.concat([rest, table], how="diagonal_relaxed") if table.height else rest
        kept.redecided += ids.len()
    kept.looked_at = looked  # last: a reader without the lock reads it first (`borrower_rows`)
    return True


def _current(db: Session, at: datetime, limit: float) -> _Kept:
    """The kept frames and table, brought up to date as described above (call under `_lock`)."""
    url = _url(db)
    key = _key()
    kept = _kept.get(url)
    if kept is not None and time.monotonic() - kept.read_at <= REREAD * limit and _catch_up(db, kept, at, limit, key):
        return kept
    looked = datetime.now(UTC)
    frames = _read(db)
    now = time.monotonic()
    kept = _Kept(key=key, frames=frames, read_at=now, table=_whole(frames, at), as_of=at, decided_at=now,
                 looked_at=looked)
    _kept[url] = kept
    return kept


def borrower_rows(db: Session, borrower_id: str, at: datetime) -> tuple[pl.DataFrame, datetime] | None:
    """One borrower's standing decision rows and the moment they were decided (within the max age of `at`),
    when a table is kept and current for this borrower, else None and the caller decides the borrower itself. A
    case page never pays, nor waits for, a whole read or decision of the store (that is the queue's to pay).

    Without the lock when the log names no write of this borrower (nor of every borrower) since the table last
    looked: the rows kept are then the borrower's current ones, whatever else was written (the table is only
    replaced, never changed in place, and its `looked_at` is set after the rows it covers). Otherwise the table is
    brought up to date under the lock (the written borrowers decided again), waiting at most `WAIT_S` for it. A
    borrower without loans: None too."""
    limit = max_age_s()
    if limit == 0:
        return None
    url = _url(db)
    kept = _kept.get(url)
    if kept is None:
        return None
    looked_at = kept.looked_at  # before the rows: they cover at least the writes logged before it
    if _stale(kept, _key(), at, limit) or time.monotonic() - kept.read_at > REREAD * limit:
        return None
    if borrower_changed_since(db, borrower_id, looked_at - MARGIN):
        if not _lock.acquire(timeout=WAIT_S):
            return None
        try:
            if _kept.get(url) is not kept or not _catch_up(db, kept, at, limit, _key(), whole_allowed=False):
                return None
        finally:
            _lock.release()
    table = kept.table
    rows = table.filter(pl.col("borrower_id") == borrower_id) if table.height else table
    return (rows, kept.moments.get(borrower_id, kept.as_of)) if rows.height else None


def standing_table(db: Session, at: datetime) -> pl.DataFrame:
    """Every borrower's decision rows, current as described above (at most max-age old, every write seen)."""
    limit = max_age_s()
    if limit == 0:
        return _whole(_read(db), at)
    with _lock:  # one refresh at a time: pages asking meanwhile wait for it and share it
        return _current(db, at, limit).table


def standing_store(db: Session, at: datetime) -> tuple[Frames, pl.DataFrame]:
    """Every borrower's frames and decision rows (the dashboards' aggregates), current as described above."""
    limit = max_age_s()
    if limit == 0:
        frames = _read(db)
        return frames, _whole(frames, at)
    with _lock:
        kept = _current(db, at, limit)
        return kept.frames, kept.table


def standing_decisions(db: Session, actor: Actor, at: datetime,
                       borrower_ids: Sequence[str] | None = None) -> pl.DataFrame:
    """The standing decision rows of the borrowers the actor may read (optionally of some of them only). With a
    max age of 0 nothing is kept: only those borrowers are read and decided, now."""
    if max_age_s() == 0:
        return decide_frames(load_frames(db, actor, borrower_ids), at)
    table = standing_table(db, at)
    if table.height == 0:
        return table
    readable = pl.DataFrame({"borrower_id": list(db.execute(_ids(actor, borrower_ids)).scalars())},
                            schema={"borrower_id": pl.String})
    return table.join(readable, on="borrower_id", how="semi", maintain_order="left")


def forget() -> None:
    """Drop everything kept (tests that rewrite a store under the same URL outside the ORM)."""
    with _lock:
        _kept.clear()
