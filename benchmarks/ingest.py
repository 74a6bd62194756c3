"""Ingest throughput: a full drop into an empty store, then a 1% daily delta, on SQLite and PostgreSQL; rows/s.

    .venv/bin/python benchmarks/ingest.py --accounts 5000 [--dir DIR] [--rerun]
    bash scripts/with-services.sh .venv/bin/python benchmarks/ingest.py --accounts 1000000 --dir /tmp/p1m

The portfolio is generated into --dir unless that directory already holds one (generation of 1M accounts takes
minutes: reuse it). The delta drop is built beside it (DIR-delta): 1% of the loans again under new ids with
their installments, 1% of the payments and of the contacts as new rows, and 1% of the promises with a changed
status (updates) — the daily case of new payments, contacts and loans. SQLite runs in a temporary file; with
DUECARE_TEST_PG_URL set (scripts/with-services.sh) PostgreSQL runs in a throwaway database too. Each line of
output is one JSON object; `--rerun` adds the no-change re-run of the full drop.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

import polars as pl

FILES = ("loans", "installments", "payments", "contacts", "promises")


def _every_100th(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.int_range(pl.len()) % 100 == 0)


def build_delta(portfolio: Path, out: Path) -> dict[str, int]:
    """A day's drop: 1% new loans (+ installments), 1% new payments and contacts, 1% promises updated."""
    out.mkdir(parents=True, exist_ok=True)

    def new_id(column: str) -> pl.Expr:
        return pl.lit("D1-") + pl.col(column)

    loans = _every_100th(pl.read_parquet(portfolio / "loans.parquet"))
    chosen = loans.select("loan_id")
    installments = pl.read_parquet(portfolio / "installments.parquet").join(chosen, on="loan_id", how="semi")
    frames = {
        "loans": loans.with_columns(loan_id=new_id("loan_id")),
        "installments": installments.with_columns(loan_id=new_id("loan_id")),
        "payments": _every_100th(pl.read_parquet(portfolio / "payments.parquet")).with_columns(
            payment_id=new_id("payment_id"), paid_at=pl.col("paid_at") + pl.duration(days=1)),
        "contacts": _every_100th(pl.read_parquet(portfolio / "contacts.parquet")).with_columns(
            contact_id=new_id("contact_id"), at=pl.col("at") + pl.duration(days=1)),
        "promises": _every_100th(pl.read_parquet(portfolio / "promises.parquet")).with_columns(
            status=pl.when(pl.col("status") == "kept").then(pl.lit("broken")).otherwise(pl.lit("kept"))),
    }
    for name, frame in frames.items():
        frame.write_parquet(out / f"{name}.parquet")
    return {name: frame.height for name, frame in frames.items()}


def _pg_database(base: str) -> tuple[str, str]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"duecare_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False), name


def _drop_pg(base: str, url: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    from duecare.kit import db as kitdb

    engine = kitdb._engines.pop(url, None)
    if engine is not None:
        engine.dispose()
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _cpu_of(pid: int) -> float:
    """CPU seconds (user + system) a local process has used so far (/proc; 0 where it cannot be read)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _ingest(url: str, directory: Path, label: str) -> None:
    from sqlalchemy import text

    from duecare.kit.db import unit_of_work
    from duecare.ledger.ingest import ingest_directory

    started = time.perf_counter()
    ours = resource.getrusage(resource.RUSAGE_SELF)
    with unit_of_work(url) as session:
        backend = session.execute(text("SELECT pg_backend_pid()")).scalar_one() if url.startswith("postgresql") \
            else None
        server = _cpu_of(backend) if backend else 0.0
        summary = ingest_directory(session, directory)
        server = _cpu_of(backend) - server if backend else 0.0
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime - ours.ru_utime + after.ru_stime - ours.ru_stime + server
    rows = sum(f.read for f in summary.files)
    written = {f.name: {"inserted": f.inserted, "updated": f.updated, "unchanged": f.unchanged}
               for f in summary.files}
    # The machine is shared: cpu_seconds (this process + the PostgreSQL backend serving it) tells the work done
    # apart from the time spent waiting for a core.
    print(json.dumps({"run": label, "database": summary.dialect, "rows": rows, "seconds": round(seconds, 2),
                      "rows_per_s": round(rows / seconds), "cpu_seconds": round(cpu, 2), "server_cpu_seconds": round(server, 2),
                      "rows_per_cpu_s": round(rows / cpu) if cpu else None, "files": written}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=None, help="portfolio directory (generated when empty)")
    parser.add_argument("--databases", default="sqlite,postgresql", help="which of sqlite,postgresql to run")
    parser.add_argument("--rerun", action="store_true", help="also time the no-change re-run of the full drop")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="duecare-bench-ingest-"))
    os.environ.setdefault("DUECARE_DATA_DIR", str(work / "data"))  # keys for this run only
    from duecare.kit.db import migrate
    from duecare.ledger.generate import generate

    directory = args.dir or work / "portfolio"
    if not (directory / "borrowers.parquet").exists():
        started = time.perf_counter()
        generate(args.accounts, seed=args.seed, out=directory, as_of=dt.date(2026, 11, 25))
        print(json.dumps({"generated": str(directory), "seconds": round(time.perf_counter() - started, 1)}),
              flush=True)
    delta = directory.with_name(directory.name + "-delta")
    print(json.dumps({"delta": str(delta), "rows": build_delta(directory, delta)}), flush=True)

    wanted = args.databases.split(",")
    targets: list[tuple[str, str | None]] = []
    if "sqlite" in wanted:
        targets.append((f"sqlite:///{work / 'bench.db'}", None))
    pg = os.environ.get("DUECARE_TEST_PG_URL")
    if "postgresql" in wanted:
        if pg:
            targets.append(_pg_database(pg))
        else:
            print("postgresql skipped: DUECARE_TEST_PG_URL is not set (run through scripts/with-services.sh)",
                  file=sys.stderr)
    for url, pg_name in targets:
        try:
            migrate(url)
            _ingest(url, directory, "full drop")
            if args.rerun:
                _ingest(url, directory, "re-run of the full drop (no changes)")
            _ingest(url, delta, "1% daily delta")
        finally:
            if pg_name is not None and pg:
                _drop_pg(pg, url, pg_name)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"peak_rss_mb": round(peak_mb)}))
    shutil.rmtree(work, ignore_errors=True)  # the SQLite file, the keys and a generated portfolio


if __name__ == "__main__":
    main()
