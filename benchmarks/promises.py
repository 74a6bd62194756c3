"""What settling promises costs (policy/promises.py): the one rule on frames, and the nightly write-back.

    PYTHONPATH=src .venv/bin/python benchmarks/promises.py [--borrowers 200000] [--accounts 5000]

1. `settle_frame` alone on a synthetic book: `--borrowers` borrowers, each with 1 to 4 promises made here and
   0 to 6 payments on 1 or 2 loans, in three zones; promises/s and the number of rounds (the most promises one
   borrower has).
2. `settle_store` on SQLite as `duecare run` calls it: a generated portfolio of `--accounts` borrowers ingested
   into a temporary store, one promise made here on every loan of it (dated from 5 days ago to 5 days ahead,
   amounts from a tenth to all of a month's payments), then the whole store settled twice: the first pass writes
   every status (and audits each kept or broken; timed with its commit, which links the audit events), the
   second finds nothing to change.
Each line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("DUECARE_DATA_DIR", tempfile.mkdtemp(prefix="duecare-bench-"))
sys.path.insert(0, str(Path(__file__).parent))

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

from duecare.policy.promises import PAYMENT_SCHEMA, PROMISE_SCHEMA, settle_frame, settle_store  # noqa: E402

AT = datetime(2026, 11, 25, 4, tzinfo=UTC)
ZONES = np.array(["Asia/Shanghai", "America/New_York", "Europe/London"])


def synthetic(borrowers: int, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    per = rng.integers(1, 5, borrowers)
    owner = np.repeat(np.arange(borrowers), per)
    n = owner.size
    zone = ZONES[rng.integers(0, 3, borrowers)]
    made = [AT - h for h in pd_hours(rng.integers(24, 24 * 30, n))]
    promises = pl.DataFrame({
        "promise_id": [f"P{i}" for i in range(n)], "borrower_id": [f"B{b}" for b in owner],
        "loan_id": [None if k == 2 else f"L{b}-{k}" for b, k in zip(owner, rng.integers(0, 3, n), strict=True)],
        "promised_date": [(m + timedelta(days=int(d))).date() for m, d in zip(made, rng.integers(0, 12, n),
                                                                              strict=True)],
        "amount_minor": rng.integers(1000, 100_000, n), "made_at": made, "timezone": zone[owner],
    }, schema=PROMISE_SCHEMA)
    pays = rng.integers(0, 7, borrowers)
    payer = np.repeat(np.arange(borrowers), pays)
    m = payer.size
    payments = pl.DataFrame({
        "payment_id": [f"Y{i}" for i in range(m)], "borrower_id": [f"B{b}" for b in payer],
        "loan_id": [f"L{b}-{k}" for b, k in zip(payer, rng.integers(0, 2, m), strict=True)],
        "paid_at": [AT - h for h in pd_hours(rng.integers(0, 24 * 30, m))], "amount_minor": rng.integers(500, 80_000, m),
    }, schema=PAYMENT_SCHEMA)
    return promises, payments


def pd_hours(hours: np.ndarray) -> list[datetime]:
    return [timedelta(hours=int(h)) for h in hours]


def frame_figures(borrowers: int, seed: int) -> dict[str, object]:
    promises, payments = synthetic(borrowers, seed)
    settle_frame(promises.head(1000), payments.head(1000), AT)  # warm
    start = time.perf_counter()
    out = settle_frame(promises, payments, AT)
    took = time.perf_counter() - start
    return {"part": "settle_frame", "borrowers": borrowers, "promises": promises.height,
            "payments": payments.height, "rounds": int(promises.group_by("borrower_id").len()["len"].max()),
            "seconds": round(took, 3), "promises_per_second": round(promises.height / took),
            "by_status": dict(out.group_by("status").len().sort("status").iter_rows())}


def store_figures(accounts: int, seed: int) -> dict[str, object]:
    from _portfolio import portfolio
    from sqlalchemy import select

    from duecare.kit.db import migrate, unit_of_work
    from duecare.ledger import models as m
    from duecare.ledger.ingest import ingest_directory

    directory = portfolio(accounts, seed, AT.date().isoformat())
    url = f"sqlite:///{tempfile.mkdtemp(prefix='duecare-bench-')}/bench.db"
    migrate(url)
    with unit_of_work(url) as db:
        ingest_directory(db, directory)
    rng = np.random.default_rng(seed)
    with unit_of_work(url) as db:
        loans = db.execute(select(m.Loan.id, m.Loan.borrower_id)).all()
        rows = [{"id": f"PTP-bench-{i}", "borrower_id": bid, "loan_id": lid,
                 "promised_date": (AT + timedelta(days=int(rng.integers(-5, 6)))).date(),
                 "amount_minor": int(rng.integers(10_000, 100_000)), "status": m.PromiseStatus.OPEN,
                 "made_at": AT - timedelta(days=12)} for i, (lid, bid) in enumerate(loans)]
        db.execute(m.Promise.__table__.insert(), rows)  # Core: the trigger settles nothing until we ask
    timings = []
    for _ in range(2):
        start = time.perf_counter()
        with unit_of_work(url) as db:
            changed = settle_store(db, AT)
        timings.append((time.perf_counter() - start, changed))  # with the commit: the audit events are linked
    first, second = timings
    return {"part": "settle_store (sqlite, the nightly pass)", "accounts": accounts, "promises": len(rows),
            "first_pass_seconds": round(first[0], 2), "first_pass_written": first[1].height,
            "first_by_status": dict(first[1].group_by("status").len().sort("status").iter_rows()),
            "second_pass_seconds": round(second[0], 2), "second_pass_written": second[1].height}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--borrowers", type=int, default=200_000)
    ap.add_argument("--accounts", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    print(json.dumps(frame_figures(args.borrowers, args.seed)), flush=True)
    print(json.dumps(store_figures(args.accounts, args.seed)), flush=True)


if __name__ == "__main__":
    main()
