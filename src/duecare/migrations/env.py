"""Alembic environment: one metadata (`duecare.kit.db.Base`), one branch per domain, SQLite and PostgreSQL.

Run programmatically through `duecare.kit.db.migrate(url)`; the caller may pass an open connection in
`config.attributes["connection"]`. See README.md in this directory for the branch pattern.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from duecare.kit.db import Base, get_engine
from duecare.tables import load_all_models

load_all_models()
target_metadata = Base.metadata
config = context.config


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things in place
        compare_type=True,
        compare_server_default=False,
    )


def run_migrations_offline() -> None:
    """Emit SQL instead of running it (`alembic upgrade heads --sql`)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url")
    with get_engine(url).begin() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
