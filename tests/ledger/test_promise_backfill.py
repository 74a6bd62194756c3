"""ledger_0013: the promises made before ledger_0012 get `paid_minor` and `kept_on` at the upgrade, by the one
settlement rule, on SQLite and PostgreSQL; a stored status is never changed by the migration."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from alembic import command
from sqlalchemy import insert, select

from duecare.kit.db import alembic_config, get_engine, migrate
from duecare.ledger import models as m

KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _at(day: int, hour: int = 2) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


@pytest.mark.parametrize("kind", KINDS)
def test_the_upgrade_fills_paid_and_kept_on_of_promises_made_before_the_columns(
        kind: str, new_database: Callable[..., str]) -> None:
    url = new_database(kind, migrated=False)
    cfg = alembic_config(url)
    with get_engine(url).begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "ledger_0012")  # the columns exist and are empty, as on a store upgraded before
    with get_engine(url).begin() as conn:  # plain inserts: no session, so no settlement runs on commit
        conn.execute(insert(m.Borrower.__table__), [{
            "id": "B1", "name": "王芳", "phones": "[]", "timezone": "Asia/Shanghai", "language": "zh",
            "jurisdiction": "cn"}])
        conn.execute(insert(m.Loan.__table__), [{"id": "L1", "borrower_id": "B1", "currency": "CNY",
                                                 "principal_minor": 1_000_000, "disbursed_on": date(2026, 1, 1)}])
        conn.execute(insert(m.Payment.__table__), [
            {"id": "P1", "loan_id": "L1", "paid_at": _at(5, 17), "amount_minor": 60_000},  # 6 Nov in Shanghai
            {"id": "P2", "loan_id": "L1", "paid_at": _at(20), "amount_minor": 30_000}])
        base = {"borrower_id": "B1", "loan_id": "L1", "paid_minor": None, "kept_on": None}
        conn.execute(insert(m.Promise.__table__), [
            # kept on the borrower's 6 November by P1 (its 50,000 of it)
            {**base, "id": "KEPT", "promised_date": date(2026, 11, 10), "amount_minor": 50_000, "status": "kept",
             "made_at": _at(1)},
            # still open (a date years ahead): P2 went to it so far (P1 came before it was made)
            {**base, "id": "OPEN", "promised_date": date(2030, 1, 1), "amount_minor": 100_000, "status": "open",
             "made_at": _at(15)},
            # stored open, but its day passed without the money: the settlement (with its audit) decides it
            {**base, "id": "LAPSED", "promised_date": date(2026, 11, 2), "amount_minor": 90_000, "status": "open",
             "made_at": _at(1, 1)},
            # the lender's promise (no made_at) and a cancelled one are never settled here
            {**base, "id": "LENDER", "promised_date": date(2026, 11, 10), "amount_minor": 5_000, "status": "kept",
             "made_at": None},
            {**base, "id": "CANCELLED", "promised_date": date(2026, 11, 10), "amount_minor": 5_000,
             "status": "cancelled", "made_at": _at(1)},
        ])
    migrate(url)
    with get_engine(url).connect() as conn:
        rows = {r.id: (r.status, r.paid_minor, r.kept_on) for r in conn.execute(
            select(m.Promise.id, m.Promise.status, m.Promise.paid_minor, m.Promise.kept_on))}
    assert rows == {
        "KEPT": ("kept", 50_000, date(2026, 11, 6)),
        "OPEN": ("open", 30_000, None),
        "LAPSED": ("open", None, None),
        "LENDER": ("kept", None, None),
        "CANCELLED": ("cancelled", None, None),
    }
    migrate(url)  # again: nothing to do, nothing changes
    with get_engine(url).connect() as conn:
        again = {r.id: (r.status, r.paid_minor, r.kept_on) for r in conn.execute(
            select(m.Promise.id, m.Promise.status, m.Promise.paid_minor, m.Promise.kept_on))}
    assert again == rows
