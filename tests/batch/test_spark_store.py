"""Both engines merge the store's own records into every partition the same way (`engine.partition_outputs`):
a promise made here holds its loan on Spark `local[2]` exactly as on the Polars engine, every decision row equal."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

pytest.importorskip("pyspark")
if shutil.which("java") is None:
    pytest.skip("the spark engine needs a Java runtime (openjdk-17-jre-headless; scripts/system-deps.sh)",
                allow_module_level=True)

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
AS_OF = datetime.fromisoformat("2026-11-20T03:00:00+00:00")


def test_a_store_promise_holds_its_loan_on_spark_as_on_polars(tmp_path: Path) -> None:
    from duecare.batch.engine import run
    from duecare.batch.spark import run_spark
    from duecare.ledger.frames import HOLDS_SCHEMA, SCHEMAS, conform, empty
    from duecare.policy.evaluator import Policy

    portfolio = tmp_path / "portfolio"
    done = subprocess.run([sys.executable, "-m", "duecare.cli", "generate", "--accounts", "300", "--seed", "5",
                           "--out", str(portfolio), "--as-of", "2026-11-20"], capture_output=True, text=True,
                          cwd=ROOT, timeout=600, check=False, env={"PYTHONPATH": str(ROOT / "src"),
                                                                   "PATH": "/usr/bin:/bin",
                                                                   "DUECARE_DATA_DIR": str(tmp_path / "data")})
    assert done.returncode == 0, done.stderr[-2000:]
    policy = Policy.default()
    plain = run(portfolio, tmp_path / "plain", AS_OF, policy, 2)
    decisions = pl.read_parquet(tmp_path / "plain" / "decisions.parquet")
    target = decisions.filter(pl.col("action").is_in(["call", "sms_reminder", "email_notice"])).sort("loan_id")
    assert target.height and plain.loans == decisions.height
    borrower, loan = target.item(0, "borrower_id"), target.item(0, "loan_id")
    store = {name: empty(name) for name in SCHEMAS}
    store["holds"] = pl.DataFrame(schema=HOLDS_SCHEMA)
    store["promises"] = conform("promises", pl.DataFrame([{
        "borrower_id": borrower, "loan_id": loan, "promised_date": date(2026, 11, 25), "amount_minor": 10_000,
        "status": "open", "made_at": AS_OF}], schema_overrides={"promised_date": pl.Date()}))
    run(portfolio, tmp_path / "polars", AS_OF, policy, 2, store=store)
    run_spark(portfolio, tmp_path / "spark", AS_OF, policy, 2, master="local[2]", store=store)
    on_polars = pl.read_parquet(tmp_path / "polars" / "decisions.parquet").sort("loan_id")
    on_spark = pl.read_parquet(tmp_path / "spark" / "decisions.parquet" / "*.parquet").sort("loan_id")
    held = on_polars.filter(pl.col("loan_id") == loan).row(0, named=True)
    assert (held["action"], held["reasons"]) == ("hold", ["ptp_pending"])
    assert on_spark.select(on_polars.columns).equals(on_polars)
    others = pl.col("borrower_id") != borrower
    assert on_polars.filter(others).equals(decisions.sort("loan_id").filter(others))
