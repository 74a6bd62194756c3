"""`duecare run --engine spark` on Spark `local[2]` decides every loan exactly as the Polars engine does: every
column of every decision row and feature row, and the same refused rows, on a 20k-account mixed portfolio."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

pytest.importorskip("pyspark")
if shutil.which("java") is None:
    pytest.skip("the spark engine needs a Java runtime (openjdk-17-jre-headless; scripts/system-deps.sh)",
                allow_module_level=True)

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
AS_OF = "2026-11-20T03:00:00+00:00"


def cli(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DUECARE_DATA_DIR": str(tmp / "data"), "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "duecare.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=1800, check=False, env=env)


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("portfolio")
    proc = cli(out, "generate", "--accounts", "20000", "--seed", "18", "--out", str(out), "--as-of", "2026-11-20",
               "--jurisdiction", "mixed")
    assert proc.returncode == 0, proc.stderr
    # one refused row: a payment with no amount sets its borrower aside on both engines
    payments = pl.read_parquet(out / "payments.parquet")
    payments.with_columns(amount=pl.when(pl.int_range(pl.len()) == 7).then(None).otherwise(pl.col("amount"))) \
        .write_parquet(out / "payments.parquet")
    return out


def _run(tmp: Path, portfolio: Path, out: Path, *extra: str) -> dict[str, object]:
    proc = cli(tmp, "run", "--as-of", AS_OF, "--input", str(portfolio), "--out", str(out), "--no-recheck-visits",
               *extra)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return dict(json.loads(proc.stdout))


def test_spark_local_decides_every_loan_as_the_polars_engine(portfolio, tmp_path):
    polars_out, spark_out = tmp_path / "polars", tmp_path / "spark"
    by_polars = _run(tmp_path, portfolio, polars_out, "--partitions", "3")
    by_spark = _run(tmp_path, portfolio, spark_out, "--engine", "spark", "--spark-master", "local[2]",
                    "--partitions", "4")
    assert by_spark["engine"] == "spark"
    assert by_spark["loans"] == by_polars["loans"] > 20000
    assert by_spark["actions"] == by_polars["actions"]
    assert by_spark["rejected_rows"] == by_polars["rejected_rows"] == 1
    for name in ("decisions", "features", "rejected"):
        mine = pl.read_parquet(polars_out / f"{name}.parquet")
        theirs = pl.read_parquet(spark_out / f"{name}.parquet" / "*.parquet")  # Spark writes a dataset directory
        key = "loan_id" if name != "rejected" else "row"
        assert theirs.columns == mine.columns, name
        assert theirs.schema == mine.schema, name
        assert theirs.sort(key).equals(mine.sort(key)), name
    decisions = pl.read_parquet(polars_out / "decisions.parquet")
    assert decisions.get_column("action").n_unique() >= 5  # a mixed night, not a trivial one
    assert decisions.get_column("pack").n_unique() == 3


def test_spark_engine_says_it_reads_parquet_when_given_csv(tmp_path):
    csv_dir = tmp_path / "csv"
    csv_dir.mkdir()
    for name in ("borrowers", "loans", "installments", "payments"):
        (csv_dir / f"{name}.csv").write_text("x\n")
    proc = cli(tmp_path, "run", "--as-of", AS_OF, "--input", str(csv_dir), "--out", str(tmp_path / "o"),
               "--engine", "spark", "--partitions", "1", "--no-recheck-visits")
    assert proc.returncode != 0
    assert "the spark engine reads Parquet" in proc.stderr
