"""Reading a portfolio directory partition by partition: whole borrowers per partition, typed and screened as
ingest types them, a borrower with any refused row set aside whole.

Used by the nightly batch (`batch.engine`) and by `duecare policy diff`, so it sits below both.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from duecare.kit.errors import UserError
from duecare.ledger.frames import MONEY, REQUIRED, SCHEMAS, conform, empty
from duecare.ledger.validation import ROW

BORROWER_KEYED = ("borrowers", "loans", "contacts", "notices", "consents", "approvals", "promises", "visits")
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


def _screened(root: Path, name: str, lazy: pl.LazyFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One file's rows of the partition, typed as ingest types them: (sound rows, refused rows with `_reason`)."""
    from duecare.ledger.ingest import SPECS
    from duecare.ledger.validation import screen

    spec = next(s for s in SPECS if s.name == name)
    raw = lazy.collect()
    wanted = _columns(name)
    others = [c for c in SCHEMAS[name] if c.removesuffix("_minor") not in wanted]
    out = screen(spec, raw, wanted, passthrough=others)
    if isinstance(out, str):
        raise UserError(out, place=str(_path(root, name)))
    return out


def _path(root: Path, name: str) -> Path:
    parquet = root / f"{name}.parquet"
    return parquet if parquet.exists() else root / f"{name}.csv"


def _normalised(name: str, typed: pl.DataFrame) -> pl.DataFrame:
    money = MONEY.get(name)
    if money and money in typed.columns:  # already integer minor units after screening
        typed = typed.rename({money: "amount_minor"})
    return conform(name, typed.drop(ROW))


def screen_partition(root: Path, lo: str, hi: str) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """The partition's frames and the rows set aside: a borrower with any refused row (in any file) is left out
    of the night whole, since a decision on part of their facts could be wrong (a missed withdrawal)."""
    in_range = pl.col("borrower_id").is_between(pl.lit(lo), pl.lit(hi))
    screened: dict[str, tuple[pl.DataFrame, pl.DataFrame]] = {}
    for name in BORROWER_KEYED:
        src = _source(root, name)
        if src is not None:
            screened[name] = _screened(root, name, src.with_row_index(ROW, offset=1).filter(in_range))
    good_loans, bad_loans = screened["loans"]
    loans = pl.concat([good_loans.select("loan_id", "borrower_id"), bad_loans.select("loan_id", "borrower_id")])
    for name in LOAN_KEYED:
        src = _source(root, name)
        if src is not None:
            part = src.with_row_index(ROW, offset=1).join(loans.lazy().select("loan_id"), on="loan_id", how="semi")
            screened[name] = _screened(root, name, part)
    rejects = []
    for name, (_good, bad) in screened.items():
        if bad.height:
            if name in LOAN_KEYED:
                bad = bad.join(loans, on="loan_id", how="left")
            rejects.append(bad.select(pl.lit(_path(root, name).name).alias("file"), pl.col(ROW).cast(pl.Int64)
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


def read_partition(root: Path, lo: str, hi: str) -> dict[str, pl.DataFrame]:
    return screen_partition(root, lo, hi)[0]
