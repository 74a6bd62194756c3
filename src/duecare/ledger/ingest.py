"""`duecare ingest DIR`: load a portfolio directory into the operational store, idempotently.

Every file is read and every row checked (types, enums, required values, amounts > 0, IANA timezones,
unique keys, references to borrowers/loans/notices in the files or already in the store) with Polars
expressions before anything is written. Any problem rejects the drop: nothing is written and each problem is
named (file, row, column, reason). Then each file is merged into its table by primary key in bulk (ledger/bulk.py:
COPY and a set-based INSERT ... ON CONFLICT on PostgreSQL, executemany on SQLite), all in one transaction that
the caller commits, so a drop lands whole or not at all. A keyed digest of each source row (`ingest_digest`)
tells an unchanged row from a changed one, so a second run of the same files writes nothing, and a daily delta
(new payments, contacts, loans) costs in proportion to its rows, not to the store. Rows that are absent from
the files are left alone (ingest never deletes). Consents are append-only: a changed consent is an error.
borrowers, loans and installments are required on a first load only; a later drop may carry just its delta.
A drop that writes payments or promises marks its session (`ledger.promises.SETTLE_ALL`): before the commit the
promises made here are settled again from the payments (policy/promises.py), in the same transaction.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session

from duecare.kit.bounds import MAX_DURATION_S, MAX_SEQ
from duecare.kit.db import Base
from duecare.kit.errors import UserError
from duecare.kit.fields import get_keyring
from duecare.kit.phones import REGIONS, e164_lists
from duecare.ledger import bulk
from duecare.ledger import models as m
from duecare.ledger.promises import SETTLE_ALL
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

DIGEST_CHUNK = 200_000
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
    FileSpec("contact_limits", ("limit_id",), (
        Col("limit_id", "id"), _ref("borrower_id", "borrowers"), Col("kind", "enum", values=_values(m.LimitKind)),
        Col("by", "enum", values=_values(m.LimitBy)), Col("channel", "enum", values=_values(m.LimitChannel)),
        Col("at", "timestamp"), Col("lifted_at", "timestamp", required=False))),
)
_SPEC = {s.name: s for s in SPECS}
_TABLE_NAMES = {"borrowers": "borrowers", "loans": "loans", "installments": "installments",
                "payments": "payments", "contacts": "contact_events", "notices": "notices",
                "consents": "consents", "approvals": "approvals", "promises": "promises", "visits": "visits",
                "alternatives": "alternatives", "contact_limits": "contact_limits"}
TABLES: dict[str, Table] = {name: Base.metadata.tables[t] for name, t in _TABLE_NAMES.items()}
PHONE_INDEX: Table = Base.metadata.tables["borrower_phone_index"]
NAME_INDEX: Table = Base.metadata.tables["borrower_name_index"]


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


def find_files(directory: Path, first_load: bool = True) -> dict[str, Path]:
    """The portfolio files present in a directory, by entity name; problems are UserErrors.

    A first load needs borrowers, loans and installments; a delta drop into a store that holds borrowers
    may carry only the files that changed (e.g. today's payments and contacts)."""
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
        elif spec.required_file and first_load:
            raise UserError(f"missing {spec.name}.parquet (or {spec.name}.csv), required on a first load "
                            "into an empty store; see docs/data-format.md", place=str(directory))
    if not found:
        raise UserError("no portfolio files (borrowers.parquet, payments.parquet, ...); see docs/data-format.md",
                        place=str(directory))
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


def _hmac_hex(key: bytes, prefix: bytes, texts: list[str]) -> list[str]:
    """HMAC-SHA256 (hex) of prefix + each text: the same values as `hmac.new`, with the key's pads hashed once."""
    block = key if len(key) <= 64 else hashlib.sha256(key).digest()
    block = block.ljust(64, b"\0")
    inner0 = hashlib.sha256(bytes(b ^ 0x36 for b in block))
    outer0 = hashlib.sha256(bytes(b ^ 0x5C for b in block))
    inner0.update(prefix)
    out: list[str] = []
    append = out.append
    for text in texts:
        inner = inner0.copy()
        inner.update(text.encode("utf-8"))
        outer = outer0.copy()
        outer.update(inner.digest())
        append(outer.hexdigest())
    return out


def _digests(name: str, frame: pl.DataFrame, cols: tuple[Col, ...]) -> pl.Series:
    """Keyed digest of each typed source row (the lookup key: no one without it can test guesses)."""
    parts = []
    for col in cols:
        expr = pl.col(col.name)
        if col.kind == "phones":
            expr = expr.list.join(";")
        parts.append(expr.cast(pl.String).fill_null("\x00"))
    key = get_keyring().lookup
    prefix = f"ingest-v1:{name}\x1e".encode()
    pieces = []
    for offset in range(0, frame.height, DIGEST_CHUNK):  # a bounded list of Python strings at a time
        canon = frame.slice(offset, DIGEST_CHUNK).select(pl.concat_str(parts, separator="\x1f").alias("c"))
        pieces.append(pl.Series("ingest_digest", _hmac_hex(key, prefix, canon.get_column("c").to_list()),
                                dtype=pl.String))
    return pl.concat(pieces) if pieces else pl.Series("ingest_digest", [], dtype=pl.String)


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


def _write_file(session: Session, name: str, checked: Checked, result: FileResult, progress: Progress) -> None:
    """Merge one checked file into its table (bulk.py); consents are append-only, borrowers keep their indexes."""
    frame = checked.frame
    table = TABLES[name]
    progress("total", name, frame.height)
    was_empty = bulk.is_empty(session, table)
    data = _db_frame(name, frame).with_columns(_digests(name, frame, checked.spec.cols))
    if name == "consents":
        data = _with_notice_versions(session, data)
    key = [c.name for c in table.primary_key.columns]
    merged = bulk.merge(session, table, data.drop(ROW), key, append_only=name == "consents", was_empty=was_empty)
    result.inserted, result.updated, result.unchanged = merged.inserted, merged.updated, merged.unchanged
    if name in ("payments", "promises") and (merged.inserted or merged.updated):
        session.info[SETTLE_ALL] = True  # the promises made here are settled again before the commit
    if name == "consents" and merged.changed.height:
        refused = data.join(merged.changed, on=key, how="inner").select(ROW, "id").sort(ROW)
        checked.problems.extend(Problem(checked.source, r, "consent_id", f"consent {cid!r} is already recorded "
                                        "with different content; consents are append-only: add a new row instead")
                                for r, cid in refused.head(PROBLEM_LIMIT).iter_rows())
        checked.problem_count += refused.height
        raise UserError(_report({name: checked}))
    if name == "borrowers" and merged.written.height:
        written = frame.join(merged.written.rename({"id": "borrower_id"}), on="borrower_id", how="semi")
        _index_borrowers(session, written, replace=not was_empty)
    progress("advance", name, frame.height)


def _with_notice_versions(session: Session, todo: pl.DataFrame) -> pl.DataFrame:
    """A consent records the version hash of the notice it answers, as the store knows it now."""
    ids = todo.get_column("notice_id").drop_nulls().unique().to_list()
    notices = TABLES["notices"]
    found = [tuple(r) for chunk in _chunks(ids) for r in session.execute(
        select(notices.c.id, notices.c.version_hash).where(notices.c.id.in_(chunk)))]
    versions = pl.DataFrame(found, schema={"notice_id": pl.String, "notice_version_hash": pl.String},
                            orient="row")
    return todo.join(versions, on="notice_id", how="left", maintain_order="left")


def _index_borrowers(session: Session, written: pl.DataFrame, replace: bool) -> None:
    """The keyed hashes of each written borrower's phones (E.164) and name (ledger/names.py), in bulk."""
    from duecare.ledger.names import name_hashes

    ids = written.get_column("borrower_id").to_list()
    if replace:
        for chunk in _chunks(ids):
            session.execute(delete(PHONE_INDEX).where(PHONE_INDEX.c.borrower_id.in_(chunk)))
            session.execute(delete(NAME_INDEX).where(NAME_INDEX.c.borrower_id.in_(chunk)))
    phones = [(bid, h) for bid, nums in written.select("borrower_id", "phones").iter_rows()
              for h in phone_hashes(nums)]
    names = [(bid, h) for bid, name in written.select("borrower_id", "name").iter_rows()
             for h in dict.fromkeys(name_hashes(name))]
    bulk.copy_rows(session, PHONE_INDEX.name, PHONE_INDEX, pl.DataFrame(
        phones, schema={"borrower_id": pl.String, "phone_hash": pl.String}, orient="row"))
    bulk.copy_rows(session, NAME_INDEX.name, NAME_INDEX, pl.DataFrame(
        names, schema={"borrower_id": pl.String, "name_hash": pl.String}, orient="row"))


def ingest_directory(session: Session, directory: Path, progress: Progress = _no_progress,
                     warn: Callable[[str], None] = lambda _m: None) -> Summary:
    """Check every file, then upsert every row; the caller commits (or rolls back on UserError)."""
    started = time.perf_counter()
    first_load = bulk.is_empty(session, TABLES["borrowers"])
    files = find_files(directory, first_load=first_load)
    checked = _check_all(session, files)
    for c in checked.values():
        for w in c.warnings:
            warn(w)
    if any(c.problem_count for c in checked.values()):
        raise UserError(_report(checked))
    summary = Summary(directory=str(directory), dialect=session.get_bind().dialect.name)
    # A first load into an empty store (no one works in it yet): foreign keys and secondary indexes are made
    # again after the COPY rather than checked and maintained row by row (PostgreSQL; bulk.constraints_deferred).
    deferred = [TABLES[n] for n in checked] + [PHONE_INDEX, NAME_INDEX] if first_load else []
    with bulk.constraints_deferred(session, deferred):
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
