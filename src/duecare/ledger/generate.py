"""`duecare generate`: a synthetic portfolio, streamed partition by partition into one Parquet file per entity."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Self

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from duecare.kit import clock as kit_clock
from duecare.kit.errors import UserError
from duecare.ledger.synth import arrow, params, tables
from duecare.ledger.synth.borrowers import borrowers
from duecare.ledger.synth.contacts import ContactRows, episodes, inbound, outbound, promises
from duecare.ledger.synth.loans import loans_and_payments
from duecare.ledger.synth.places import TIMEZONES, LocalePool, pools
from duecare.ledger.synth.timebase import Clock
from duecare.ledger.synth.visits import workflow

PARTITION = 100_000
JURISDICTION_CHOICES = ("cn", "us", "uk", "mixed")


class Sink:
    """One ParquetWriter per entity; each partition becomes a row group. Files appear only on success."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.rows = dict.fromkeys(arrow.ENTITIES, 0)
        self._writers = {name: pq.ParquetWriter(self._partial(name), arrow.SCHEMAS[name], compression="zstd")
                         for name in arrow.ENTITIES}

    def _partial(self, name: str) -> Path:
        return self.out / f".{name}.parquet.partial"

    def write(self, parts: dict[str, pa.Table]) -> None:
        for name, table in parts.items():
            if table.num_rows:
                self._writers[name].write_table(table)
            self.rows[name] += table.num_rows

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        for writer in self._writers.values():
            writer.close()
        for name in arrow.ENTITIES:
            if kind is None:
                self._partial(name).replace(self.out / f"{name}.parquet")
            else:
                self._partial(name).unlink(missing_ok=True)


def partition(rng: np.random.Generator, clock: Clock, start: int, n: int, jurisdiction: str,
              locale_pools: dict[int, LocalePool], counters: dict[str, int]) -> dict[str, pa.Table]:
    """Every entity for borrowers start … start+n-1; ids continue from `counters`."""
    people, borrower_t, truth_t = borrowers(rng, start, n, jurisdiction, locale_pools)
    cutoff = clock.cutoff(people.tz)
    book, ledger = loans_and_payments(rng, clock, people.ids, people.segment, people.jurisdiction, people.tz,
                                      cutoff, counters["loans"], counters["payments"])
    ep = episodes(clock, book, people.tz, cutoff)
    rows = ContactRows.empty()
    out_ep, out_at = outbound(rng, clock, ep, people.segment, people.tz, rows)
    in_ep, in_at = inbound(rng, clock, ep, people.segment, people.tz, cutoff, rows)
    wf = workflow(rng, clock, ep, people.segment, people.tz, cutoff, rows)
    kept = promises(rng, clock, book, ep, people.tz, np.r_[out_ep, in_ep], np.r_[out_at, in_at])
    parts: dict[str, pa.Table] = {"borrowers": borrower_t, "truth": truth_t, **ledger}
    parts["contacts"] = tables.contacts(rng, rows, people.ids, book.loan_ids, counters["contacts"])
    parts["promises"] = tables.promises(kept, people.ids, book.loan_ids, counters["promises"])
    parts.update(tables.workflow(wf, people.ids, book.loan_ids, people.jurisdiction, counters))
    for name, table in parts.items():
        counters[name] += table.num_rows
    return parts


def generate(accounts: int, seed: int, out: Path, jurisdiction: str = "cn", as_of: dt.date | None = None,
             partition_size: int = PARTITION, on_partition: Callable[[int], None] | None = None) -> dict[str, object]:
    """Write the portfolio to `out`; the same (accounts, seed, as_of, partition_size) gives the same files."""
    if accounts < 1:
        raise UserError("--accounts must be at least 1", place="--accounts")
    if jurisdiction not in JURISDICTION_CHOICES:
        raise UserError(f"unknown jurisdiction {jurisdiction!r}; use one of {', '.join(JURISDICTION_CHOICES)}",
                        place="--jurisdiction")
    if partition_size < 1:
        raise UserError("partition size must be at least 1", place="partition_size")
    as_of = as_of or kit_clock.today()
    began = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    used = (0, 1, 2) if jurisdiction == "mixed" else (params.JURISDICTIONS.index(jurisdiction),)
    locale_pools = pools(seed, used)
    clock = Clock.build(as_of, TIMEZONES)
    counters = dict.fromkeys(arrow.ENTITIES, 0)
    with Sink(out) as sink:
        for part, start in enumerate(range(0, accounts, partition_size)):
            n = min(partition_size, accounts - start)
            rng = np.random.default_rng([seed, part])
            sink.write(partition(rng, clock, start, n, jurisdiction, locale_pools, counters))
            if on_partition:
                on_partition(n)
    return {"out": str(out), "accounts": accounts, "seed": seed, "jurisdiction": jurisdiction,
            "as_of": as_of.isoformat(), "rows": sink.rows, "seconds": round(time.perf_counter() - began, 2)}
