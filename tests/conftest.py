"""Suite-wide set-up: an isolated data directory and keys, and real databases (SQLite and PostgreSQL).

Fixtures:
- `sqlite_url`: a fresh, migrated SQLite file database for the test.
- `pg_url`: a fresh, migrated PostgreSQL database shared by the tests of one module (marks nothing by
  itself: mark the tests `postgres`).
- `db_url`: parametrised over both (`[sqlite]`, `[postgresql]`); a migrated database whose tables are
  empty when the test starts (SQLite: a new file; PostgreSQL: one database reused and truncated).
- `new_database`: a factory, `new_database("sqlite" | "postgresql", migrated=True) -> url`.

PostgreSQL comes from `DUECARE_TEST_PG_URL` (set by `scripts/with-services.sh`). Without it, tests marked
`postgres` are skipped on a laptop and FAIL when `CI=true`: a CI run must never pass without PostgreSQL.
Domain fixtures belong in `tests/<area>/conftest.py`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from duecare.kit import db as kitdb
from duecare.tables import load_all_models

load_all_models()  # what every entry point does: the whole-store walks (export, retention, keys) see every table

PG_ENV = "DUECARE_TEST_PG_URL"
_used: dict[str, str] = {}  # kind -> version, for the closing line
_session_dir = Path(tempfile.mkdtemp(prefix="duecare-tests-"))


def pytest_configure(config: pytest.Config) -> None:
    # Tests never read or write the developer's ./duecare-data, database or keys.
    os.environ["DUECARE_DATA_DIR"] = str(_session_dir / "data")
    os.environ.pop("DUECARE_DATABASE_URL", None)
    os.environ.pop("DUECARE_KEYS", None)
    os.environ.pop("DUECARE_KEY_FILE", None)


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_session_dir, ignore_errors=True)


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _require_pg() -> str:
    url = os.environ.get(PG_ENV)
    if url:
        return url
    message = f"{PG_ENV} is not set: run the suite through scripts/with-services.sh (make test)"
    if _in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") is not None:
        _require_pg()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """An xdist worker hands the databases it used to the controller, which prints the summary."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["duecare_databases"] = dict(_used)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    _used.update(getattr(node, "workeroutput", {}).get("duecare_databases", {}))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    used = ", ".join(f"{k} {v}".strip() for k, v in sorted(_used.items())) if _used else "none"
    terminalreporter.write_line(f"databases used: {used}")


def _dispose(url: str) -> None:
    engine = kitdb._engines.pop(url, None)
    if engine is not None:
        engine.dispose()


class _Databases:
    """Creates databases from a migrated template (migrating once per session, cloning after)."""

    def __init__(self) -> None:
        self._sqlite_template: Path | None = None
        self._pg_template: str | None = None
        self._pg_created: list[str] = []
        self._pg_work: str | None = None
        self._sqlite_dir = _session_dir / "sqlite"
        self._sqlite_dir.mkdir(parents=True, exist_ok=True)

    # --- SQLite
    def sqlite(self, migrated: bool = True) -> str:
        import sqlite3

        _used.setdefault("sqlite", sqlite3.sqlite_version)
        path = self._sqlite_dir / f"{uuid.uuid4().hex}.db"
        if migrated:
            if self._sqlite_template is None:
                template = self._sqlite_dir / "template.db"
                url = f"sqlite:///{template}"
                kitdb.migrate(url)
                _dispose(url)  # closes connections, checkpoints the WAL into the file
                self._sqlite_template = template
            shutil.copyfile(self._sqlite_template, path)
        return f"sqlite:///{path}"

    # --- PostgreSQL
    def _admin(self) -> object:
        return create_engine(_require_pg(), isolation_level="AUTOCOMMIT")

    def _create_pg(self, name: str, template: str | None) -> str:
        admin = self._admin()
        with admin.connect() as conn:  # type: ignore[attr-defined]
            clause = f' TEMPLATE "{template}"' if template else " TEMPLATE template0"
            conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
            if "postgresql" not in _used:
                _used["postgresql"] = conn.execute(text("SHOW server_version")).scalar_one().split()[0]
        admin.dispose()  # type: ignore[attr-defined]
        self._pg_created.append(name)
        return make_url(_require_pg()).set(database=name).render_as_string(hide_password=False)

    def postgresql(self, migrated: bool = True) -> str:
        name = f"duecare_t_{uuid.uuid4().hex[:12]}"
        if not migrated:
            return self._create_pg(name, None)
        if self._pg_template is None:
            template = f"duecare_tpl_{uuid.uuid4().hex[:8]}"
            url = self._create_pg(template, None)
            kitdb.migrate(url)
            _dispose(url)
            self._pg_template = template
        return self._create_pg(name, self._pg_template)

    def postgresql_clean(self) -> str:
        """One reused database, emptied before each test: far cheaper than a new database per test."""
        if self._pg_work is None:
            self._pg_work = self.postgresql()
        url = self._pg_work
        _dispose(url)
        engine = create_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '10s'"))
                tables = conn.execute(text(
                    "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'")).scalars().all()
                if tables:
                    conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        except DBAPIError:  # a test left a lock behind: give the next one a new database instead
            self._pg_work = self.postgresql()
            url = self._pg_work
        finally:
            engine.dispose()
        return url

    def drop_all(self) -> None:
        if not self._pg_created or not os.environ.get(PG_ENV):
            return
        if os.environ.get("DUECARE_TEST_PG_SOCKET_DIR"):
            return  # a throwaway cluster from with-services.sh: deleted whole when the run ends
        base = make_url(os.environ[PG_ENV])
        for name in self._pg_created:
            _dispose(base.set(database=name).render_as_string(hide_password=False))
        admin = self._admin()
        with admin.connect() as conn:  # type: ignore[attr-defined]
            for name in reversed(self._pg_created):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()  # type: ignore[attr-defined]

    def new(self, kind: str, migrated: bool = True) -> str:
        if kind == "sqlite":
            return self.sqlite(migrated)
        if kind == "postgresql":
            return self.postgresql(migrated)
        raise ValueError(f"unknown database kind {kind!r}")


@pytest.fixture(autouse=True)
def _audit_checkpoints(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test its own audit checkpoint file: a database reused across tests (PostgreSQL, truncated) starts a
    new chain, which the previous test's signed checkpoints would rightly call emptied."""
    monkeypatch.setenv("DUECARE_AUDIT_CHECKPOINTS", str(tmp_path_factory.mktemp("audit") / "checkpoints.jsonl"))


@pytest.fixture(scope="session")
def _databases() -> Iterator[_Databases]:
    dbs = _Databases()
    yield dbs
    dbs.drop_all()


@pytest.fixture(scope="session")
def new_database(_databases: _Databases) -> Callable[..., str]:
    """`new_database(kind, migrated=True)` -> URL of a fresh database (kind: sqlite | postgresql)."""
    return _databases.new


@pytest.fixture
def sqlite_url(_databases: _Databases) -> Iterator[str]:
    url = _databases.sqlite()
    yield url
    _dispose(url)


@pytest.fixture(scope="module")
def pg_url(_databases: _Databases) -> Iterator[str]:
    url = _databases.postgresql()
    yield url
    _dispose(url)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, _databases: _Databases) -> Iterator[str]:
    """A migrated database with empty tables, for this test only (PostgreSQL: reused, truncated first)."""
    url = _databases.sqlite() if request.param == "sqlite" else _databases.postgresql_clean()
    yield url
    _dispose(url)
