"""Decisions into the outbox: the decision records and their contact tasks, written in one transaction.

`enqueue_decisions(session, decisions, run_id)` never commits (the boundary does). Each task carries the
idempotency key (loan, action, borrower-local day of not_before, policy version), enforced by a UNIQUE
constraint and inserted with ON CONFLICT DO NOTHING, so a rerun of the same (or a repeated) batch adds nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from duecare.contacts import letters
from duecare.contacts.models import ContactTask, DecisionRecord, TaskStatus
from duecare.kit import clock
from duecare.kit.errors import UserError
from duecare.kit.localtime import local_date
from duecare.ledger.models import Borrower, Loan

# Decided actions that become a message, a call for an agent or a letter; the rest are internal steps.
TASK_CHANNEL = {"sms_reminder": "sms", "email_notice": "email", "call": "call", "visit_notice": "letter",
                "validation_notice": "letter"}
REQUIRED_COLUMNS = ("loan_id", "borrower_id", "action", "channel", "not_before", "policy_version")
CHUNK = 5_000


@dataclass(frozen=True)
class EnqueueResult:
    decisions: int            # decision rows in the input
    decisions_recorded: int   # new decision rows (0 on a rerun of the same run id)
    task_candidates: int      # decisions whose action is delivered through the outbox
    tasks_created: int        # new tasks (0 on any rerun)
    unknown_loans: int        # contact decisions for loans the store does not hold (not enqueued)
    letters_refused: int = 0  # letters a live notice of the same purpose or the pack's letter cap stopped

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def idempotency_key(loan_id: str, action: str, local_day: str, policy_version: str) -> str:
    """The key handed to gateways (and SMTP Message-ID): a digest, so it reveals nothing about the borrower."""
    raw = f"{loan_id}\x1f{action}\x1f{local_day}\x1f{policy_version}"
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def insert_ignoring_conflicts(session: Session, table: Table, rows: Sequence[dict[str, Any]],
                              returning: Any) -> int:
    """Bulk INSERT … ON CONFLICT DO NOTHING (SQLite and PostgreSQL); returns how many rows were new."""
    if not rows:
        return 0
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).on_conflict_do_nothing().returning(returning)
    return len(session.execute(stmt, list(rows)).all())


def _chunks(rows: list[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    for i in range(0, len(rows), CHUNK):
        yield rows[i:i + CHUNK]


def _as_json_list(value: Any) -> str:
    return json.dumps(list(value) if value is not None else [], ensure_ascii=False)


def _store_facts(session: Session, loan_ids: list[str]) -> pl.DataFrame:
    """Loan → borrower timezone for the loans the store holds."""
    rows: list[tuple[str, str]] = []
    for i in range(0, len(loan_ids), CHUNK):
        part = loan_ids[i:i + CHUNK]
        stmt = select(Loan.id, Borrower.timezone).join(Borrower, Borrower.id == Loan.borrower_id)
        rows += [(lid, zone) for lid, zone in session.execute(stmt.where(Loan.id.in_(part)))]
    return pl.DataFrame(rows, schema={"loan_id": pl.String(), "store_timezone": pl.String()}, orient="row")


def _check_columns(decisions: pl.DataFrame) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in decisions.columns]
    if missing:
        raise UserError(f"decisions lack columns {missing}; pass the decisions.parquet of `duecare run`")


def decision_rows(decisions: pl.DataFrame, run_id: str, now: datetime) -> list[dict[str, Any]]:
    """The `decisions` table rows of one run, keyed by column name (a Core insert ignores attribute names)."""
    def col(name: str) -> list[Any]:
        return decisions[name].to_list() if name in decisions.columns else [None] * decisions.height

    reasons, blocked = col("reasons"), col("blocked_rules")
    return [
        {"run_id": run_id, "loan_id": loan, "borrower_id": bid, "pack": pack, "action": action,
         "channel": channel, "not_before": nb, "policy_version": pv, "variant": variant, "ladder_line": line,
         "reasons": _as_json_list(r), "blocked_rules": _as_json_list(b), "recorded_at": now}
        for loan, bid, pack, action, channel, nb, pv, variant, line, r, b in zip(
            col("loan_id"), col("borrower_id"), col("pack"), col("action"), col("channel"), col("not_before"),
            col("policy_version"), col("variant"), col("ladder_line"), reasons, blocked, strict=True)
    ]


def task_frame(session: Session, decisions: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """Contact decisions joined with the store: channel, borrower-local day and idempotency key per task."""
    contact = decisions.filter(pl.col("action").is_in(list(TASK_CHANNEL)))
    known = _store_facts(session, contact["loan_id"].unique().to_list())
    joined = contact.join(known, on="loan_id", how="inner")
    unknown = contact.height - joined.height
    if not joined.height:
        return joined, unknown
    zones = sorted(joined["store_timezone"].unique().to_list())
    nb, dtype = pl.col("not_before"), joined.schema["not_before"]
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is None:
        nb = nb.dt.replace_time_zone("UTC")  # naive instants in the batch output are UTC
    framed = joined.with_columns(
        not_before=nb.dt.convert_time_zone("UTC"),
        task_channel=pl.col("action").replace_strict(TASK_CHANNEL, return_dtype=pl.String),
    ).with_columns(local_day=local_date(pl.col("not_before"), pl.col("store_timezone"), zones))
    keys = [idempotency_key(loan, action, day.isoformat(), pv) for loan, action, day, pv in framed.select(
        "loan_id", "action", "local_day", "policy_version").iter_rows()]
    return framed.with_columns(idempotency_key=pl.Series(keys, dtype=pl.String)), unknown


def enqueue_decisions(session: Session, decisions: pl.DataFrame, run_id: str,
                      now: datetime | None = None) -> EnqueueResult:
    """Record a run's decisions and create its contact tasks in the caller's transaction (no commit)."""
    _check_columns(decisions)
    now = now or clock.now()
    table_d: Table = DecisionRecord.__table__  # type: ignore[assignment]
    table_t: Table = ContactTask.__table__  # type: ignore[assignment]
    recorded = sum(insert_ignoring_conflicts(session, table_d, part, table_d.c.loan_id)
                   for part in _chunks(decision_rows(decisions, run_id, now)))
    tasks, unknown = task_frame(session, decisions)
    refused = 0
    if tasks.height:
        tasks = tasks if "pack" in tasks.columns else tasks.with_columns(pack=pl.lit(None, pl.String))
        tasks, stopped = letters.admit(session, tasks, now)
        refused = stopped.height
    rows = [
        {"idempotency_key": key, "run_id": run_id, "loan_id": loan, "borrower_id": bid, "action": action,
         "channel": channel, "local_day": day, "policy_version": pv, "pack": pack, "not_before": nb,
         "status": TaskStatus.PENDING.value, "attempts": 0, "next_attempt_at": nb, "created_at": now,
         "updated_at": now}
        for key, loan, bid, action, channel, day, pv, pack, nb in tasks.select(
            "idempotency_key", "loan_id", "borrower_id", "action", "task_channel", "local_day",
            "policy_version", "pack", "not_before").iter_rows()
    ] if tasks.height else []
    created = sum(insert_ignoring_conflicts(session, table_t, part, table_t.c.id) for part in _chunks(rows))
    return EnqueueResult(decisions=decisions.height, decisions_recorded=recorded, task_candidates=len(rows)
                         + unknown + refused, tasks_created=created, unknown_loans=unknown, letters_refused=refused)


def run_id_of(data: bytes) -> str:
    """A run id for a decisions file when none is given: its content digest (the same file, the same run)."""
    return "file-" + hashlib.sha256(data).hexdigest()[:24]
