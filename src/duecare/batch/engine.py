"""The nightly run on the Polars engine: partition by borrower, compute features and decisions, write Parquet.

Every partition holds whole borrowers, so the result does not depend on how the run is partitioned.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl

from duecare.kit.errors import UserError
from duecare.ledger.frames import MONEY, REQUIRED, SCHEMAS, conform, empty
from duecare.ledger.validation import ROW
from duecare.policy.evaluator import Policy, Scorer, decide

BORROWER_KEYED = ("borrowers", "loans", "contacts", "notices", "consents", "approvals", "promises", "visits")
LOAN_KEYED = ("installments", "payments")
DECISION_COLUMNS = (
    "loan_id", "borrower_id", "pack", "action", "channel", "not_before", "reasons", "blocked_rules",
    "visit_eligible", "visit_unmet", "variant", "strategy", "policy_version", "ladder_line",
)


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


@dataclass
class RunResult:
    loans: int = 0
    seconds: float = 0.0
    partitions: int = 0
    per_bucket: pl.DataFrame = field(default_factory=pl.DataFrame)
    per_action: pl.DataFrame = field(default_factory=pl.DataFrame)
    rejected: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=REJECTS_SCHEMA))




def run(input_dir: Path, out_dir: Path, as_of: datetime, policy: Policy, partitions: int = 1,
        scorer: Scorer | None = None, progress: Callable[[int, int], None] | None = None) -> RunResult:
    """Features and decisions for every loan, streamed partition by partition into two Parquet files."""
    import pyarrow.parquet as pq

    start = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    bounds = partition_bounds(input_dir, partitions)
    feat_writer = dec_writer = None
    tmp_feat, tmp_dec = out_dir / "features.parquet.tmp", out_dir / "decisions.parquet.tmp"
    result = RunResult(partitions=len(bounds))
    buckets, actions, rejected = [], [], []
    try:
        for i, (lo, hi) in enumerate(bounds):
            frames, refused = screen_partition(input_dir, lo, hi)
            rejected.append(refused)
            decisions = decide(frames, as_of, policy, scorer=scorer)
            features = feature_table(decisions)
            table_f = features.to_arrow()
            table_d = decisions.select(*DECISION_COLUMNS).to_arrow()
            if feat_writer is None:
                feat_writer = pq.ParquetWriter(tmp_feat, table_f.schema)
                dec_writer = pq.ParquetWriter(tmp_dec, table_d.schema)
            feat_writer.write_table(table_f.cast(feat_writer.schema))
            dec_writer.write_table(table_d.cast(dec_writer.schema))  # type: ignore[union-attr]
            result.loans += decisions.height
            buckets.append(features.group_by("bucket").agg(loans=pl.len(), overdue_minor=pl.col("overdue_minor").sum()))
            actions.append(decisions.group_by("action").agg(loans=pl.len()))
            if progress:
                progress(i + 1, len(bounds))
    finally:
        for w in (feat_writer, dec_writer):
            if w is not None:
                w.close()
    if feat_writer is None:  # no borrower (or none sound): empty outputs, still written
        empty_decisions = decide({n: empty(n) for n in SCHEMAS}, as_of, policy)
        feature_table(empty_decisions).write_parquet(tmp_feat)
        empty_decisions.select(*DECISION_COLUMNS).write_parquet(tmp_dec)
    result.rejected = pl.concat(rejected) if rejected else result.rejected
    result.rejected.write_parquet(out_dir / "rejected.parquet")
    tmp_feat.replace(out_dir / "features.parquet")
    tmp_dec.replace(out_dir / "decisions.parquet")
    if buckets:
        result.per_bucket = pl.concat(buckets).group_by("bucket").agg(pl.col("loans").sum(),
                                                                       pl.col("overdue_minor").sum())
        result.per_action = pl.concat(actions).group_by("action").agg(pl.col("loans").sum()).sort("loans",
                                                                                                   descending=True)
    result.seconds = time.perf_counter() - start
    return result


def feature_table(decisions: pl.DataFrame) -> pl.DataFrame:
    """The features.parquet columns: every DESIGN feature plus the risk columns when a model scored them."""
    from duecare.contacts.features import FEATURE_NAMES

    cols = ["loan_id", "borrower_id", "timezone", "today", "overdue_minor",
            *[c for c in FEATURE_NAMES if c != "overdue_amount"], "overdue_amount"]
    cols += [c for c in ("risk_score", "risk_band", "reason_codes", "risk_model") if c in decisions.columns
             and c not in cols]
    table = decisions.with_columns(overdue_amount=(pl.col("overdue_minor").cast(pl.Decimal(20, 2)) / 100)
                                   .cast(pl.Decimal(18, 2)))
    return table.select([c for c in cols if c in table.columns])


__all__ = ["SCHEMAS", "feature_table", "partition_bounds", "read_partition", "run"]
