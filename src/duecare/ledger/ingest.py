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

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session

from duecare.kit.bounds import MAX_DURATION_S, MAX_SEQ
from duecare.kit.db import Base
from duecare.kit.errors import UserError
from duecare.kit.fields import get_keyring, hmac_hex_many, keyed_hashes, normalise_phone
from duecare.kit.phones import REGIONS, e164_lists
from duecare.ledger import bulk
from duecare.ledger import models as m
from duecare.ledger.changes import note_all
from duecare.ledger.promises import SETTLE_ALL
from duecare.ledger.validation import (
    ROW,
    Checked,
    Col,
    FileSpec,
    Problem,
    add_rows,
    check,
    check_refs,
    count_rows,
    read_batches,
    scan_file,
    typed_keys,
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
# Files are read in this order: a file another one names (borrowers, loans, notices) before it, so references are
# checked against the drop's own rows. Writes follow it too (contacts.answers_notice has no foreign key).
_ORDER = tuple(spec for s in SPECS if s.name != "notices"
               for spec in ((_SPEC["notices"], s) if s.name == "contacts" else (s,)))
_NAMED = {c.ref for s in SPECS for c in s.cols if c.ref}  # files whose keys others name
BATCH = 250_000  # rows read, checked and written at a time: memory holds one batch whatever the drop's size
_KEY_SEED = 0x5EED
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


@dataclass
class _Found:
    """Problems of one kind in one file, across its batches: the first PROBLEM_LIMIT and how many in all."""

    problems: list[Problem] = field(default_factory=list)
    count: int = 0

    def view(self, spec: FileSpec, source: str, frame: pl.DataFrame) -> Checked:
        """A Checked over one batch that appends to these problems (validation's helpers take a Checked)."""
        return Checked(spec, source, frame, self.problems, self.count)

    def took(self, view: Checked) -> int:
        added = view.problem_count - self.count
        self.count = view.problem_count
        return added


def _sorted_unique(values: np.ndarray[Any, np.dtype[np.uint64]]) -> np.ndarray[Any, np.dtype[np.uint64]]:
    """`np.unique` of 64-bit hashes by sorting: numpy 2's hash-table `unique` costs ~10x as much on these."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


class _SeenKeys:
    """The keys of a file's earlier batches, to find a key repeated across batches with 8 bytes a row.

    Each batch's keys are hashed to 64 bits and kept as sorted arrays (merged as they grow, so a lookup
    searches a few arrays). A hash that matches is only a candidate: the file's earlier rows are read again,
    keys only, to confirm it, so a hash collision never calls a row a duplicate."""

    def __init__(self, spec: FileSpec, path: Path) -> None:
        self.spec, self.path = spec, path
        self.levels: list[np.ndarray[Any, np.dtype[np.uint64]]] = []
        self.offset = 0  # rows of the batches seen so far

    def earlier(self, frame: pl.DataFrame) -> pl.Series:
        key = list(self.spec.key)
        hashes = frame.select(pl.struct(key).hash(_KEY_SEED)).to_series().to_numpy()
        # Looked up in sorted order: sorted needles walk each level's array forwards (7x faster than the batch's
        # own order against a 10M-key level), and the sorted hashes are the next level.
        order = np.argsort(hashes)
        ordered = hashes[order]
        hit_ordered = np.zeros(len(hashes), dtype=bool)
        for level in self.levels:
            at = np.minimum(np.searchsorted(level, ordered), len(level) - 1)
            hit_ordered |= level[at] == ordered
        hit = np.empty_like(hit_ordered)
        hit[order] = hit_ordered
        repeated = pl.Series("_earlier", hit)
        if hit.any():
            repeated = self._confirm(frame.select(key), repeated)
        self.levels.append(_sorted_unique(ordered))
        while len(self.levels) > 1 and len(self.levels[-2]) <= 2 * len(self.levels[-1]):
            top = self.levels.pop()
            self.levels[-1] = _sorted_unique(np.concatenate([self.levels[-1], top]))
        self.offset += frame.height
        return repeated

    def _confirm(self, keys: pl.DataFrame, candidates: pl.Series) -> pl.Series:
        scan = scan_file(self.path)
        exprs = typed_keys(self.spec, scan.collect_schema())
        if exprs is None:  # pragma: no cover - check() refuses such a file before asking
            return candidates
        wanted = keys.filter(candidates).unique()
        before = (scan.slice(0, self.offset).select(exprs)
                  .join(wanted.lazy(), on=list(self.spec.key), how="semi", nulls_equal=True).unique().collect())
        confirmed = keys.with_row_index("_i").join(before, on=list(self.spec.key), how="semi", nulls_equal=True)
        return pl.Series("_earlier", np.isin(np.arange(keys.height), confirmed.get_column("_i").to_numpy()))


@dataclass
class _FileRun:
    """One file as its batches pass: its problems by kind (as `_report` lists them) and what was written."""

    spec: FileSpec
    path: Path
    result: FileResult
    checks: _Found = field(default_factory=_Found)  # types, values, duplicate keys: the file is refused
    phones: _Found = field(default_factory=_Found)  # borrowers: numbers invalid for the jurisdiction
    refs: dict[tuple[str, str], _Found] = field(default_factory=dict)  # (column, missing|owner) per reference
    refused: _Found = field(default_factory=_Found)  # consents: already recorded with different content
    owners: list[pl.DataFrame] = field(default_factory=list)  # (id, owner) of the rows, for files that name it
    warnings: list[str] = field(default_factory=list)
    was_empty: bool = False

    @property
    def source(self) -> str:
        return self.path.name

    def problem_count(self) -> int:
        if self.checks.count or self.phones.count:
            return self.checks.count + self.phones.count
        return sum(f.count for f in self.refs.values())

    def checked(self) -> Checked:
        """The file's problems as a whole-file check lists them: type problems first and alone, then invalid
        phones, then references (each column's unknown ids, then those of another borrower)."""
        out = Checked(self.spec, self.source, pl.DataFrame(), warnings=self.warnings)
        if self.checks.count:
            out.problems, out.problem_count = self.checks.problems[:PROBLEM_LIMIT], self.checks.count
        elif self.phones.count:
            out.problems, out.problem_count = self.phones.problems[:PROBLEM_LIMIT], self.phones.count
        else:
            for col in self.spec.cols:
                for kind in ("missing", "owner"):
                    found = self.refs.get((col.name, kind))
                    if found is not None:
                        out.problem_count += found.count
                        out.problems.extend(found.problems[:max(0, PROBLEM_LIMIT - len(out.problems))])
        return out

    def owner_frame(self) -> pl.DataFrame:
        if not self.owners:
            return pl.DataFrame(schema={"id": pl.String, "owner": pl.String})
        if len(self.owners) > 1:  # concatenated once, not again for every batch of every file that names it
            self.owners[:] = [pl.concat(self.owners, rechunk=True)]
        return self.owners[0]


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


def _check_references(session: Session, batch: pl.DataFrame, run: _FileRun, runs: dict[str, _FileRun]) -> None:
    """Each reference names a row in the files or the store, and a loan or notice of the same borrower.

    The files that others name (borrowers, loans, notices) are read first and keep their (id, owner) pairs,
    so a batch looks up in the store only the ids its drop does not carry."""
    for col in run.spec.cols:
        if col.ref is None:
            continue
        parent = runs.get(col.ref)
        if parent is not None and parent.problem_count():
            continue  # the parent file is rejected and reported already
        has_owner = col.ref != "borrowers"
        owners = pl.DataFrame(schema={"id": pl.String, "owner": pl.String})
        wanted = batch.get_column(col.name).drop_nulls().unique()
        if parent is not None:
            owners = parent.owner_frame()
            # an anti join: `is_in` against the parent's ids cost 4x as much (38% of a 1M load's client time)
            wanted = wanted.to_frame().join(owners, left_on=col.name, right_on="id", how="anti").get_column(col.name)
        stored = _stored_owners(session, TABLES[col.ref], wanted.to_list())
        missing = set(wanted.to_list()) - set(stored.get_column("id").to_list())
        found = run.refs.setdefault((col.name, "missing"), _Found())
        view = found.view(run.spec, run.source, batch)
        check_refs(view, col.name, missing, col.ref.removesuffix("s"), PROBLEM_LIMIT)
        found.took(view)
        if has_owner and col.name != "borrower_id" and "borrower_id" in batch.columns:
            owners = pl.concat([owners, stored])
            mismatched = (batch.join(owners, left_on=col.name, right_on="id", how="inner")
                          .filter(pl.col("owner") != pl.col("borrower_id")))
            found = run.refs.setdefault((col.name, "owner"), _Found())
            view = found.view(run.spec, run.source, batch)
            add_rows(view, mismatched, col.name,
                     f"names a {col.ref.removesuffix('s')} of another borrower (see its borrower_id)",
                     PROBLEM_LIMIT)
            found.took(view)


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
        pieces.append(pl.Series("ingest_digest", hmac_hex_many(key, canon.get_column("c").to_list(), prefix),
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
    from duecare.ledger.names import name_variants

    ids = written.get_column("borrower_id").to_list()
    if replace:
        for chunk in _chunks(ids):
            session.execute(delete(PHONE_INDEX).where(PHONE_INDEX.c.borrower_id.in_(chunk)))
            session.execute(delete(NAME_INDEX).where(NAME_INDEX.c.borrower_id.in_(chunk)))
    # Each borrower's distinct phones and name variants, normalised as kit.fields.keyed_hash does, then hashed
    # in one call (the lookup key fetched once): the same rows as repository.phone_hashes and names.name_hashes.
    phone_owners: list[str] = []
    phone_values: list[str] = []
    name_owners: list[str] = []
    name_values: list[str] = []
    for bid, nums, name in written.select("borrower_id", "phones", "name").iter_rows():
        for value in dict.fromkeys(normalise_phone(p) for p in nums if p.strip()):
            phone_owners.append(bid)
            phone_values.append(value)
        for value in dict.fromkeys(name_variants(name or "")):
            name_owners.append(bid)
            name_values.append(value)
    phones = pl.DataFrame({"borrower_id": phone_owners, "phone_hash": keyed_hashes(phone_values, "phone")},
                          schema={"borrower_id": pl.String, "phone_hash": pl.String})
    names = pl.DataFrame({"borrower_id": name_owners, "name_hash": keyed_hashes(name_values, "text")},
                         schema={"borrower_id": pl.String, "name_hash": pl.String}).unique(maintain_order=True)
    bulk.copy_rows(session, PHONE_INDEX.name, PHONE_INDEX, phones)
    bulk.copy_rows(session, NAME_INDEX.name, NAME_INDEX, names)


def _write_batch(session: Session, run: _FileRun, frame: pl.DataFrame) -> None:
    """Merge one checked batch into its table (bulk.py); consents are append-only, borrowers keep their indexes."""
    name = run.spec.name
    table = TABLES[name]
    data = _db_frame(name, frame).with_columns(_digests(name, frame, run.spec.cols))
    if name == "consents":
        data = _with_notice_versions(session, data)
    key = [c.name for c in table.primary_key.columns]
    merged = bulk.merge(session, table, data.drop(ROW), key, append_only=name == "consents",
                        was_empty=run.was_empty)
    result = run.result
    result.inserted += merged.inserted
    result.updated += merged.updated
    result.unchanged += merged.unchanged
    if name in ("payments", "promises") and (merged.inserted or merged.updated):
        session.info[SETTLE_ALL] = True  # the promises made here are settled again before the commit
    if name == "consents" and merged.changed.height:
        refused = data.join(merged.changed, on=key, how="inner").select(ROW, "id").sort(ROW)
        room = max(0, PROBLEM_LIMIT - len(run.refused.problems))
        run.refused.problems.extend(
            Problem(run.source, r, "consent_id", f"consent {cid!r} is already recorded with different content; "
                    "consents are append-only: add a new row instead")
            for r, cid in refused.head(room).iter_rows())
        run.refused.count += refused.height
    if name == "borrowers" and merged.written.height:
        written = frame.join(merged.written.rename({"id": "borrower_id"}), on="borrower_id", how="semi")
        _index_borrowers(session, written, replace=not run.was_empty)


def _run_file(session: Session, run: _FileRun, runs: dict[str, _FileRun], writing: bool,
              progress: Progress) -> bool:
    """Read, check and (while `writing`, i.e. nothing in the drop is wrong so far) write one file batch by
    batch; whether writing may go on. A problem stops the writing but not the checking, so the refusal names
    every problem of every file, as a check of whole files would; the caller then rolls the drop back."""
    spec, name = run.spec, run.spec.name
    try:
        total = count_rows(run.path)
        progress("total", name, total)
        seen = _SeenKeys(spec, run.path) if total > BATCH else None  # one batch: check() sees every key
        for offset, raw in read_batches(run.path, BATCH):
            batch = check(spec, raw, run.source, PROBLEM_LIMIT, offset=offset,
                          earlier=seen.earlier if seen else None)
            if offset == 0:
                run.warnings = batch.warnings
            if batch.problem_count and not batch.frame.height:  # a whole-file problem (columns, types)
                run.checks.problems.extend(batch.problems)
                run.checks.count += batch.problem_count
                return False
            run.checks.problems.extend(batch.problems[:max(0, PROBLEM_LIMIT - len(run.checks.problems))])
            run.checks.count += batch.problem_count
            run.result.read += raw.height
            frame = batch.frame
            if not run.checks.count and name == "borrowers":
                view = run.phones.view(spec, run.source, frame)
                _phones_in_e164(view)
                run.phones.took(view)
                frame = view.frame
            if not run.checks.count and not run.phones.count:  # a file refused for its values: no references
                _check_references(session, frame, run, runs)
            if name in _NAMED:  # the (id, owner) pairs that later files' references are checked against
                run.owners.append(frame.select(pl.col(spec.key[0]).alias("id"), (
                    pl.col("borrower_id") if name != "borrowers" else pl.lit(None, pl.String)).alias("owner")))
            writing = writing and not run.problem_count()
            if writing:
                _write_batch(session, run, frame)
                writing = not run.refused.count
            progress("advance", name, raw.height)
            del raw, batch, frame
    except (pl.exceptions.PolarsError, OSError) as exc:
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        run.checks.problems[:] = [Problem(run.source, None, None, f"cannot be read ({first})")]
        run.checks.count = 1
        return False
    return writing


def ingest_directory(session: Session, directory: Path, progress: Progress = _no_progress,
                     warn: Callable[[str], None] = lambda _m: None) -> Summary:
    """Check and upsert every row, file by file in batches; the caller commits (or rolls back on UserError)."""
    started = time.perf_counter()
    first_load = bulk.is_empty(session, TABLES["borrowers"])
    files = find_files(directory, first_load=first_load)
    runs = {spec.name: _FileRun(spec, files[spec.name], FileResult(name=spec.name, file=files[spec.name].name))
            for spec in _ORDER if spec.name in files}
    summary = Summary(directory=str(directory), dialect=session.get_bind().dialect.name)
    writing = True
    # A first load into an empty store (no one works in it yet): foreign keys and secondary indexes are made
    # again after the COPY rather than checked and maintained row by row (PostgreSQL; bulk.constraints_deferred).
    deferred = [TABLES[n] for n in runs] + [PHONE_INDEX, NAME_INDEX] if first_load else []
    with bulk.constraints_deferred(session, deferred):
        for run in runs.values():
            run.was_empty = bulk.is_empty(session, TABLES[run.spec.name])
            writing = _run_file(session, run, runs, writing, progress)
            for w in run.warnings:
                warn(w)
        checked = {spec.name: runs[spec.name].checked() for spec in SPECS if spec.name in runs}
        if any(c.problem_count for c in checked.values()):
            raise UserError(_report(checked))
        refused = next((r for r in runs.values() if r.refused.count), None)
        if refused is not None:  # consents: checked, but already recorded with different content
            c = checked[refused.spec.name]
            c.problems, c.problem_count = refused.refused.problems, refused.refused.count
            raise UserError(_report({refused.spec.name: c}))
    summary.files = [runs[spec.name].result for spec in SPECS if spec.name in runs]
    bulk.analyze(session, [TABLES[r.spec.name] for r in runs.values() if r.was_empty and r.result.inserted]
                 + ([PHONE_INDEX, NAME_INDEX] if first_load else []))
    if any(f.inserted or f.updated for f in summary.files):
        note_all(session)  # rows written by COPY / executemany: the ORM's change log does not see them
    session.flush()
    summary.seconds = time.perf_counter() - started
    return summary
