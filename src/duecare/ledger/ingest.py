"""`duecare ingest DIR`: load a portfolio directory into the operational store, idempotently.

Every file is read and every row checked (types, enums, required values, amounts > 0, IANA timezones,
unique keys, references to borrowers/loans/notices in the files or already in the store) before anything is
written. Any problem rejects the run: nothing is written and each problem is named (file, row, column,
reason). Then rows are upserted by primary key (INSERT ... ON CONFLICT, SQLite and PostgreSQL), in batches,
in one transaction that the caller commits. A keyed digest of each source row (`ingest_digest`) tells an
unchanged row from a changed one, so a second run of the same files writes nothing. Rows that are absent
from the files are left alone (ingest never deletes). Consents are append-only: a changed consent is an error.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Table, delete, insert, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from duecare.kit.bounds import MAX_DURATION_S, MAX_SEQ
from duecare.kit.db import Base
from duecare.kit.errors import UserError
from duecare.kit.fields import get_keyring
from duecare.kit.phones import REGIONS, e164_lists
from duecare.ledger import models as m
from duecare.ledger.repository import phone_hashes
from duecare.ledger.validation import (
    ROW,
    Checked,
    Col,
    FileSpec,
    Problem,
    add_rows,
    check,
    check_refs,
    read_file,
)

BATCH = 5_000
VISIT_OUTCOMES = ("met_borrower", "not_home", "moved", "refused", "third_party_only")  # as case files
LOOKUP_CHUNK = 5_000
PROBLEM_LIMIT = 20


def _values(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


def _ref(name: str, target: str, required: bool = True) -> Col:
    return Col(name, "id", required=required, ref=target)


RATE_COLS = ("interest_rate", "apr", "penalty_rate")  # percent a year -> *_bp (basis points) in the store
CHARGE_COLS = ("fees", "late_fee")  # money -> *_minor
_FLAG_COLS = tuple(Col(flag, "bool", required=False) for flag in m.FLAGS)

SPECS: tuple[FileSpec, ...] = (
    FileSpec("borrowers", ("borrower_id",), (
        Col("borrower_id", "id"), Col("name", "str", max_len=200), Col("phones", "phones"),
        Col("email", "str", required=False, max_len=254, pattern=r"^[^@\s]+@[^@\s]+$",
            pattern_hint="must look like name@example.com"),
        Col("address", "str", required=False, max_len=500), Col("city", "str", required=False, max_len=80),
        Col("lat", "float", required=False, minimum=-90, maximum=90),
        Col("lon", "float", required=False, minimum=-180, maximum=180),
        Col("timezone", "timezone"),
        Col("language", "enum", values=_values(m.Language)),
        Col("jurisdiction", "enum", values=_values(m.Jurisdiction)),
        Col("risk_band", "enum", required=False, values=_values(m.RiskBand)),
        *_FLAG_COLS), required_file=True),
    FileSpec("loans", ("loan_id",), (
        Col("loan_id", "id"), _ref("borrower_id", "borrowers"),
        Col("currency", "str", pattern=r"^[A-Z]{3}$", pattern_hint="must be a 3-letter ISO 4217 code such as CNY"),
        Col("principal", "money", positive=True), Col("disbursed_on", "date"),
        # contract terms, optional (absent or empty = not on file): rates in percent a year, charges in money
        *(Col(rate, "money", required=False, minimum=0, maximum=1000) for rate in RATE_COLS),
        *(Col(charge, "money", required=False, minimum=0) for charge in CHARGE_COLS),
        Col("grace_days", "int", required=False, minimum=0, maximum=90)), required_file=True),
    FileSpec("installments", ("loan_id", "seq"), (
        _ref("loan_id", "loans"), Col("seq", "int", minimum=1, maximum=MAX_SEQ), Col("due_date", "date"),
        Col("amount", "money", positive=True)), required_file=True),
    FileSpec("payments", ("payment_id",), (
        Col("payment_id", "id"), _ref("loan_id", "loans"), Col("paid_at", "timestamp"),
        Col("amount", "money", positive=True))),
    FileSpec("contacts", ("contact_id",), (
        Col("contact_id", "id"), _ref("borrower_id", "borrowers"), _ref("loan_id", "loans", required=False),
        Col("at", "timestamp"), Col("channel", "enum", values=_values(m.Channel)),
        Col("direction", "enum", values=_values(m.Direction)),
        Col("outcome", "enum", values=_values(m.Outcome)),
        Col("agent_id", "id", required=False), Col("duration_s", "int", required=False, minimum=0, maximum=MAX_DURATION_S),
        _ref("answers_notice", "notices", required=False))),
    FileSpec("notices", ("notice_id",), (
        Col("notice_id", "id"), _ref("borrower_id", "borrowers"), _ref("loan_id", "loans", required=False),
        Col("kind", "str", max_len=40), Col("sent_at", "timestamp"),
        Col("version_hash", "str", required=False, max_len=64))),
    FileSpec("consents", ("consent_id",), (
        Col("consent_id", "id"), _ref("borrower_id", "borrowers"), Col("purpose", "str", max_len=40),
        Col("decision", "enum", values=_values(m.ConsentDecision)), Col("at", "timestamp"),
        _ref("notice_id", "notices", required=False), Col("channel", "str", required=False, max_len=20),
        Col("evidence", "str", required=False, max_len=4000))),
    FileSpec("approvals", ("approval_id",), (
        Col("approval_id", "id"), _ref("borrower_id", "borrowers"), _ref("notice_id", "notices"),
        Col("decision", "enum", values=_values(m.ApprovalDecision)), Col("at", "timestamp"),
        Col("by", "id"))),
    FileSpec("promises", ("promise_id",), (
        Col("promise_id", "id"), _ref("borrower_id", "borrowers"), _ref("loan_id", "loans", required=False),
        Col("promised_date", "date"), Col("amount", "money", required=False, positive=True),
        Col("status", "enum", values=_values(m.PromiseStatus)))),
    FileSpec("visits", ("visit_id",), (
        Col("visit_id", "id"), _ref("borrower_id", "borrowers"), _ref("loan_id", "loans", required=False),
        Col("status", "enum", values=_values(m.VisitStatus)), Col("at", "timestamp"),
        Col("outcome", "enum", required=False, values=VISIT_OUTCOMES))),
    FileSpec("alternatives", ("alternative_id",), (
        Col("alternative_id", "id"), _ref("borrower_id", "borrowers"), _ref("loan_id", "loans", required=False),
        Col("kind", "enum", values=_values(m.AlternativeKind)),
        Col("state", "enum", values=_values(m.AlternativeState)), Col("chosen_at", "timestamp"),
        Col("completed_at", "timestamp", required=False), Col("evidence_ref", "str", required=False, max_len=200))),
)
_SPEC = {s.name: s for s in SPECS}
_TABLE_NAMES = {"borrowers": "borrowers", "loans": "loans", "installments": "installments",
                "payments": "payments", "contacts": "contact_events", "notices": "notices",
                "consents": "consents", "approvals": "approvals", "promises": "promises", "visits": "visits",
                "alternatives": "alternatives"}
TABLES: dict[str, Table] = {name: Base.metadata.tables[t] for name, t in _TABLE_NAMES.items()}
PHONE_INDEX: Table = Base.metadata.tables["borrower_phone_index"]


@dataclass
class FileResult:
    name: str
    file: str
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "file": self.file, "read": self.read, "inserted": self.inserted,
                "updated": self.updated, "unchanged": self.unchanged}


@dataclass
class Summary:
    directory: str
    dialect: str
    files: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {"directory": self.directory, "database": self.dialect,
                "files": [f.as_json() for f in self.files], "seconds": round(self.seconds, 3),
                "rows_read": sum(f.read for f in self.files)}


# A hook for progress: (event, file name, amount). Events: "total" (rows to write), "advance" (rows written).
Progress = Callable[[str, str, int], None]


def _no_progress(_event: str, _name: str, _n: int) -> None:
    return None


def find_files(directory: Path) -> dict[str, Path]:
    """The portfolio files present in a directory, by entity name; problems are UserErrors."""
    if not directory.is_dir():
        raise UserError("not a directory; pass the folder that holds borrowers.parquet (or .csv)",
                        place=str(directory))
    found: dict[str, Path] = {}
    for spec in SPECS:
        parquet, csv = directory / f"{spec.name}.parquet", directory / f"{spec.name}.csv"
        if parquet.exists() and csv.exists():
            raise UserError(f"both {parquet.name} and {csv.name} exist; keep one", place=str(directory))
        if parquet.exists() or csv.exists():
            found[spec.name] = parquet if parquet.exists() else csv
        elif spec.required_file:
            raise UserError(f"missing {spec.name}.parquet (or {spec.name}.csv); "
                            "see docs/data-format.md", place=str(directory))
    return found


def _chunks(values: list[Any], size: int = LOOKUP_CHUNK) -> Iterable[list[Any]]:
    for i in range(0, len(values), size):
        yield values[i:i + size]


def _stored_owners(session: Session, table: Table, ids: list[str]) -> pl.DataFrame:
    """(id, borrower_id) of the given ids that the store holds (borrower_id null for the borrowers table)."""
    owner = table.c.borrower_id if "borrower_id" in table.c else None
    found: list[tuple[str, str | None]] = []
    for chunk in _chunks(ids):
        if owner is None:
            found.extend((i, None) for i in session.scalars(select(table.c.id).where(table.c.id.in_(chunk))))
        else:
            found.extend((i, b) for i, b in session.execute(
                select(table.c.id, owner).where(table.c.id.in_(chunk))))
    return pl.DataFrame(found, schema={"id": pl.String, "owner": pl.String}, orient="row")


def _check_all(session: Session, files: dict[str, Path]) -> dict[str, Checked]:
    checked: dict[str, Checked] = {}
    for name, path in files.items():
        spec = _SPEC[name]
        try:
            raw = read_file(path)
        except (pl.exceptions.PolarsError, OSError) as exc:
            first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
            checked[name] = Checked(spec, path.name, pl.DataFrame(), [Problem(path.name, None, None,
                                    f"cannot be read ({first})")], 1)
            continue
        checked[name] = check(spec, raw, path.name, PROBLEM_LIMIT)
        if name == "borrowers" and not checked[name].problem_count:
            _phones_in_e164(checked[name])
    for result in checked.values():
        if not result.problem_count:
            _check_references(session, result, checked)
    return checked


def _phones_in_e164(result: Checked) -> None:
    """Every phone in E.164 for the borrower's jurisdiction (kit.phones); a number invalid there is a problem."""
    result.frame, bad = e164_lists(result.frame, "phones", "jurisdiction")
    if bad.height:
        rows = result.frame.with_row_index("_i").join(bad, on="_i", how="inner").sort("_i")
        result.problem_count += rows.height
        room = max(0, PROBLEM_LIMIT - len(result.problems))
        result.problems.extend(
            Problem(result.source, row, "phones", f"phone {position} is not a valid number for jurisdiction {jur} "
                    f"({REGIONS[jur]}); correct it, or write it with its country code (e.g. +44 7911 123456)")
            for row, position, jur in rows.select(ROW, "position", "jurisdiction").head(room).iter_rows())


def _check_references(session: Session, result: Checked, checked: dict[str, Checked]) -> None:
    """Each reference names a row in the files or the store, and a loan or notice of the same borrower."""
    for col in result.spec.cols:
        if col.ref is None:
            continue
        parent = checked.get(col.ref)
        if parent is not None and parent.problem_count:
            continue  # the parent file is rejected and reported already
        parent_key = _SPEC[col.ref].key[0]
        has_owner = col.ref != "borrowers"
        owners = pl.DataFrame(schema={"id": pl.String, "owner": pl.String})
        wanted = result.frame.get_column(col.name).drop_nulls().unique()
        if parent is not None:
            owners = parent.frame.select(pl.col(parent_key).alias("id"), (
                pl.col("borrower_id") if has_owner else pl.lit(None, pl.String)).alias("owner"))
            wanted = wanted.filter(~wanted.is_in(owners.get_column("id").implode()))
        stored = _stored_owners(session, TABLES[col.ref], wanted.to_list())
        missing = set(wanted.to_list()) - set(stored.get_column("id").to_list())
        check_refs(result, col.name, missing, col.ref.removesuffix("s"), PROBLEM_LIMIT)
        if has_owner and col.name != "borrower_id" and "borrower_id" in result.frame.columns:
            owners = pl.concat([owners, stored])
            mismatched = (result.frame.join(owners, left_on=col.name, right_on="id", how="inner")
                          .filter(pl.col("owner") != pl.col("borrower_id")))
            add_rows(result, mismatched, col.name,
                     f"names a {col.ref.removesuffix('s')} of another borrower (see its borrower_id)",
                     PROBLEM_LIMIT)


def _report(checked: dict[str, Checked]) -> str:
    bad = [c for c in checked.values() if c.problem_count]
    total = sum(c.problem_count for c in bad)
    lines = [f"{total} problem(s) in {len(bad)} file(s); nothing was written:"]
    for c in bad:
        lines.extend(f"  {p}" for p in c.problems)
        if c.problem_count > len(c.problems):
            lines.append(f"  ... and {c.problem_count - len(c.problems)} more in {c.source}")
    lines.append("Fix these rows and run `duecare ingest` again.")
    return "\n".join(lines)


def _digests(name: str, frame: pl.DataFrame, cols: tuple[Col, ...]) -> list[str]:
    """Keyed digest of each typed source row (the lookup key: no one without it can test guesses)."""
    parts = []
    for col in cols:
        expr = pl.col(col.name)
        if col.kind == "phones":
            expr = expr.list.join(";")
        parts.append(expr.cast(pl.String).fill_null("\x00"))
    canon = frame.select(pl.concat_str(parts, separator="\x1f").alias("c")).get_column("c")
    key = get_keyring().lookup
    prefix = f"ingest-v1:{name}\x1e".encode()
    return [hmac.new(key, prefix + row.encode("utf-8"), hashlib.sha256).hexdigest() for row in canon]


def _db_frame(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Source columns -> table columns (ids, *_minor money, encrypted JSON for phones and geo)."""
    spec = _SPEC[name]
    out = frame
    if len(spec.key) == 1:
        out = out.rename({spec.key[0]: "id"})
    if name == "borrowers":
        phones = pl.col("phones")
        out = out.with_columns(
            pl.when(phones.list.len() == 0).then(pl.lit("[]"))
            .otherwise(pl.lit('["') + phones.list.join('","') + pl.lit('"]')).alias("phones"),
            pl.when(pl.col("lat").is_not_null() & pl.col("lon").is_not_null())
            .then(pl.format("[{}, {}]", pl.col("lat"), pl.col("lon"))).alias("geo"),
            *(pl.col(f).fill_null(False) for f in m.FLAGS),
        ).drop("lat", "lon")
    out = out.rename({c: f"{c}_minor" for c in ("principal", "amount", *CHARGE_COLS) if c in out.columns})
    out = out.rename({c: f"{c}_bp" for c in RATE_COLS if c in out.columns})
    if name == "approvals":
        out = out.rename({"by": "decided_by"})
    if name == "contacts" and "answers_notice" in out.columns:
        out = out.rename({"answers_notice": "answers_notice_id"})
    return out


def _classify(session: Session, name: str, batch: pl.DataFrame, table_was_empty: bool) -> pl.DataFrame:
    """Add `_state` (new | changed | same) by comparing digests with the stored rows."""
    if table_was_empty:  # the first load: nothing to compare with (keys are unique within the file)
        return batch.with_columns(pl.lit("new").alias("_state"))
    table = TABLES[name]
    spec = _SPEC[name]
    if len(spec.key) == 1:
        ids = batch.get_column("id").to_list()
        found = session.execute(select(table.c.id, table.c.ingest_digest).where(table.c.id.in_(ids))).all()
        old = pl.DataFrame(found, schema={"id": pl.String, "_old": pl.String}, orient="row")
        keys = ["id"]
    else:  # installments: (loan_id, seq)
        loans = batch.get_column("loan_id").unique().to_list()
        stored = session.execute(select(table.c.loan_id, table.c.seq, table.c.ingest_digest)
                                 .where(table.c.loan_id.in_(loans))).all()
        old = pl.DataFrame(stored, schema={"loan_id": pl.String, "seq": pl.Int64, "_old": pl.String},
                           orient="row")
        keys = ["loan_id", "seq"]
    old = old.with_columns(pl.lit(True).alias("_exists"))
    joined = batch.join(old, on=keys, how="left", maintain_order="left")
    return joined.with_columns(
        pl.when(pl.col("_exists").is_null()).then(pl.lit("new"))
        .when(pl.col("_old").eq_missing(pl.col("ingest_digest"))).then(pl.lit("same"))
        .otherwise(pl.lit("changed")).alias("_state")).drop("_old", "_exists")


def _upsert(session: Session, table: Table, rows: list[dict[str, Any]], update: bool) -> None:
    """INSERT ... ON CONFLICT (primary key) DO UPDATE (or DO NOTHING for append-only tables)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        _upsert_pg_copy(session, table, rows, update)
        return
    stmt = sqlite_insert(table)
    key = [c.name for c in table.primary_key.columns]
    if update:
        done = stmt.on_conflict_do_update(index_elements=key, set_={
            c: stmt.excluded[c] for c in rows[0] if c not in key})
    else:
        done = stmt.on_conflict_do_nothing(index_elements=key)
    session.execute(done, rows)


def _upsert_pg_copy(session: Session, table: Table, rows: list[dict[str, Any]], update: bool) -> None:
    """PostgreSQL: COPY the batch into a temporary table, then one INSERT ... SELECT ... ON CONFLICT.

    About twice as fast as a pipelined executemany. Values pass through each column type's bind processor
    first, so encryption at rest (PersonalText) and UTC instants apply exactly as on the ORM path.
    """
    conn = session.connection()
    quote = conn.dialect.identifier_preparer.quote
    cols = list(rows[0])
    key = [c.name for c in table.primary_key.columns]
    processors = [table.c[c].type.bind_processor(conn.dialect) for c in cols]
    stage = quote(f"_ingest_{table.name}")
    collist = ", ".join(quote(c) for c in cols)
    # Defaults too: the staging table keeps NOT NULL, and columns the file does not carry (payments.source)
    # must take their default rather than NULL.
    conn.exec_driver_sql(f"CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {quote(table.name)} INCLUDING DEFAULTS) ON COMMIT DROP")
    conn.exec_driver_sql(f"TRUNCATE {stage}")
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY {stage} ({collist}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([p(row[c]) if p else row[c] for c, p in zip(cols, processors, strict=True)])
    finally:
        cursor.close()
    if update:
        sets = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in cols if c not in key)
        action = f"DO UPDATE SET {sets}"
    else:
        action = "DO NOTHING"
    conn.exec_driver_sql(f"INSERT INTO {quote(table.name)} ({collist}) SELECT {collist} FROM {stage} "
                         f"ON CONFLICT ({', '.join(quote(k) for k in key)}) {action}")


def _write_file(session: Session, name: str, checked: Checked, result: FileResult, progress: Progress) -> None:
    frame = checked.frame
    digests = pl.Series("ingest_digest", _digests(name, frame, checked.spec.cols), dtype=pl.String)
    data = _db_frame(name, frame).with_columns(digests)
    appended: list[Problem] = []
    progress("total", name, data.height)
    table = TABLES[name]
    was_empty = session.execute(select(1).select_from(table).limit(1)).first() is None
    for offset in range(0, data.height, BATCH):
        batch = _classify(session, name, data.slice(offset, BATCH), was_empty)
        states = batch.get_column("_state")
        result.inserted += int((states == "new").sum())
        result.unchanged += int((states == "same").sum())
        changed = int((states == "changed").sum())
        if name == "consents" and changed:
            refused = batch.filter(pl.col("_state") == "changed").select(ROW, "id")
            appended.extend(Problem(checked.source, r, "consent_id", f"consent {cid!r} is already recorded "
                                    "with different content; consents are append-only: add a new row instead")
                            for r, cid in refused.iter_rows())
            changed = 0
        result.updated += changed
        todo = batch.filter(pl.col("_state") != "same") if name != "consents" else \
            batch.filter(pl.col("_state") == "new")
        if todo.height:
            if name == "consents":
                todo = _with_notice_versions(session, todo)
            _upsert(session, TABLES[name], todo.drop("_state", ROW).to_dicts(), update=name != "consents")
            if name == "borrowers":
                _index_phones(session, frame, todo)
                _index_names(session, frame, todo)
        progress("advance", name, batch.height)
    if appended:
        checked.problems.extend(appended[:PROBLEM_LIMIT])
        checked.problem_count += len(appended)
        raise UserError(_report({name: checked}))


def _with_notice_versions(session: Session, todo: pl.DataFrame) -> pl.DataFrame:
    """A consent records the version hash of the notice it answers, as the store knows it now."""
    ids = todo.get_column("notice_id").drop_nulls().unique().to_list()
    notices = TABLES["notices"]
    found = session.execute(select(notices.c.id, notices.c.version_hash).where(notices.c.id.in_(ids))).all()
    versions = pl.DataFrame(found, schema={"notice_id": pl.String, "notice_version_hash": pl.String},
                            orient="row")
    return todo.join(versions, on="notice_id", how="left", maintain_order="left")


def _index_phones(session: Session, frame: pl.DataFrame, todo: pl.DataFrame) -> None:
    ids = todo.get_column("id").to_list()
    index = PHONE_INDEX
    session.execute(delete(index).where(index.c.borrower_id.in_(ids)))
    wanted = set(ids)
    phones = frame.filter(pl.col("borrower_id").is_in(ids)).select("borrower_id", "phones")
    rows = [{"borrower_id": bid, "phone_hash": h}
            for bid, nums in phones.iter_rows() if bid in wanted for h in phone_hashes(nums)]
    if rows:
        session.execute(insert(index), rows)


def _index_names(session: Session, frame: pl.DataFrame, todo: pl.DataFrame) -> None:
    """The keyed hashes of each written borrower's name (ledger/names.py)."""
    from duecare.ledger.names import set_names

    ids = todo.get_column("id").to_list()
    if "name" not in frame.columns:
        return
    id_col = "borrower_id" if "borrower_id" in frame.columns else "id"
    named = frame.filter(pl.col(id_col).is_in(ids)).select(id_col, "name").unique(subset=[id_col], keep="last")
    set_names(session, list(named.iter_rows()))


def ingest_directory(session: Session, directory: Path, progress: Progress = _no_progress,
                     warn: Callable[[str], None] = lambda _m: None) -> Summary:
    """Check every file, then upsert every row; the caller commits (or rolls back on UserError)."""
    started = time.perf_counter()
    files = find_files(directory)
    checked = _check_all(session, files)
    for c in checked.values():
        for w in c.warnings:
            warn(w)
    if any(c.problem_count for c in checked.values()):
        raise UserError(_report(checked))
    summary = Summary(directory=str(directory), dialect=session.get_bind().dialect.name)
    for spec in SPECS:  # dependency order: parents before children
        if spec.name not in checked:
            continue
        c = checked[spec.name]
        result = FileResult(name=spec.name, file=files[spec.name].name, read=c.frame.height)
        _write_file(session, spec.name, c, result, progress)
        summary.files.append(result)
    session.flush()
    summary.seconds = time.perf_counter() - started
    return summary
