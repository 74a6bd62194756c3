"""ledger: backfill `promises.paid_minor` and `promises.kept_on` for the promises made here before ledger_0012
(which added the columns empty, leaving them to the next settlement)

The one settlement rule (`policy.promises.settle_frame`) is run once over the store at the moment of the upgrade,
on plain SQL rows (no ORM: later models must not change what this revision reads). Only the two columns are
written, and only where they are empty; a promise's status is never changed here: where the rule would give a
status other than the stored one (a promise whose day passed since the last settlement), the row is left to the
next settlement, which changes status, money and day together and records the change in the audit chain. A
promise without `made_at` (the lender's) or cancelled is not settled here, as `settle_store` leaves it.

Revision ID: ledger_0013
Revises: ledger_0012
Create Date: 2026-12-05 07:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'ledger_0013'
down_revision: str | Sequence[str] | None = 'ledger_0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 5_000


def upgrade() -> None:
    backfill(op.get_bind())


def backfill(bind: sa.Connection) -> int:
    """Fill the empty `paid_minor`/`kept_on` of the promises made here at the current clock; returns the number
    of promises written."""
    import polars as pl

    from duecare.kit import clock
    from duecare.policy.promises import PAYMENT_SCHEMA, PROMISE_SCHEMA, settle_frame

    rows = bind.execute(sa.text(
        "SELECT p.id, p.borrower_id, p.loan_id, p.promised_date, p.amount_minor, p.made_at, b.timezone, p.status "
        "FROM promises p JOIN borrowers b ON b.id = p.borrower_id "
        "WHERE p.made_at IS NOT NULL AND p.paid_minor IS NULL AND p.status <> 'cancelled'")).all()
    if not rows:
        return 0
    schema = PROMISE_SCHEMA | {"stored": pl.String()}
    promises = pl.DataFrame([tuple(r) for r in rows], schema=list(schema), orient="row")
    promises = promises.with_columns(
        pl.col("made_at").map_elements(_utc, return_dtype=pl.Datetime("us", "UTC")),
        pl.col("promised_date").map_elements(_day, return_dtype=pl.Date()),
        pl.col("amount_minor").cast(pl.Int64))
    borrowers = sorted(set(promises.get_column("borrower_id").to_list()))
    paid: list[tuple[object, ...]] = []
    for i in range(0, len(borrowers), CHUNK):
        paid += [tuple(r) for r in bind.execute(sa.text(
            "SELECT pay.id, l.borrower_id, pay.loan_id, pay.paid_at, pay.amount_minor "
            "FROM payments pay JOIN loans l ON l.id = pay.loan_id WHERE l.borrower_id IN :ids")
            .bindparams(sa.bindparam("ids", expanding=True)), {"ids": borrowers[i:i + CHUNK]}).all()]
    payments = pl.DataFrame(paid, schema=list(PAYMENT_SCHEMA), orient="row").with_columns(
        pl.col("paid_at").map_elements(_utc, return_dtype=pl.Datetime("us", "UTC")),
        pl.col("amount_minor").cast(pl.Int64)) if paid else pl.DataFrame(schema=PAYMENT_SCHEMA)
    settled = settle_frame(promises.drop("stored").cast(pl.Schema(PROMISE_SCHEMA)), payments.cast(pl.Schema(PAYMENT_SCHEMA)),
                           clock.now())
    agreeing = (settled.join(promises.select("promise_id", "stored"), on="promise_id")
                .filter(pl.col("status") == pl.col("stored")))
    updates = [{"pid": pid, "paid": paid_minor, "kept": kept_on}
               for pid, paid_minor, kept_on in agreeing.select("promise_id", "paid_minor", "kept_on").iter_rows()]
    if updates:
        bind.execute(sa.text("UPDATE promises SET paid_minor = :paid, kept_on = :kept "
                             "WHERE id = :pid AND paid_minor IS NULL"), updates)
    return len(updates)


def _utc(value: object) -> object:
    """An instant as SQLite (ISO text, or naive) or PostgreSQL (aware) returns it → aware UTC."""
    from datetime import UTC, datetime

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def _day(value: object) -> object:
    from datetime import date

    return date.fromisoformat(value) if isinstance(value, str) else value


def downgrade() -> None:
    pass  # the columns keep their values; ledger_0012's downgrade drops them
