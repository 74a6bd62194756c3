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
from duecare.ledger.frames import REQUIRED, SCHEMAS, conform, empty
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


def read_partition(root: Path, lo: str, hi: str) -> dict[str, pl.DataFrame]:
    frames: dict[str, pl.DataFrame] = {}
    in_range = pl.col("borrower_id").is_between(pl.lit(lo), pl.lit(hi))
    for name in BORROWER_KEYED:
        src = _source(root, name)
        frames[name] = empty(name) if src is None else conform(name, src.filter(in_range).collect())
    loan_ids = frames["loans"].select("loan_id")
    for name in LOAN_KEYED:
        src = _source(root, name)
        frames[name] = (empty(name) if src is None
                        else conform(name, src.join(loan_ids.lazy(), on="loan_id", how="semi").collect()))
    return frames


@dataclass
class RunResult:
    loans: int = 0
    seconds: float = 0.0
    partitions: int = 0
    per_bucket: pl.DataFrame = field(default_factory=pl.DataFrame)
    per_action: pl.DataFrame = field(default_factory=pl.DataFrame)




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
    buckets, actions = [], []
    try:
        for i, (lo, hi) in enumerate(bounds):
            frames = read_partition(input_dir, lo, hi)
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
