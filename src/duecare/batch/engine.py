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

from duecare.features.contacts import FEATURE_NAMES
from duecare.ledger.frames import SCHEMAS, empty
from duecare.ledger.partitions import REJECTS_SCHEMA, partition_bounds, screen_partition
from duecare.policy.evaluator import Policy, Scorer, decide

DECISION_COLUMNS = (
    "loan_id", "borrower_id", "pack", "action", "channel", "not_before", "reasons", "blocked_rules",
    "visit_eligible", "visit_unmet", "variant", "strategy", "policy_version", "ladder_line",
)


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
    cols = ["loan_id", "borrower_id", "timezone", "today", "overdue_minor",
            *[c for c in FEATURE_NAMES if c != "overdue_amount"], "overdue_amount"]
    cols += [c for c in ("risk_score", "risk_band", "reason_codes", "risk_model") if c in decisions.columns
             and c not in cols]
    table = decisions.with_columns(overdue_amount=(pl.col("overdue_minor").cast(pl.Decimal(20, 2)) / 100)
                                   .cast(pl.Decimal(18, 2)))
    return table.select([c for c in cols if c in table.columns])


__all__ = ["DECISION_COLUMNS", "RunResult", "feature_table", "run"]
