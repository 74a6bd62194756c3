"""The nightly run on the Polars engine: stage the input by borrower hash, then decide one partition at a time.

Every partition holds whole borrowers, so the result does not depend on how the run is partitioned. Memory is
bounded by the partition size: the input is split once by a streaming pass (`ledger.partitions.stage`), and each
partition's outputs are written atomically (temporary file, then rename) under `OUT/_parts/`. A run killed at any
point resumes at the partitions not yet written when it is started again with the same input and policy; the
final `features.parquet` and `decisions.parquet` are assembled from the partition files by a streaming copy.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import polars as pl

from duecare.features.contacts import FEATURE_NAMES
from duecare.kit.errors import UserError
from duecare.ledger.frames import SCHEMAS, Frames, empty, merge_store_records, subset
from duecare.ledger.partitions import REJECTS_SCHEMA, input_files, screen_input, screen_staged, stage
from duecare.policy.evaluator import Policy, Scorer, decide, features_and_history, model_lines

DECISION_COLUMNS = (
    "loan_id", "borrower_id", "pack", "action", "channel", "not_before", "reasons", "blocked_rules",
    "visit_eligible", "visit_unmet", "variant", "strategy", "policy_version", "ladder_line",
)
OUTPUTS = ("rejected", "features", "decisions")  # per partition, written in this order; `decisions` last
FORMAT = 1  # bump when the partition files change shape: an older interrupted run is then started afresh

# Peak memory of one partition, measured on generated portfolios with scoring (benchmarks/scale.py): a fixed
# part (the interpreter, Polars, the policy) and a part per borrower; `--memory-limit` divides by the latter.
BASE_BYTES = 450 * 2**20
BYTES_PER_BORROWER = 9_000


def partitions_for(borrowers: int, memory_limit: int | None, default_size: int = 200_000) -> int:
    """How many borrower partitions keep one partition's peak under `memory_limit` bytes (None: one per
    `default_size` borrowers)."""
    if memory_limit is None:
        return max(1, -(-borrowers // default_size))
    room = max(memory_limit - BASE_BYTES, 8 * 2**20)
    return max(1, -(-(borrowers * BYTES_PER_BORROWER) // room))


@dataclass
class RunResult:
    loans: int = 0
    seconds: float = 0.0
    partitions: int = 0
    resumed: int = 0  # partitions found written by an interrupted run and not recomputed
    per_bucket: pl.DataFrame = field(default_factory=pl.DataFrame)
    per_action: pl.DataFrame = field(default_factory=pl.DataFrame)
    rejected: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=REJECTS_SCHEMA))


def partition_outputs(frames: dict[str, pl.DataFrame], as_of: datetime, policy: Policy,
                      scorer: Scorer | None = None, store: Frames | None = None
                      ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One borrower-complete partition → (features table, decisions table): the node both engines run. `store`:
    the operational store's own records (`ledger.repository.store_records`), merged into the partition's files
    first (`ledger.frames.merge_store_records`), so the night decides on what the store's pages decide on."""
    if store is not None:
        frames = merge_store_records(frames, store)
    decisions = decide(frames, as_of, policy, scorer=scorer)
    if getattr(scorer, "reasons", None) == "decided":
        decisions = explain_decided(frames, as_of, policy, scorer, decisions)
    return feature_table(decisions), decisions.select(*DECISION_COLUMNS)


def explain_decided(frames: Frames, as_of: datetime, policy: Policy, scorer: Any,
                    decisions: pl.DataFrame) -> pl.DataFrame:
    """Reason codes for the decisions the risk model made (the deciding line reads its score or band:
    `policy.evaluator.model_lines`), computed for those loans' borrowers alone; every other loan keeps null
    reasons. The same codes a `flagged` scorer gives those loans (tests/batch/test_run.py)."""
    if "risk_score" not in decisions.columns:  # no loan to score (an empty partition): nothing to explain
        return decisions
    lines = model_lines(policy.strategy)
    chosen = decisions.filter(pl.col("ladder_line").is_in(list(lines)) & pl.col("risk_score").is_not_null())
    if chosen.height == 0:
        return decisions
    mine = subset(frames, chosen.select("borrower_id").unique())
    features, _, hist = features_and_history(mine, as_of, policy.strategy)
    codes = scorer.explain(mine, as_of, features, hist).join(chosen.select("loan_id"), on="loan_id", how="semi")
    return decisions.update(codes, on="loan_id", how="left")


def store_digest(store: Frames | None) -> str | None:
    """A digest of the store's records a run merged (a resumed run must have merged the same ones)."""
    if store is None:
        return None
    h = hashlib.sha256()
    for name in sorted(store):
        frame = store[name]
        h.update(f"{name}:{frame.height}:".encode())
        if frame.height:
            h.update(str(frame.hash_rows(seed=20261205).sort().to_list()).encode())
    return h.hexdigest()


def manifest(input_dir: Path, as_of: datetime, policy: Policy, partitions: int, scorer: Scorer | None,
             store: Frames | None = None) -> dict[str, Any]:
    """What a partition file depends on: a rerun resumes only when every entry is unchanged."""
    inputs = {p.name: [p.stat().st_size, p.stat().st_mtime_ns] for p in sorted(input_dir.iterdir())
              if p.suffix in (".parquet", ".csv")}
    strategy = hashlib.sha256(json.dumps(policy.strategy.definition(), sort_keys=True, default=str)
                              .encode()).hexdigest()
    return {"format": FORMAT, "polars": pl.__version__, "input": str(input_dir.resolve()), "files": inputs,
            "as_of": as_of.isoformat(), "partitions": partitions, "strategy": strategy,
            "packs": {code: p.version for code, p in sorted(policy.packs.items())},
            "scorer": getattr(scorer, "model_id", None if scorer is None else "unnamed"),
            "reasons": getattr(scorer, "reasons", None),
            "store": store_digest(store)}


def _atomic_parquet(df: pl.DataFrame, path: Path, compression: Literal["lz4", "zstd"] = "lz4") -> None:
    """A partition's file (read once by `_assemble`, then deleted: lz4, quicker to write than zstd)."""
    tmp = path.with_name(path.name + ".tmp")
    df.write_parquet(tmp, compression=compression)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _part_path(parts: Path, what: str, k: int) -> Path:
    return parts / what / f"part-{k:05d}.parquet"


def run(input_dir: Path, out_dir: Path, as_of: datetime, policy: Policy, partitions: int = 1,
        scorer: Scorer | None = None, progress: Callable[[int, int], None] | None = None,
        staging: Callable[[], None] | None = None, store: Frames | None = None) -> RunResult:
    """Features and decisions for every loan, partition by partition, resuming an interrupted run. `store`: the
    operational store's own records to merge into every partition (see `partition_outputs`)."""
    start = time.perf_counter()
    if not input_dir.is_dir():
        raise UserError("input directory not found (create it with `duecare generate --out DIR`)",
                        place=str(input_dir))
    out_dir.mkdir(parents=True, exist_ok=True)
    parts = out_dir / "_parts"
    wanted = manifest(input_dir, as_of, policy, partitions, scorer, store)
    marker = parts / "manifest.json"
    if not marker.exists() or json.loads(marker.read_text()) != wanted:
        shutil.rmtree(parts, ignore_errors=True)  # another night's partial work: never mixed into this one
        parts.mkdir(parents=True)
        marker.write_text(json.dumps(wanted, indent=1))
    for what in OUTPUTS:
        (parts / what).mkdir(exist_ok=True)
    if staging:
        staging()
    files = stage(input_dir, parts / "input", partitions) if partitions > 1 else input_files(input_dir)
    result = RunResult(partitions=partitions)
    for k in range(partitions):
        if all(_part_path(parts, what, k).exists() for what in OUTPUTS):
            result.resumed += 1
        else:
            frames, refused = screen_staged(input_dir, parts / "input", files, k) if partitions > 1 \
                else screen_input(input_dir, files)
            features, decisions = partition_outputs(frames, as_of, policy, scorer, store)
            _atomic_parquet(refused, _part_path(parts, "rejected", k))
            _atomic_parquet(features, _part_path(parts, "features", k))
            _atomic_parquet(decisions, _part_path(parts, "decisions", k))
        if progress:
            progress(k + 1, partitions)
    _assemble(parts, out_dir, partitions, as_of, policy, result)
    shutil.rmtree(parts)
    result.seconds = time.perf_counter() - start
    return result


def _assemble(parts: Path, out_dir: Path, partitions: int, as_of: datetime, policy: Policy,
              result: RunResult) -> None:
    """The partition files copied, streaming, into one file each; the summaries read from them."""
    for what in ("features", "decisions"):
        scans = [pl.scan_parquet(_part_path(parts, what, k)) for k in range(partitions)]
        if not scans:  # no borrower at all: empty outputs, still written
            empty_decisions = decide({n: empty(n) for n in SCHEMAS}, as_of, policy)
            table = feature_table(empty_decisions) if what == "features" else \
                empty_decisions.select(*DECISION_COLUMNS)
            _atomic_parquet(table, out_dir / f"{what}.parquet", compression="zstd")
            continue
        tmp = out_dir / f"{what}.parquet.tmp"
        pl.concat(scans, how="diagonal_relaxed").sink_parquet(tmp, engine="streaming")
        os.replace(tmp, out_dir / f"{what}.parquet")
    result.rejected = pl.concat([pl.read_parquet(_part_path(parts, "rejected", k)) for k in range(partitions)]) \
        if partitions else result.rejected
    result.rejected.write_parquet(out_dir / "rejected.parquet")
    features = pl.scan_parquet(out_dir / "features.parquet")
    result.loans = int(features.select(pl.len()).collect().item())
    if result.loans:
        result.per_bucket = features.group_by("bucket").agg(loans=pl.len(), overdue_minor=pl.col("overdue_minor")
                                                            .sum()).collect()
        result.per_action = (pl.scan_parquet(out_dir / "decisions.parquet").group_by("action")
                             .agg(loans=pl.len()).sort("loans", "action", descending=[True, False]).collect())


def feature_table(decisions: pl.DataFrame) -> pl.DataFrame:
    """The features.parquet columns: every DESIGN feature plus the risk columns when a model scored them."""
    cols = ["loan_id", "borrower_id", "timezone", "today", "overdue_minor",
            *[c for c in FEATURE_NAMES if c != "overdue_amount"], "overdue_amount"]
    cols += [c for c in ("risk_score", "risk_band", "reason_codes", "risk_model") if c in decisions.columns
             and c not in cols]
    table = decisions.with_columns(overdue_amount=(pl.col("overdue_minor").cast(pl.Decimal(20, 2)) / 100)
                                   .cast(pl.Decimal(18, 2)))
    return table.select([c for c in cols if c in table.columns])


__all__ = ["DECISION_COLUMNS", "RunResult", "feature_table", "partition_outputs", "partitions_for", "run"]
