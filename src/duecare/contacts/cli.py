"""`duecare worker` and `duecare outbox enqueue|status|retry|sandbox`."""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from duecare.kit.errors import UserError

err = Console(stderr=True)
outbox = typer.Typer(help="The contact outbox: enqueue decisions, inspect and retry tasks.", no_args_is_help=True)


def _emit(row: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


@outbox.command("enqueue")
def enqueue_cmd(
    decisions: Annotated[Path, typer.Option("--decisions", help="decisions.parquet written by `duecare run`")],
    run_id: Annotated[str | None, typer.Option("--run-id", help="Run id (default: digest of the file)")] = None,
) -> None:
    """Record a run's decisions and create their contact tasks in one transaction (reruns add nothing)."""
    import polars as pl

    from duecare.contacts.outbox import enqueue_decisions, run_id_of
    from duecare.kit.db import migrate, unit_of_work
    from duecare.privacy.audit import record_audit

    if not decisions.is_file():
        raise UserError("decisions file not found (run `duecare run --out DIR` first)", place=str(decisions))
    try:
        frame = pl.read_parquet(decisions)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise UserError(f"cannot read Parquet ({exc})", place=str(decisions)) from None
    rid = run_id or run_id_of(decisions.read_bytes())
    migrate()
    with unit_of_work() as s:
        result = enqueue_decisions(s, frame, rid)
        record_audit(s, actor="system:outbox", action="outbox_enqueued", subject=f"run:{rid}"[:128],
                     after=result.as_dict())
    _emit({"run_id": rid, **result.as_dict()})


@outbox.command("status")
def status_cmd(
    dead: Annotated[int, typer.Option(help="Also list up to N dead letters with their reasons")] = 0,
) -> None:
    """Task counts per channel and status (JSON), and the newest dead letters with reasons."""
    from sqlalchemy import select

    from duecare.contacts.models import ContactTask, TaskStatus
    from duecare.contacts.repository import status_counts
    from duecare.kit.db import migrate, unit_of_work

    migrate()
    with unit_of_work() as s:
        row: dict[str, Any] = {"tasks": status_counts(s)}
        if dead:
            rows = s.execute(select(ContactTask.id, ContactTask.channel, ContactTask.action, ContactTask.reason)
                             .where(ContactTask.status == TaskStatus.DEAD)
                             .order_by(ContactTask.updated_at.desc()).limit(dead)).all()
            row["dead"] = [{"task": i, "channel": c, "action": a, "reason": r} for i, c, a, r in rows]
    _emit(row)


@outbox.command("retry")
def retry_cmd(task_id: Annotated[int, typer.Argument(help="A dead task's id")]) -> None:
    """Put a dead letter back in the queue (after a person fixed its cause)."""
    from duecare.contacts.service import retry_dead
    from duecare.kit.db import migrate, unit_of_work

    migrate()
    with unit_of_work() as s:
        retry_dead(s, task_id, actor="system:cli")
    _emit({"task": task_id, "status": "pending"})


@outbox.command("sandbox")
def sandbox_cmd(
    sms_port: Annotated[int | None, typer.Option(help="Port of the local SMS gateway (default "
                                                      "DUECARE_SANDBOX_SMS_PORT, 8025; 0: any free port)")] = None,
    smtp_port: Annotated[int | None, typer.Option(help="Port of the local SMTP server (default "
                                                       "DUECARE_SANDBOX_SMTP_PORT, 8026; 0: any free port)")] = None,
    log: Annotated[Path, typer.Option(help="The SMTP server's received log")] = Path("duecare-data/smtp-received.log"),
) -> None:
    """Run a local SMS gateway and SMTP server (for the demo); prints the settings the worker needs. A port that
    is taken stops it with the reason (exit 2)."""
    from duecare.contacts.sandbox import sms_gateway, smtp_server
    from duecare.kit.ports import bind_failure
    from duecare.kit.settings import get_settings

    s = get_settings()
    sms = s.sandbox_sms_port if sms_port is None else sms_port
    smtp = s.sandbox_smtp_port if smtp_port is None else smtp_port
    log.parent.mkdir(parents=True, exist_ok=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.ExitStack() as stack:
        try:
            url, _ = stack.enter_context(sms_gateway(port=sms))
        except OSError as exc:
            raise bind_failure(exc, "sandbox SMS gateway", "127.0.0.1", sms, "--sms-port",
                               "DUECARE_SANDBOX_SMS_PORT") from None
        try:
            host, port, _ = stack.enter_context(smtp_server(log, port=smtp))
        except OSError as exc:
            raise bind_failure(exc, "sandbox SMTP server", "127.0.0.1", smtp, "--smtp-port",
                               "DUECARE_SANDBOX_SMTP_PORT") from None
        _emit({"DUECARE_SMS_GATEWAY_URL": url, "DUECARE_SMTP_HOST": host, "DUECARE_SMTP_PORT": str(port),
               "DUECARE_SMTP_RECEIVED_LOG": str(log.resolve())})
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()


def worker_cmd(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="Deliver what is due now, then exit")] = False,
    concurrency: Annotated[int, typer.Option(help="Delivery threads in this process")] = 1,
    lease_seconds: Annotated[float, typer.Option(help="Lease per claimed task; a dead worker's task is "
                                                 "retried after it")] = 60.0,
    batch: Annotated[int, typer.Option(help="Tasks claimed (and re-checked together) at a time per thread")] = 10,
    max_attempts: Annotated[int, typer.Option(help="Delivery attempts before a dead letter")] = 6,
    backoff: Annotated[float, typer.Option(help="First retry delay in seconds (doubles each attempt)")] = 30.0,
    strategy: Annotated[str, typer.Option(help="Strategy for the send-time re-check (as `duecare run`)")] = "standard",
    score: Annotated[bool, typer.Option(help="Score risk with the registered model, as `duecare run` does")] = True,
) -> None:
    """Deliver contact tasks: claim, re-check at send time, deliver once, record outcomes (Ctrl-C stops)."""
    from duecare.contacts.worker import WorkerConfig
    from duecare.kit.db import migrate

    if concurrency < 1 or batch < 1 or lease_seconds <= 0:
        raise UserError("--concurrency, --batch and --lease-seconds must be positive")
    migrate()
    config = WorkerConfig(lease_seconds=lease_seconds, batch=batch, max_attempts=max_attempts,
                          backoff_base_s=backoff, strategy=strategy)
    worker = ctx.obj.worker(config, score=score)  # the composition root's channels, clock and scorer
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    err.print(f"worker {worker.name}: channels {sorted(worker.channels)}, concurrency {concurrency}")
    started = time.time()
    stats = worker.run(once=once, concurrency=concurrency, stop=stop)
    # when the worker started delivering and for how long (process start-up excluded), for benchmarks/outbox.py
    _emit({"worker": worker.name, **stats.as_dict(), "started_at": started, "seconds": time.time() - started})


def register(app: typer.Typer) -> None:
    app.command("worker")(worker_cmd)
    app.add_typer(outbox, name="outbox")
