"""Bulk writes of checked frames into the store: set-based, in the caller's transaction, on both dialects.

PostgreSQL: rows go in with `COPY ... FROM STDIN (FORMAT csv)` written by Polars, into the target table when it
was empty (a first load), else into a staging table created `LIKE target INCLUDING DEFAULTS`, from which one
`INSERT ... SELECT ... ON CONFLICT (key) DO UPDATE ... WHERE the digest differs` merges. SQLite: the same
shape, with `executemany` of whole chunks on the driver's cursor. Values are converted per column in Polars
(instants, dates, booleans); only encrypted columns (PersonalText) and column types this module does not know
pass through their SQLAlchemy bind processor one value at a time, so encryption at rest applies as on the ORM
path and a new column type is written correctly, if more slowly. The cost of a delta is that of its rows: the
classification and the merge touch the staged rows and the target's primary key index only.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import Boolean, Date, DateTime, Table
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from duecare.kit.fields import PersonalText, encrypt_text, get_keyring

CHUNK = 100_000  # rows per COPY buffer / executemany call: bounds memory whatever the file size
DIGEST = "ingest_digest"
_SQLITE_TS = "%Y-%m-%d %H:%M:%S%.6f"  # SQLAlchemy's storage format for DateTime on SQLite (naive UTC)
_PG_TS = "%Y-%m-%d %H:%M:%S%.6f+00:00"


@dataclass
class Merged:
    """What a merge found: counts, and the keys of the rows it wrote (new and changed) or refused."""

    inserted: int
    updated: int
    unchanged: int
    written: pl.DataFrame  # key columns of new + changed rows (changed ones only if not append-only)
    changed: pl.DataFrame  # key columns of rows whose stored content differs


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _q(conn: Connection, name: str) -> str:
    return str(conn.dialect.identifier_preparer.quote(name))


def driver_frame(table: Table, frame: pl.DataFrame, dialect: str) -> pl.DataFrame:
    """Columns as the driver takes them (text instants, 0/1 booleans on SQLite, ciphertext for personal text)."""
    exprs: list[pl.Expr] = []
    slow: list[str] = []
    for name in frame.columns:
        kind = table.c[name].type
        c = pl.col(name)
        dtype = frame.schema[name]
        if isinstance(kind, PersonalText):
            slow.append(name)
            exprs.append(c)
        elif isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime):
            if isinstance(dtype, pl.Datetime):
                utc = c.dt.convert_time_zone("UTC") if dtype.time_zone else c
                exprs.append(utc.dt.strftime(_SQLITE_TS if dialect == "sqlite" else _PG_TS).alias(name))
            else:
                slow.append(name)
                exprs.append(c)
        elif isinstance(kind, Date) and dtype == pl.Date:
            exprs.append(c.dt.strftime("%Y-%m-%d").alias(name))
        elif isinstance(kind, Boolean) and dtype == pl.Boolean:
            exprs.append(c.cast(pl.Int8).alias(name) if dialect == "sqlite" else c)
        elif dtype.is_integer() or dtype == pl.String or dtype.is_float():
            exprs.append(c)
        else:  # a type this module does not know: its own bind processor decides
            slow.append(name)
            exprs.append(c)
    out = frame.select(exprs)
    if slow:
        out = out.with_columns(_processed(table, out, name, dialect) for name in slow)
    return out


def _processed(table: Table, frame: pl.DataFrame, name: str, dialect_name: str) -> pl.Series:
    from sqlalchemy.dialects import postgresql, sqlite

    values = frame.get_column(name).to_list()
    if isinstance(table.c[name].type, PersonalText):  # as its bind processor, the keyring looked up once
        ring = get_keyring()
        if any(v is not None and not isinstance(v, str) for v in values):
            raise TypeError(f"{table.name}.{name}: PersonalText takes str")
        return pl.Series(name, [None if v is None else encrypt_text(v, ring) for v in values], dtype=pl.String)
    dialect = (postgresql if dialect_name == "postgresql" else sqlite).dialect()
    process = table.c[name].type.bind_processor(dialect)
    if process is not None:
        values = [None if v is None else process(v) for v in values]
    if dialect_name == "postgresql":
        return pl.Series(name, [None if v is None else str(v) for v in values], dtype=pl.String)
    return pl.Series(name, values, strict=False)


def _chunks(frame: pl.DataFrame, size: int = CHUNK) -> Iterator[pl.DataFrame]:
    for offset in range(0, frame.height, size):
        yield frame.slice(offset, size)


def copy_rows(session: Session, target: str, table: Table, frame: pl.DataFrame) -> None:
    """Append the frame's rows to `target` (the table or its staging twin): COPY or executemany, in chunks."""
    if frame.is_empty():
        return
    conn = session.connection()
    dialect = conn.dialect.name
    cols = ", ".join(_q(conn, c) for c in frame.columns)
    if dialect == "postgresql":
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            with cursor.copy(f"COPY {target} ({cols}) FROM STDIN (FORMAT csv)") as copy:
                for part in _chunks(frame):
                    buffer = io.BytesIO()
                    driver_frame(table, part, dialect).write_csv(buffer, include_header=False)
                    copy.write(buffer.getvalue())
        finally:
            cursor.close()
        return
    marks = ", ".join("?" for _ in frame.columns)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        for part in _chunks(frame):
            cursor.executemany(f"INSERT INTO {target} ({cols}) VALUES ({marks})",
                               driver_frame(table, part, dialect).iter_rows())
    finally:
        cursor.close()


def is_empty(session: Session, table: Table) -> bool:
    conn = session.connection()
    return conn.exec_driver_sql(f"SELECT 1 FROM {_q(conn, table.name)} LIMIT 1").first() is None


@contextmanager
def constraints_deferred(session: Session, tables: Sequence[Table]) -> Iterator[None]:
    """PostgreSQL, into empty tables: their foreign keys and secondary indexes are dropped for the load and made
    again after it, in the caller's transaction.

    A foreign key checked row by row costs one trigger and one index probe of the parent per row (about 60% of
    the server's CPU of a first load); made again after the load it is checked by one join, and an index is
    built once from sorted rows instead of row by row. The DDL is transactional: a drop that is refused or
    killed rolls it back with the rows. It takes ACCESS EXCLUSIVE locks on these tables until the commit, so it
    is meant for a first load into an empty store, and is skipped on SQLite, for tables that hold rows, and for
    tables the current role does not own."""
    conn = session.connection()
    if conn.dialect.name != "postgresql" or not tables:
        yield
        return
    names = [t.name for t in tables if is_empty(session, t)]
    owned = conn.exec_driver_sql(
        "SELECT c.relname FROM pg_class c WHERE c.relname = ANY(%(t)s) AND c.relkind = 'r' "
        "AND c.relnamespace = current_schema()::regnamespace AND pg_has_role(current_user, c.relowner, 'USAGE')",
        {"t": names}).scalars().all()
    indexes = conn.exec_driver_sql(
        "SELECT format('%%I.%%I', n.nspname, x.relname), pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class x ON x.oid = i.indexrelid "
        "JOIN pg_namespace n ON n.oid = x.relnamespace "
        "WHERE c.relname = ANY(%(t)s) AND c.relnamespace = current_schema()::regnamespace AND NOT i.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY 1",
        {"t": list(owned)}).all()
    keys = conn.exec_driver_sql(
        "SELECT format('%%I', c.relname), format('%%I', k.conname), pg_get_constraintdef(k.oid) "
        "FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid WHERE k.contype = 'f' "
        "AND c.relname = ANY(%(t)s) AND c.relnamespace = current_schema()::regnamespace ORDER BY 1, 2",
        {"t": list(owned)}).all()
    for table, name, _ in keys:
        conn.exec_driver_sql(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    for name, _ in indexes:
        conn.exec_driver_sql(f"DROP INDEX {name}")
    yield  # on an exception the caller rolls back, and the DDL with it
    for _, definition in indexes:
        conn.exec_driver_sql(definition)
    for table, name, definition in keys:
        conn.exec_driver_sql(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")


def stage(session: Session, table: Table, frame: pl.DataFrame) -> str:
    """A staging table shaped like `table` (its defaults too), holding the frame's rows; its quoted name."""
    conn = session.connection()
    name = _q(conn, f"_ingest_{table.name}")
    if conn.dialect.name == "postgresql":
        # Defaults too: the staging table keeps NOT NULL, and columns a file does not carry (payments.source)
        # must take their default rather than NULL.
        conn.exec_driver_sql(f"CREATE TEMP TABLE IF NOT EXISTS {name} "
                             f"(LIKE {_q(conn, table.name)} INCLUDING DEFAULTS) ON COMMIT DROP")
        conn.exec_driver_sql(f"TRUNCATE {name}")
    else:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{name}")
        conn.exec_driver_sql(f"CREATE TEMP TABLE {name} AS SELECT * FROM main.{_q(conn, table.name)} WHERE 0")
    copy_rows(session, name, table, frame)
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"ANALYZE {name}")  # the planner otherwise guesses a staging table's size
    return name


PROBE_RATIO = 10  # a delta at most 1/PROBE_RATIO of its table's rows is classified by index lookups


def _probe_by_key(conn: Connection, table: Table, rows: int) -> bool:
    """Whether `rows` staged rows are few against the table's rows (the planner's estimate; a table never
    analysed, reltuples -1, counts as large: ingest analyses the tables a first load filled)."""
    estimate = conn.exec_driver_sql("SELECT reltuples FROM pg_class WHERE oid = to_regclass(%(t)s)",
                                    {"t": table.name}).scalar()
    return estimate is not None and (estimate < 0 or rows * PROBE_RATIO <= estimate)


def analyze(session: Session, tables: Sequence[Table]) -> None:
    """PostgreSQL: fresh planner statistics for tables a bulk load just filled (autovacuum comes later, and the
    next drop's merge must not be planned for an empty table)."""
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        conn.exec_driver_sql(f"ANALYZE {_q(conn, table.name)}")


def _keys_frame(rows: list[Any], key: list[str], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={k: schema[k] for k in key}, orient="row")


def merge(session: Session, table: Table, frame: pl.DataFrame, key: list[str], *, append_only: bool,
          was_empty: bool | None = None) -> Merged:
    """Insert new rows, update changed ones (by `ingest_digest`), leave the same ones; set-based."""
    empty_keys = frame.select(key).clear()
    if frame.is_empty():
        return Merged(0, 0, 0, empty_keys, empty_keys)
    conn = session.connection()
    if was_empty if was_empty is not None else is_empty(session, table):
        copy_rows(session, _q(conn, table.name), table, frame)  # a first load: no merge to do
        return Merged(frame.height, 0, 0, frame.select(key), empty_keys)
    staged = stage(session, table, frame)
    target = _q(conn, table.name)
    on = " AND ".join(f"t.{_q(conn, k)} = s.{_q(conn, k)}" for k in key)
    keys_s = ", ".join(f"s.{_q(conn, k)}" for k in key)
    differs = "t.ingest_digest IS NOT s.ingest_digest" if conn.dialect.name == "sqlite" else \
        "t.ingest_digest IS DISTINCT FROM s.ingest_digest"
    first = _q(conn, key[0])
    if conn.dialect.name == "postgresql" and _probe_by_key(conn, table, frame.height):
        # A delta much smaller than its table: each staged row looks its key up in the primary key index (a
        # LATERAL ... LIMIT 1 is a nested loop by construction). Left to the planner, the join hashed the staged
        # rows and read the whole table: a 1% delta of contact events scanned all 17.6M rows.
        looked_up = f"LEFT JOIN LATERAL (SELECT t.{first}, t.ingest_digest FROM {target} t WHERE {on} LIMIT 1) t ON true"
    else:
        looked_up = f"LEFT JOIN {target} t ON {on}"
    rows = conn.exec_driver_sql(
        f"SELECT {keys_s}, t.{first} IS NULL FROM {staged} s {looked_up} WHERE t.{first} IS NULL OR {differs}").all()
    new = [r[:-1] for r in rows if r[-1]]
    changed = [r[:-1] for r in rows if not r[-1]]
    cols = ", ".join(_q(conn, c) for c in frame.columns)
    conflict = ", ".join(_q(conn, k) for k in key)
    if append_only or not changed:
        action = "DO NOTHING"
    else:
        sets = ", ".join(f"{_q(conn, c)} = excluded.{_q(conn, c)}" for c in frame.columns if c not in key)
        action = f"DO UPDATE SET {sets} WHERE {target}.ingest_digest IS DISTINCT FROM excluded.ingest_digest" \
            if conn.dialect.name == "postgresql" else \
            f"DO UPDATE SET {sets} WHERE {target}.ingest_digest IS NOT excluded.ingest_digest"
    if new or (changed and not append_only):
        # `WHERE true` keeps SQLite from reading ON CONFLICT as a join constraint of the SELECT.
        conn.exec_driver_sql(f"INSERT INTO {target} ({cols}) SELECT {cols} FROM {staged} WHERE true "
                             f"ON CONFLICT ({conflict}) {action}")
    schema = frame.schema
    new_keys = _keys_frame(new, key, dict(schema))
    changed_keys = _keys_frame(changed, key, dict(schema))
    written = new_keys if append_only else pl.concat([new_keys, changed_keys])
    return Merged(len(new), 0 if append_only else len(changed), frame.height - len(new) - len(changed),
                  written, changed_keys)
