"""Database engine, the declarative base and the unit of work (commit only at the boundary)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from duecare.kit.settings import get_settings

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Every table of every domain hangs off this metadata."""

    metadata = MetaData(naming_convention=NAMING)


_engines: dict[str, Engine] = {}


def get_engine(url: str | None = None) -> Engine:
    """One engine per URL; SQLite gets a directory, WAL and foreign keys."""
    url = url or get_settings().database_url
    if url not in _engines:
        if url.startswith("sqlite:///"):
            path = url.removeprefix("sqlite:///")
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"timeout": 30})

            @event.listens_for(engine, "connect")
            def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA foreign_keys=ON")
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA busy_timeout=30000")
                cur.close()
        else:
            engine = create_engine(url, pool_pre_ping=True)
        _engines[url] = engine
    return _engines[url]


def session_factory(url: str | None = None) -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(url), expire_on_commit=False)


@contextmanager
def unit_of_work(url: str | None = None) -> Iterator[Session]:
    """A session that commits when the block ends cleanly and rolls back otherwise."""
    session = session_factory(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


class UtcDateTime(TypeDecorator[datetime]):
    """An instant: takes timezone-aware datetimes only, stores UTC, always returns UTC-aware datetimes.

    SQLite has no timezone type, so without this a round trip would silently turn instants into naive local
    times; PostgreSQL gets `timestamp with time zone`.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"UtcDateTime takes datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            raise ValueError(f"naive datetime {value.isoformat()} has no timezone; pass an aware datetime")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        stored: datetime = value
        if stored.tzinfo is None:
            return stored.replace(tzinfo=UTC)
        return stored.astimezone(UTC)


def migrations_dir() -> Path:
    """The packaged Alembic scripts directory (works from a checkout and an installed wheel)."""
    return Path(str(resources.files("duecare") / "migrations"))


def alembic_config(url: str | None = None) -> Any:
    """An Alembic Config built in code: no alembic.ini, no dependence on the working directory."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("sqlalchemy.url", (url or get_settings().database_url).replace("%", "%%"))
    return cfg


def migrate(url: str | None = None) -> None:
    """Bring the database at `url` (default: settings) to every branch head (`alembic upgrade heads`)."""
    from alembic import command

    url = url or get_settings().database_url
    cfg = alembic_config(url)
    with get_engine(url).begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "heads")


_every_model_loaded = False


def every_model_loaded() -> None:
    """Called by `duecare.tables.load_all_models()` once every domain's models module is imported."""
    global _every_model_loaded
    _every_model_loaded = True


def require_all_models() -> None:
    """Refuse a whole-store walk (data-subject export, retention, key rotation, migrations) on a partial
    `Base.metadata`. kit imports no domain, so the entry point (the app, the CLI, the migrations, the tests)
    calls `duecare.tables.load_all_models()`, the explicit list of every table."""
    if not _every_model_loaded:
        raise RuntimeError("Base.metadata may miss tables: the entry point must call "
                           "duecare.tables.load_all_models() first")
