"""The nightly run on Apache Spark: the Polars engine's partition node (`engine.partition_outputs`) run inside
Spark tasks, one borrower-complete partition per group.

Spark reads every input Parquet file, keys each row by a hash of its borrower (loan-keyed files through their
loan), and ships the rows to the task that owns the borrower's partition as Arrow IPC blobs (`mapInArrow`); a
`groupBy(part).applyInArrow` task then screens the partition's rows exactly as the Polars engine does
(`ledger.partitions.screen_sources`) and decides it with the same pure functions. Its three outputs (refused rows,
features, decisions) come back as blobs, are kept on disk once, and are written by Spark as Parquet datasets
`OUT/features.parquet/`, `OUT/decisions.parquet/` and `OUT/rejected.parquet/` (directories of part files, which
Polars, Spark and DuckDB read as one table). Nothing here depends on Spark's own partitioning: a partition holds
whole borrowers, so the decisions equal the Polars engine's row for row.

`pyspark` is an optional extra (`pip install duecare[spark]`, Java 17+); see docs/spark.md for a cluster run.
"""

from __future__ import annotations

import io
import os
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from duecare.batch.engine import DECISION_COLUMNS, RunResult, feature_table, partition_outputs
from duecare.kit.errors import UserError
from duecare.kit.settings import get_settings
from duecare.ledger.frames import REQUIRED, SCHEMAS, empty
from duecare.ledger.partitions import BORROWER_KEYED, LOAN_KEYED, REJECTS_SCHEMA, screen_sources
from duecare.ledger.validation import ROW
from duecare.policy.evaluator import Policy, Scorer, decide

BLOB = "part int, name string, payload binary"
OUT_KINDS = ("rejected", "features", "decisions")


def _ipc(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def _unipc(blob: bytes) -> pa.Table:
    return pa.ipc.open_stream(pa.BufferReader(blob)).read_all()


def _encoder(name: str) -> Any:
    """Arrow batches of one input file → one blob per (batch, partition) present in it."""

    def encode(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            if batch.num_rows == 0:
                continue
            frame = pl.from_arrow(batch)
            assert isinstance(frame, pl.DataFrame)
            groups = frame.partition_by("_part", as_dict=True, include_key=False)
            parts = [int(k[0]) for k in groups]
            blobs = [_ipc(g.to_arrow()) for g in groups.values()]
            yield pa.RecordBatch.from_arrays(
                [pa.array(parts, pa.int32()), pa.array([name] * len(parts), pa.string()),
                 pa.array(blobs, pa.binary())], names=["part", "name", "payload"])

    return encode


def _decider(as_of: datetime, policy: Policy, scorer: Scorer | None, files: dict[str, str],
             empties: dict[str, pa.Schema], place: str, store: dict[str, pl.DataFrame] | None = None) -> Any:
    """All blobs of one partition → its refused rows, features and decisions (as blobs)."""

    def decide_partition(rows: pa.Table) -> pa.Table:
        part = int(rows.column("part")[0].as_py())
        chunks: dict[str, list[pa.Table]] = {}
        for name, blob in zip(rows.column("name").to_pylist(), rows.column("payload").to_pylist(), strict=True):
            chunks.setdefault(name, []).append(_unipc(blob))
        sources: dict[str, pl.LazyFrame] = {}
        for name in files:
            tables = chunks.get(name) or [empties[name].empty_table()]
            table = pa.concat_tables(tables, promote_options="permissive")
            frame = pl.from_arrow(table)
            assert isinstance(frame, pl.DataFrame)
            sources[name] = frame.lazy()
        frames, refused = screen_sources(sources, files, place)
        features, decisions = partition_outputs(frames, as_of, policy, scorer, store)
        blobs = [_ipc(t.to_arrow()) for t in (refused, features, decisions)]
        return pa.table({"part": pa.array([part] * 3, pa.int32()), "name": pa.array(list(OUT_KINDS)),
                         "payload": pa.array(blobs, pa.binary())})

    return decide_partition


def _decoder(kind: str, schema: pa.Schema) -> Any:
    def decode(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            for blob in batch.column("payload").to_pylist():
                table = _unipc(blob)
                if table.num_rows:
                    yield from table.select(schema.names).cast(schema).to_batches()

    return decode


# The columns a registered model adds to the features (risk.batch.RegisteredScorer, risk.scoring.score_frame)
RISK_COLUMNS = {"risk_score": pl.Float64(), "risk_band": pl.String(), "reason_codes": pl.List(pl.String()),
                "risk_model": pl.String()}


def output_schemas(as_of: datetime, policy: Policy, scored: bool) -> dict[str, pl.Schema]:
    """The column types of the three outputs, from a run over no rows (the same node as every partition); a
    scored run's features also carry the model's columns (a run over no rows never calls the model)."""
    decisions = decide({n: empty(n) for n in SCHEMAS}, as_of, policy)
    features = dict(feature_table(decisions).schema)
    if scored:  # the model's columns last, in feature_table's order (an unscored run already has risk_band)
        features = {k: v for k, v in features.items() if k not in RISK_COLUMNS} | RISK_COLUMNS
    return {"rejected": pl.Schema(REJECTS_SCHEMA), "features": pl.Schema(features),
            "decisions": decisions.select(*DECISION_COLUMNS).schema}


def session(master: str | None, app_name: str = "duecare run") -> Any:
    """The SparkSession: spark-submit's master when launched by it, else `master` (default local[2])."""
    from pyspark import SparkConf
    from pyspark.sql import SparkSession

    # the workers run this interpreter (duecare and its dependencies) unless the cluster names another
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(app_name)
    if master or not SparkConf().contains("spark.master"):
        builder = builder.master(master or "local[2]")
    conf = {
        "spark.sql.session.timeZone": "UTC",  # timestamps are instants; never shifted to the machine's zone
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        "spark.sql.execution.arrow.maxRecordsPerBatch": "20000",
        "spark.sql.adaptive.enabled": "false",  # one task per borrower partition, as asked
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.memory": get_settings().spark_driver_memory,
    }
    for key, value in conf.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def run_spark(input_dir: Path, out_dir: Path, as_of: datetime, policy: Policy, partitions: int = 1,
              scorer: Scorer | None = None, master: str | None = None, spark: Any = None,
              store: dict[str, pl.DataFrame] | None = None) -> RunResult:
    """Features and decisions for every loan, computed by Spark tasks over borrower-hash partitions. `store`: the
    operational store's own records, merged into every partition as the Polars engine does."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema, to_arrow_schema

    start = time.perf_counter()
    if not input_dir.is_dir():
        raise UserError("input directory not found (create it with `duecare generate --out DIR`)",
                        place=str(input_dir))
    for name in REQUIRED:
        if not (input_dir / f"{name}.parquet").exists():
            hint = " (the spark engine reads Parquet: convert the CSV files, or run --engine polars)" \
                if (input_dir / f"{name}.csv").exists() else ""
            raise UserError(f"missing {name}.parquet{hint}; see docs/data-format.md", place=str(input_dir))
    spark = spark or session(master)
    spark.conf.set("spark.sql.shuffle.partitions", str(max(1, partitions)))
    files: dict[str, str] = {}
    frames: dict[str, Any] = {}
    for name in (*BORROWER_KEYED, *LOAN_KEYED):
        path = input_dir / f"{name}.parquet"
        if not path.exists():
            continue
        files[name] = path.name
        # the input row number (from 1), as the Polars engine numbers rows, for refused-row reports
        frames[name] = spark.read.parquet(str(path)).select(
            "*", (F.col("_metadata.row_index") + 1).cast("int").alias(ROW))
    part = F.pmod(F.xxhash64(F.col("borrower_id").cast("string")), F.lit(max(1, partitions))).cast("int")
    loan_parts = frames["loans"].select(F.col("loan_id").cast("string").alias("loan_id"),
                                        part.alias("_part")).distinct()
    empties: dict[str, pa.Schema] = {}
    blobs = None
    for name, df in frames.items():
        if name in LOAN_KEYED:
            keyed = df.withColumn("loan_id", F.col("loan_id").cast("string")).join(loan_parts, "loan_id", "inner")
        else:
            keyed = df.withColumn("_part", part)
        empties[name] = pl.from_arrow(df.limit(0).toArrow()).to_arrow().schema
        encoded = keyed.mapInArrow(_encoder(name), BLOB)
        blobs = encoded if blobs is None else blobs.unionByName(encoded)
    assert blobs is not None
    decided = (blobs.groupBy("part")
               .applyInArrow(_decider(as_of, policy, scorer, files, empties, str(input_dir), store), BLOB)
               .persist(StorageLevel.DISK_ONLY))
    schemas = output_schemas(as_of, policy, scorer is not None)
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        for kind in OUT_KINDS:
            target = out_dir / f"{kind}.parquet"
            if target.is_file():  # a Polars engine's single file from an earlier run
                target.unlink()
            arrow = pl.DataFrame(schema=schemas[kind]).to_arrow().schema
            spark_schema = from_arrow_schema(arrow, prefer_timestamp_ntz=False)
            wire = to_arrow_schema(spark_schema, timezone="UTC")  # Spark's Arrow types (no large lists)
            (decided.filter(F.col("name") == kind).select("payload")
             .mapInArrow(_decoder(kind, wire), spark_schema)
             .write.mode("overwrite").parquet(str(target)))
    finally:
        decided.unpersist()
    result = RunResult(partitions=partitions)
    features = pl.scan_parquet(out_dir / "features.parquet" / "*.parquet")
    result.loans = int(features.select(pl.len()).collect().item())
    result.rejected = pl.read_parquet(out_dir / "rejected.parquet" / "*.parquet") \
        if any((out_dir / "rejected.parquet").glob("*.parquet")) else result.rejected
    if result.loans:
        result.per_bucket = features.group_by("bucket").agg(loans=pl.len(), overdue_minor=pl.col("overdue_minor")
                                                            .sum()).collect()
        result.per_action = (pl.scan_parquet(out_dir / "decisions.parquet" / "*.parquet").group_by("action")
                             .agg(loans=pl.len()).sort("loans", "action", descending=[True, False]).collect())
    result.seconds = time.perf_counter() - start
    return result


__all__ = ["output_schemas", "run_spark", "session"]
