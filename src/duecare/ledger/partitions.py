"""Reading a portfolio directory partition by partition: whole borrowers per partition, typed and screened as
ingest types them, a borrower with any refused row set aside whole.

Used by the nightly batch (`batch.engine`) and by `duecare policy diff`, so it sits below both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import polars as pl

from duecare.kit.errors import UserError
from duecare.ledger.frames import MONEY, REQUIRED, SCHEMAS, conform, empty
from duecare.ledger.validation import ROW

BORROWER_KEYED = ("borrowers", "loans", "contacts", "notices", "consents", "approvals", "promises", "visits",
                  "contact_limits")
LOAN_KEYED = ("installments", "payments")


def _source(root: Path, name: str) -> pl.LazyFrame | None:
    parquet, csv = root / f"{name}.parquet", root / f"{name}.csv"
    if parquet.exists():
        return pl.scan_parquet(parquet)
    if csv.exists():
        return pl.scan_csv(csv, infer_schema=False)
    if name in REQUIRED:
        raise UserError(f"missing {name}.parquet (or {name}.csv); see docs/data-format.md", place=str(root))
    return None


def partition_bounds(root: Path, partitions: int) -> list[tuple[str, str]]:
    """Borrower-id ranges of about equal size."""
    ids = _source(root, "borrowers").select("borrower_id").collect()["borrower_id"].sort()  # type: ignore[union-attr]
    if ids.len() == 0:
        return []
    partitions = max(1, min(partitions, ids.len()))
    step = ids.len() / partitions
    cuts = [round(i * step) for i in range(partitions + 1)]
    return [(ids[cuts[i]], ids[cuts[i + 1] - 1]) for i in range(partitions) if cuts[i + 1] > cuts[i]]


REJECTS_SCHEMA = {"file": pl.String(), "row": pl.Int64(), "borrower_id": pl.String(), "reason": pl.String()}


def _columns(name: str) -> list[str]:
    """The columns the run reads from a file (money by its source name)."""
    from duecare.ledger.ingest import SPECS

    spec = next(s for s in SPECS if s.name == name)
    wanted = {c.removesuffix("_minor") for c in SCHEMAS[name]}
    return [c.name for c in spec.cols if c.name in wanted]


def _path(root: Path, name: str) -> Path:
    parquet = root / f"{name}.parquet"
    return parquet if parquet.exists() else root / f"{name}.csv"


def _normalised(name: str, typed: pl.DataFrame) -> pl.DataFrame:
    money = MONEY.get(name)
    if money and money in typed.columns:  # already integer minor units after screening
        typed = typed.rename({money: "amount_minor"})
    return conform(name, typed.drop(ROW))


def screen_partition(root: Path, lo: str, hi: str) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """The partition of borrower ids [lo, hi] read straight from the portfolio directory (see `screen_sources`)."""
    in_range = pl.col("borrower_id").is_between(pl.lit(lo), pl.lit(hi))
    sources: dict[str, pl.LazyFrame] = {}
    for name in BORROWER_KEYED:
        src = _source(root, name)
        if src is not None:
            sources[name] = src.with_row_index(ROW, offset=1).filter(in_range)
    loan_ids = sources["loans"].select("loan_id")
    for name in LOAN_KEYED:
        src = _source(root, name)
        if src is not None:
            sources[name] = src.with_row_index(ROW, offset=1).join(loan_ids, on="loan_id", how="semi")
    return screen_sources(sources, {name: _path(root, name).name for name in sources}, str(root))


def screen_sources(sources: dict[str, pl.LazyFrame], files: dict[str, str], place: str
                   ) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """One partition's frames and the rows set aside, from its raw rows (each carrying its file row number `_row`):
    a borrower with any refused row (in any file) is left out of the night whole, since a decision on part of
    their facts could be wrong (a missed withdrawal)."""
    screened = {name: _screened_lazy(place, files[name], name, lazy) for name, lazy in sources.items()}
    good_loans, bad_loans = screened["loans"]
    loans = pl.concat([good_loans.select("loan_id", "borrower_id"), bad_loans.select("loan_id", "borrower_id")])
    rejects = []
    for name, (_good, bad) in screened.items():
        if bad.height:
            if name in LOAN_KEYED:
                bad = bad.join(loans, on="loan_id", how="left")
            rejects.append(bad.select(pl.lit(files[name]).alias("file"), pl.col(ROW).cast(pl.Int64)
                                      .alias("row"), pl.col("borrower_id").cast(pl.String),
                                      pl.col("_reason").alias("reason")))
    rejected = pl.concat(rejects) if rejects else pl.DataFrame(schema=REJECTS_SCHEMA)
    out_ids = rejected.get_column("borrower_id").drop_nulls().unique()
    frames: dict[str, pl.DataFrame] = {}
    for name in (*BORROWER_KEYED, *LOAN_KEYED):
        if name not in screened:
            frames[name] = empty(name)
            continue
        good = screened[name][0]
        if out_ids.len():
            if name in LOAN_KEYED:
                kept = loans.filter(~pl.col("borrower_id").is_in(out_ids.implode())).select("loan_id")
                good = good.join(kept, on="loan_id", how="semi")
            else:
                good = good.filter(~pl.col("borrower_id").is_in(out_ids.implode()))
        frames[name] = _normalised(name, good)
    return frames, rejected


def _screened_lazy(place: str, file: str, name: str, lazy: pl.LazyFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    from duecare.ledger.ingest import SPECS
    from duecare.ledger.validation import screen

    spec = next(s for s in SPECS if s.name == name)
    raw = lazy.collect()
    wanted = _columns(name)
    others = [c for c in SCHEMAS[name] if c.removesuffix("_minor") not in wanted]
    out = screen(spec, raw, wanted, passthrough=others)
    if isinstance(out, str):
        raise UserError(out, place=str(Path(place) / file))
    return out


# --- borrower-hash partitions staged once, then read one at a time (memory bounded by the partition size) ---

PART = "part"
STAGED_COMPRESSION: Final = "lz4"  # read once and deleted: lz4 writes a third faster than zstd's default here


def input_files(root: Path) -> dict[str, str]:
    """{name: input file name} for every input file present (a required one missing is an error)."""
    return {name: _path(root, name).name for name in (*BORROWER_KEYED, *LOAN_KEYED) if _source(root, name) is not None}


def screen_input(root: Path, files: dict[str, str]) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """The whole input as one partition, read straight from its files (no staging: one partition needs no split)."""
    sources = {name: pl.scan_parquet(root / file) if file.endswith(".parquet")
               else pl.scan_csv(root / file, infer_schema=False) for name, file in files.items()}
    return screen_sources({name: src.with_row_index(ROW, offset=1) for name, src in sources.items()}, files,
                          str(root))


def part_of(borrower_id: pl.Expr, partitions: int) -> pl.Expr:
    """A borrower's partition: a seeded hash of the id (deterministic for one Polars version; the run's manifest
    records that version, so a resumed run partitions as the interrupted one did)."""
    return (borrower_id.cast(pl.String).hash(seed=20261204) % partitions).cast(pl.Int32).alias(PART)


def stage(root: Path, staged: Path, partitions: int) -> dict[str, str]:
    """Split every input file into `staged/<name>/part=<k>/` by borrower hash, streaming (each file is read once
    and never held whole in memory). Loan-keyed files follow their loan's borrower. Each file carries its input
    row number, so refused rows are reported against the input. Returns {name: input file name}."""
    files: dict[str, str] = {}
    loan_parts: pl.LazyFrame | None = None
    for name in (*BORROWER_KEYED, *LOAN_KEYED):
        src = _source(root, name)
        if src is None:
            continue
        files[name] = _path(root, name).name
        done = staged / name / ".complete"
        if name == "loans":
            loan_parts = src.select(pl.col("loan_id").cast(pl.String),
                                    part_of(pl.col("borrower_id"), partitions)).unique()
        if done.exists():
            continue
        rows = src.with_row_index(ROW, offset=1)
        if name in LOAN_KEYED:
            assert loan_parts is not None
            keyed = rows.with_columns(pl.col("loan_id").cast(pl.String)).join(loan_parts, on="loan_id", how="inner")
        else:
            keyed = rows.with_columns(part_of(pl.col("borrower_id"), partitions))
        target = staged / name
        if target.exists():
            import shutil

            shutil.rmtree(target)  # a kill while staging: start this file again
        keyed.sink_parquet(pl.PartitionBy(target, key=PART, include_key=False), mkdir=True,
                           maintain_order=False, engine="streaming", compression=STAGED_COMPRESSION)
        target.mkdir(parents=True, exist_ok=True)  # an empty file writes no partition directory
        done.write_text(files[name])
    return files


def screen_staged(root: Path, staged: Path, files: dict[str, str], part: int
                  ) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """One staged partition's frames and refused rows (the same screening as `screen_partition`)."""
    sources: dict[str, pl.LazyFrame] = {}
    for name in files:
        found = sorted((staged / name / f"{PART}={part}").glob("*.parquet"))
        if found:
            sources[name] = pl.scan_parquet(found)
        else:  # no row of this file in the partition: the input's columns, no rows
            src = _source(root, name)
            assert src is not None
            sources[name] = src.with_row_index(ROW, offset=1).clear()
    return screen_sources(sources, files, str(root))


def read_partition(root: Path, lo: str, hi: str) -> dict[str, pl.DataFrame]:
    return screen_partition(root, lo, hi)[0]
