"""Console and portal page handlers, in process: latency and work per request of the case page, the work queue, the
dashboards and the borrower's portal home and loan pages.

    .venv/bin/python benchmarks/pages.py                                  # builds a 300-account demo first
    .venv/bin/python benchmarks/pages.py --demo-dir /tmp/demo --requests 50
    E2E_DEMO_DATA=/tmp/demo .venv/bin/python benchmarks/pages.py

What it does:
1. the demo data set (`duecare demo --no-serve`: generate, ingest, risk train, the nightly run, demo users), built
   into a temporary directory, or a copy of one built before (`--demo-dir`, else E2E_DEMO_DATA): the pages write
   read-audit events, so the original is never touched;
2. the app itself (`create_app`, the demo's settings) under Starlette's TestClient, with real sessions (rows made by
   privacy.sessions.create_session) for the supervisor, an agent and signed-in borrowers: no network, so the figures
   are the handler's;
3. per page, a few warm-up requests, then `--requests` timed ones: the case page of borrowers sampled from the
   store (seed 11), decided on request (no standing table kept, as on a worker's first page) and, after the queue
   pages, reading the standing rows the queue keeps (web/standing.py), the queue unfiltered, with each filter the form offers, and searching a borrower id; the
   supervisor's dashboards; the portal
   home and loan page of borrowers with a loan sampled the same way (each request as one of them, in turn);
4. per request it counts the Polars queries run (every `LazyFrame.collect`, and the eager `DataFrame` methods,
   which Polars runs as one lazy query each) and the SQL statements sent to the database.

With `--clients N` (N > 1) it then sends the case page and the portal loan page from N threads at once (a
TestClient each, no pause between requests): the wall clock per request then includes waiting for the others, and
`cpu ms/req` is the process CPU time over the run divided by the requests (what a request costs when pages
arrive together, e.g. case pages decided in one evaluator run, loan pages aged in one run: web/coalesce.py;
`runs/req` counts those runs).

It prints min / p50 / p99 / mean wall-clock ms (the minimum: the request's cost with the least interference), the
p50 of the process CPU time per request (the app runs in this process: on a machine shared with other work the CPU
time moves less than the wall clock), Polars queries and SQL statements per request (mean). Sequential requests: this measures the work a request costs, not throughput (benchmarks/load.py
does that over HTTP).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

COUNTS = {"polars": 0, "sql": 0}


def count_polars_queries() -> None:
    """Count each query Polars runs: LazyFrame.collect and the eager path DataFrame methods go through."""
    import polars as pl

    depth = {"n": 0}

    def counted(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if depth["n"] == 0:
                COUNTS["polars"] += 1
            depth["n"] += 1
            try:
                return original(*args, **kwargs)
            finally:
                depth["n"] -= 1
        return wrapper

    for name in ("collect", "_collect_eager"):
        if hasattr(pl.LazyFrame, name):
            setattr(pl.LazyFrame, name, counted(getattr(pl.LazyFrame, name)))
    pl.collect_all = counted(pl.collect_all)


def count_sql() -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "before_cursor_execute")
    def _count(*_: Any) -> None:
        COUNTS["sql"] += 1


def demo_dir(given: str | None, accounts: int, work: Path) -> Path:
    source = given or os.environ.get("E2E_DEMO_DATA")
    target = work / "demo"
    if source:
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("portfolio", "*.lock"))
        return target
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "duecare.cli", "demo", "--no-serve", "--accounts", str(accounts),
                    "--dir", str(target)], env={**_env(target), "PYTHONPATH": str(ROOT / "src")}, check=True,
                   stdout=subprocess.DEVNULL)
    print(f"demo data ({accounts} accounts) built in {time.perf_counter() - started:.1f} s")
    return target


def _env(directory: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DUECARE_DATABASE_URL", "DUECARE_DEMO_NOW")}
    env.update(DUECARE_DATA_DIR=str(directory), DUECARE_DEMO="1", DUECARE_DEMO_CODES="1")
    return env


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--demo-dir", help="a directory `duecare demo --no-serve --dir` built (copied, never written)")
    ap.add_argument("--accounts", type=int, default=300, help="demo size when building one")
    ap.add_argument("--requests", type=int, default=30, help="timed requests per page")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--clients", type=int, default=1, help="also send the case and loan pages from N threads at once")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="duecare-pages-") as tmp:
        data = demo_dir(args.demo_dir, args.accounts, Path(tmp))
        os.environ.update({k: v for k, v in _env(data).items() if k.startswith("DUECARE_")})
        run(args, data)


def run(args: argparse.Namespace, data: Path) -> None:
    from fastapi.testclient import TestClient
    from sqlalchemy import select

    from duecare.app.factory import create_app
    from duecare.kit.db import unit_of_work
    from duecare.kit.settings import get_settings
    from duecare.ledger import models as m
    from duecare.privacy.sessions import SESSION_COOKIE, create_session

    url = get_settings().database_url
    app = create_app(url)
    with unit_of_work(url) as db:
        supervisor = create_session(db, kind="staff", subject_id="demo-supervisor", role="supervisor")
        agent = create_session(db, kind="staff", subject_id="demo-agent", role="agent")
        borrowers = list(db.scalars(select(m.Borrower.id).order_by(m.Borrower.id)))
        cases = random.Random(11).sample(borrowers, min(50, len(borrowers)))
        loans = sorted(db.execute(select(m.Loan.borrower_id, m.Loan.id).where(m.Loan.borrower_id.in_(cases))).tuples())
        portal = [(create_session(db, kind="borrower", subject_id=b, role="borrower"), loan) for b, loan in loans]
    count_polars_queries()
    count_sql()

    from duecare.web import standing

    # Before each request of a page (not timed): the case page is measured decided on request (nothing kept: a
    # worker's first page, or a table past its max age) and reading the standing rows the queue keeps.
    prepare: dict[str, Callable[[], Any]] = {
        "case page (decided)": standing.forget,
        "case page (standing rows)": lambda: None,
    }
    pages: list[tuple[str, Callable[[int], str], Callable[[int], str]]] = [
        ("case page (decided)", lambda i: supervisor, lambda i: f"/console/cases/{cases[i % len(cases)]}"),
        ("queue (supervisor)", lambda i: supervisor, lambda i: "/console/queue"),
        ("case page (standing rows)", lambda i: supervisor, lambda i: f"/console/cases/{cases[i % len(cases)]}"),
        ("queue filtered (supervisor)", lambda i: supervisor,
         lambda i: ["/console/queue?action=call", "/console/queue?bucket=1-30", "/console/queue?band=high",
                    "/console/queue?sort=dpd", "/console/queue?min_overdue=100"][i % 5]),
        ("queue search (supervisor)", lambda i: supervisor, lambda i: f"/console/queue?q={cases[i % len(cases)]}"),
        ("queue (agent)", lambda i: agent, lambda i: "/console/queue"),
        ("dashboards (supervisor)", lambda i: supervisor, lambda i: "/console/dashboards"),
        ("portal home (borrower)", lambda i: portal[i % len(portal)][0], lambda i: "/portal"),
        ("portal loan (borrower)", lambda i: portal[i % len(portal)][0],
         lambda i: f"/portal/loans/{portal[i % len(portal)][1]}"),
    ]
    print(f"{len(borrowers)} borrowers; {args.requests} timed requests per page after {args.warmup} warm-up; "
          f"python {sys.version.split()[0]}")
    print(f"{'page':<30} {'min ms':>7} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8} {'cpu p50 ms':>10} {'polars q/req':>13} "
          f"{'sql/req':>8}")
    with TestClient(app, headers={"accept": "text/html"}) as client:
        for label, token, path in pages:
            for i in range(args.warmup):
                client.cookies.set(SESSION_COOKIE, token(i))
                r = client.get(path(i))
                assert r.status_code == 200, (path(i), r.status_code, r.text[:300])
            times, cpu, polars_q, sql_q = [], [], [], []
            for i in range(args.requests):
                client.cookies.set(SESSION_COOKIE, token(i))
                prepare.get(label, lambda: None)()
                COUNTS.update(polars=0, sql=0)
                started, cpu_started = time.perf_counter(), time.process_time()
                r = client.get(path(i))
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - cpu_started) * 1000)
                assert r.status_code == 200, (path(i), r.status_code)
                polars_q.append(COUNTS["polars"])
                sql_q.append(COUNTS["sql"])
            print(f"{label:<30} {min(times):>7.1f} {pct(times, 0.5):>8.1f} {pct(times, 0.99):>8.1f} "
                  f"{statistics.fmean(times):>8.1f} "
                  f"{pct(cpu, 0.5):>10.1f} {statistics.fmean(polars_q):>13.1f} {statistics.fmean(sql_q):>8.1f}")
    if args.clients > 1:
        standing.forget()  # the case pages decided together: no table kept (a case page never keeps one itself)
        together(app, args, [pages[0], pages[-1]])


def together(app: Any, args: argparse.Namespace, pages: list[tuple[str, Callable[[int], str], Callable[[int], str]]]
             ) -> None:
    """The pages sent from `args.clients` threads at once, `args.requests` each."""
    from concurrent.futures import ThreadPoolExecutor

    from fastapi.testclient import TestClient

    from duecare.portal.account import loans_together as loan_desk
    from duecare.privacy.sessions import SESSION_COOKIE
    from duecare.web.casepage import case_decisions

    print(f"\n{args.clients} clients at once, {args.requests} requests each")
    print(f"{'page':<30} {'min ms':>7} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>7} {'cpu ms/req':>10} {'runs/req':>9}")
    for label, token, path in pages:
        def client_run(k: int, token: Callable[[int], str] = token, path: Callable[[int], str] = path) -> list[float]:
            times = []
            with TestClient(app, headers={"accept": "text/html"}) as client:
                for j in range(args.requests):
                    i = k * args.requests + j
                    client.cookies.set(SESSION_COOKIE, token(i))
                    started = time.perf_counter()
                    r = client.get(path(i))
                    times.append((time.perf_counter() - started) * 1000)
                    assert r.status_code == 200, (path(i), r.status_code)
            return times

        desk = case_decisions() if label.startswith("case") else loan_desk()
        runs, started, cpu_started = desk.runs, time.perf_counter(), time.process_time()
        with ThreadPoolExecutor(args.clients) as pool:
            times = [t for part in pool.map(client_run, range(args.clients)) for t in part]
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        print(f"{label:<30} {min(times):>7.1f} {pct(times, 0.5):>8.1f} {pct(times, 0.99):>8.1f} "
              f"{len(times) / wall:>7.1f} {cpu * 1000 / len(times):>10.1f} {(desk.runs - runs) / len(times):>9.2f}")


if __name__ == "__main__":
    main()
