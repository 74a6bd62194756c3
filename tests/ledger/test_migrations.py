"""After `migrate()` the database schema is exactly what the models say, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from duecare import tables
from duecare.kit.db import Base, alembic_config, get_engine, migrate
from duecare.ledger.ingest import TABLES
from duecare.tables import load_all_models

KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
LEDGER = {*(t.name for t in TABLES.values()), "borrower_phone_index", "holds"}


def _table_of(diff: Any) -> str:
    """The table a compare_metadata entry is about (entries are tuples or lists of tuples)."""
    item = diff[0] if isinstance(diff, list) else diff
    for part in item[1:]:
        name = getattr(part, "name", None) if hasattr(part, "columns") else None
        if name:
            return str(name)
        table = getattr(part, "table", None)
        if table is not None:
            return str(table.name)
        if isinstance(part, str):
            return part
    return "?"


def test_the_explicit_table_list_names_every_models_module() -> None:
    """duecare.tables imports each domain's models by hand: a new models.py must be added there."""
    src = Path(tables.__file__).parent
    on_disk = {f"duecare.{p.parent.name}.models" for p in src.glob("*/models.py")}
    assert on_disk == {m.__name__ for m in tables.MODULES}


def _diffs(url: str) -> list[Any]:
    load_all_models()
    with get_engine(url).connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


@pytest.mark.parametrize("kind", KINDS)
class TestMigrationsMatchTheModels:
    def test_the_ledger_tables_match_their_models(self, kind: str, new_database: Callable[..., str]) -> None:
        url = new_database(kind, migrated=False)
        migrate(url)
        ledger_diffs = [d for d in _diffs(url) if _table_of(d) in LEDGER]
        assert ledger_diffs == []
        assert set(inspect(get_engine(url)).get_table_names()) >= LEDGER

    def test_every_model_of_every_domain_has_its_migration(self, kind: str,
                                                           new_database: Callable[..., str]) -> None:
        url = new_database(kind, migrated=False)
        migrate(url)
        diffs = _diffs(url)
        by_table: dict[str, list[Any]] = {}
        for d in diffs:
            by_table.setdefault(_table_of(d), []).append(d)
        assert by_table == {}, "models without a matching migration (see src/duecare/migrations/README.md)"

    def test_migrating_again_changes_nothing(self, kind: str, new_database: Callable[..., str],
                                             tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        url = new_database(kind, migrated=False)
        monkeypatch.chdir(tmp_path)  # no alembic.ini is needed in the working directory
        migrate(url)
        tables = sorted(inspect(get_engine(url)).get_table_names())
        migrate(url)
        assert sorted(inspect(get_engine(url)).get_table_names()) == tables
        with get_engine(url).connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
        script = ScriptDirectory.from_config(alembic_config(url))
        applied = {r.revision for r in script.iterate_revisions(tuple(current), "base")}
        assert applied == {r.revision for r in script.walk_revisions()}


def test_the_ledger_base_is_the_root_every_domain_depends_on() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    base = script.get_revision("0001_ledger")
    assert base is not None and base.branch_labels == {"ledger"} and base.down_revision is None
    for rev in script.walk_revisions():
        if rev.revision == "0001_ledger":
            continue
        ancestry = {r.revision for r in script.iterate_revisions(rev.revision, "base")}
        assert "0001_ledger" in ancestry, f"{rev.revision} does not depend on the ledger base"
