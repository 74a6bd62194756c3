"""Standing decisions: the whole store's decision table, kept in the process between requests and kept current.

The work queue lists today's decision for every loan an agent may read, so it needs every decision of its scope
on each request. Deciding them all each time (the batch's code path over the whole scope: ~0.7 s for 2,000
borrowers, growing with the portfolio) made the queue the slowest page. Instead the process keeps the last
decision table of the store (every borrower, decided by the one code path, `web.snapshot.decide_frames`) and, on
each request:

- re-decides the borrowers whose facts were written since it last looked (`ledger.changes`: the log is written
  in the transaction of the write, by any process or worker, so an agent who logs a call sees its effect on the
  next queue page);
- decides everything again when a drop was ingested (every borrower may have changed), when the policy or the
  production model changed, or when the table is older than `DUECARE_DECISIONS_MAX_AGE_S` (60 s by default) of
  real time or of the app's clock — a decision also moves with time alone (a day ends, a promise falls due);
- then narrows the table to the rows the actor may read (the scope filter in SQL, as for every page).

So a row is never older than the max age, and never misses a write of its borrower. `DUECARE_DECISIONS_MAX_AGE_S=0`
decides the page's own scope on every request (the behaviour before). A case page still decides its borrower on request
(`web.snapshot.case_snapshot`): the queue is where work is chosen, the case page where it is done.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import polars as pl
from sqlalchemy.orm import Session

from duecare.ledger.changes import changed_since
from duecare.privacy.permissions import SYSTEM, Actor
from duecare.web.snapshot import _ids, decide_frames, load_frames, page_policy

MAX_AGE_ENV = "DUECARE_DECISIONS_MAX_AGE_S"  # kit.settings: decisions_max_age_s, where its default is declared
# A write is logged at its flush and seen by others at its commit: a reader looks back this much further than
# the moment it last looked, so a transaction that commits up to this long after its flush is never missed.
MARGIN = timedelta(seconds=5)


def max_age_s() -> float:
    from duecare.kit.settings import get_settings

    return get_settings().decisions_max_age_s


@dataclass
class _Kept:
    key: tuple[int, int]  # the policy's and the scorer's identity
    table: pl.DataFrame
    as_of: datetime  # the app-clock moment of the last whole decision
    decided_at: float  # time.monotonic() of it
    looked_at: datetime  # real time when the last look at the change log began
    redecided: int = 0  # borrowers decided again since the whole decision (for the page and the tests)


_kept: dict[str, _Kept] = {}
_lock = threading.Lock()


def _key() -> tuple[int, int]:
    from duecare.risk.batch import production_scorer

    return id(page_policy()), id(production_scorer())


def _stale(kept: _Kept, key: tuple[int, int], at: datetime, limit: float) -> bool:
    return (kept.key != key or time.monotonic() - kept.decided_at > limit or at < kept.as_of
            or (at - kept.as_of).total_seconds() > limit)


def _whole(db: Session, at: datetime) -> pl.DataFrame:
    return decide_frames(load_frames(db, SYSTEM), at)


def standing_table(db: Session, at: datetime) -> pl.DataFrame:
    """Every borrower's decision rows, current as described above (at most max-age old, every write seen)."""
    limit = max_age_s()
    if limit == 0:
        return _whole(db, at)
    url = db.connection().engine.url.render_as_string(hide_password=True)
    with _lock:  # one refresh at a time: pages asking meanwhile wait for it and share it
        looked = datetime.now(UTC)
        key = _key()
        kept = _kept.get(url)
        if kept is None or _stale(kept, key, at, limit):
            table = _whole(db, at)
            _kept[url] = _Kept(key=key, table=table, as_of=at, decided_at=time.monotonic(), looked_at=looked)
            return table
        changed, every = changed_since(db, kept.looked_at - MARGIN)
        if every:
            table = _whole(db, at)
            _kept[url] = _Kept(key=key, table=table, as_of=at, decided_at=time.monotonic(), looked_at=looked)
            return table
        if changed:
            ids = pl.DataFrame({"borrower_id": sorted(changed)}, schema={"borrower_id": pl.String})
            fresh = decide_frames(load_frames(db, SYSTEM, ids["borrower_id"].to_list()), at)
            rest = (kept.table.join(ids, on="borrower_id", how="anti", maintain_order="left") if kept.table.height
                    else kept.table)
            kept.table = pl.concat([rest, fresh], how="diagonal_relaxed") if fresh.height else rest
            kept.redecided += ids.height
        kept.looked_at = looked
        return kept.table


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
    """Drop every kept table (tests that rewrite a store under the same URL outside the ORM)."""
    with _lock:
        _kept.clear()
