"""Change safety: how many loans change action between two strategies on the same portfolio and moment."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl

from duecare.ledger.partitions import partition_bounds, read_partition
from duecare.policy.evaluator import Policy, decide


def action_pairs(frames: dict[str, pl.DataFrame], as_of: datetime, old: Policy, new: Policy) -> pl.DataFrame:
    """Per loan, the action under the old and under the new policy."""
    a = decide(frames, as_of, old).select("loan_id", from_action=pl.col("action"))
    b = decide(frames, as_of, new).select("loan_id", to_action=pl.col("action"))
    return a.join(b, on="loan_id")


def summarise(pairs: pl.DataFrame, examples: int = 5) -> pl.DataFrame:
    """Loans per (from, to) pair with example loan ids; changed pairs first, largest first."""
    return (
        pairs.sort("loan_id")
        .group_by("from_action", "to_action")
        .agg(loans=pl.len(), example_loan_ids=pl.col("loan_id").head(examples))
        .with_columns(changed=pl.col("from_action") != pl.col("to_action"))
        .sort(["changed", "loans", "from_action", "to_action"], descending=[True, True, False, False])
    )


def policy_diff(old: Policy, new: Policy, input_dir: Path, as_of: datetime, partitions: int = 1,
                examples: int = 5) -> pl.DataFrame:
    """`summarise` over a portfolio directory, partition by partition."""
    parts = [action_pairs(read_partition(input_dir, lo, hi), as_of, old, new)
             for lo, hi in partition_bounds(input_dir, partitions)]
    pairs = pl.concat(parts) if parts else pl.DataFrame(
        schema={"loan_id": pl.String, "from_action": pl.String, "to_action": pl.String})
    return summarise(pairs, examples)
