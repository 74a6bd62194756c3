"""Outbox throughput: tasks/s through SMTP (aiosmtpd) and the HTTP SMS gateway with several workers on PostgreSQL.

    bash scripts/with-services.sh .venv/bin/python benchmarks/outbox.py --tasks 10000 --workers 2 --batch 500

Uses DUECARE_TEST_PG_URL (set by scripts/with-services.sh) to create a throwaway database. Each worker is a
separate `duecare worker --once` process; the figure includes the send-time re-check (the policy evaluated
again over the store for the claimed batch), the delivery and the commit with its contact event and audit entry.
Two rates are printed: over the whole wall time (each process's interpreter start-up, imports and migration
check included) and over the delivery window the workers report (first start of delivery to last end).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "contacts"))

from contacts_helpers import (
    add_borrower,
    decisions_for,
    email_strategy,
    enqueue,
    worker_env,
    zone_at_local_hour,
)

from duecare.contacts.models import ContactTask
from duecare.contacts.sandbox import sms_gateway, smtp_server
from duecare.kit.db import migrate, unit_of_work
from duecare.policy.evaluator import Policy


def _database() -> tuple[str, str]:
    base = os.environ.get("DUECARE_TEST_PG_URL")
    if not base:
        sys.exit("DUECARE_TEST_PG_URL is not set: run through scripts/with-services.sh")
    name = f"duecare_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False), name


def _seed(url: str, channel: str, n: int, tmp: Path) -> str:
    zone = zone_at_local_hour(13)
    prefix = channel[0].upper() + uuid.uuid4().hex[:4]
    ids = [f"{prefix}{i:05d}" for i in range(n)]
    with unit_of_work(url) as s:
        for i, bid in enumerate(ids):
            if channel == "sms":
                add_borrower(s, bid, zone, dpd=2, phone=f"139{i:08d}")
            else:
                add_borrower(s, bid, zone, dpd=2, jurisdiction="us", language="en", risk_band="low",
                             email=f"b{i}@example.com")
    strategy = email_strategy(tmp)
    enqueue(url, decisions_for(url, ids, Policy.default(strategy)), f"bench-{prefix}")
    return strategy


def _run(url: str, env: dict[str, str], workers: int, concurrency: int, strategy: str,
         batch: int) -> tuple[float, float]:
    """Wall seconds with process start-up, and the delivery window: from the first worker's start of delivery
    (after its imports and migration check) to the last worker's end, as the workers report them."""
    start = time.perf_counter()
    procs = [subprocess.Popen([str(Path(sys.executable).parent / "duecare"), "worker", "--once", "--no-score",
                               "--concurrency", str(concurrency), "--batch", str(batch), "--strategy", strategy],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(workers)]
    spans = []
    for p in procs:
        out, err = p.communicate()
        if p.returncode:
            sys.exit(err.decode()[-2000:])
        report = json.loads(out.decode().strip().splitlines()[-1])
        spans.append((report["started_at"], report["started_at"] + report["seconds"]))
    return time.perf_counter() - start, max(e for _, e in spans) - min(s for s, _ in spans)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", type=int, default=300, help="tasks per channel")
    ap.add_argument("--workers", type=int, default=3, help="worker processes")
    ap.add_argument("--concurrency", type=int, default=2, help="threads per worker")
    ap.add_argument("--batch", type=int, default=10, help="tasks claimed and re-checked together per thread")
    ap.add_argument("--channels", default="sms,email", help="which of sms,email to measure")
    args = ap.parse_args()
    url, name = _database()
    migrate(url)
    tmp = Path(tempfile.mkdtemp(prefix="duecare-bench-"))
    os.environ.setdefault("DUECARE_DATA_DIR", str(tmp / "data"))
    results = {}
    with sms_gateway() as (gw_url, gw), smtp_server(tmp / "received.log") as (host, port, mail):
        env = worker_env(url, DUECARE_DATA_DIR=os.environ["DUECARE_DATA_DIR"], DUECARE_SMS_GATEWAY_URL=gw_url,
                         DUECARE_SMTP_HOST=host, DUECARE_SMTP_PORT=str(port),
                         DUECARE_SMTP_RECEIVED_LOG=str(tmp / "received.log"))
        for channel in args.channels.split(","):
            strategy = _seed(url, channel, args.tasks, tmp)
            seconds, window = _run(url, env, args.workers, args.concurrency, strategy, args.batch)
            with unit_of_work(url) as s:
                sent = s.scalar(select(func.count()).where(ContactTask.channel == channel,
                                                           ContactTask.status == "sent")) or 0
            received = len(gw.messages) if channel == "sms" else len(mail.received)
            posts = sum(gw.posts.values()) if channel == "sms" else sum(mail.received.values())
            dupes = posts - received  # a key posted (or a Message-ID accepted) more than once
            results[channel] = {"tasks": args.tasks, "sent": sent, "received": received, "duplicates": dupes,
                                "seconds": round(seconds, 2), "tasks_per_s": round(sent / seconds, 1),
                                "delivery_seconds": round(window, 2),
                                "delivery_tasks_per_s": round(sent / window, 1) if window > 0 else None}
            print(f"{channel:5s} {sent} tasks in {seconds:.1f} s = {sent / seconds:.1f} tasks/s with process "
                  f"start-up; {results[channel]['delivery_tasks_per_s']} tasks/s over the workers' delivery "
                  f"window of {window:.1f} s ({args.workers} workers x {args.concurrency} threads, batch "
                  f"{args.batch}, PostgreSQL; duplicates {dupes}; load average {os.getloadavg()[0]:.1f})",
                  file=sys.stderr)
    print(json.dumps({"workers": args.workers, "concurrency": args.concurrency, "batch": args.batch, **results}))
    admin = create_engine(os.environ["DUECARE_TEST_PG_URL"], isolation_level="AUTOCOMMIT")
    from duecare.kit import db as kitdb
    engine = kitdb._engines.pop(url, None)
    if engine is not None:
        engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
