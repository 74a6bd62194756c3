"""`duecare risk` end to end on real data: train, evaluate, score, monitor; bad input exits 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl

from duecare.risk.datasets import Dataset


def _duecare(*args: str, env_dir: Path) -> subprocess.CompletedProcess[str]:
    import os

    env = os.environ | {"DUECARE_RISK_DATA": str(env_dir)}
    return subprocess.run([sys.executable, "-m", "duecare.cli", *args], capture_output=True, text=True, env=env,
                          check=False, timeout=300)


def test_train_evaluate_score_and_monitor_a_german_credit_scorecard(tmp_path: Path, risk_data_dir: Path,
                                                                    german: Dataset) -> None:
    reg = str(tmp_path / "models")
    trained = _duecare("risk", "train", "--name", "gc", "--dataset", "germancredit", "--registry", reg,
                       env_dir=risk_data_dir)
    assert trained.returncode == 0, trained.stderr
    meta = json.loads(trained.stdout)
    assert {e["column"] for e in meta["excluded_protected"]} == {"personal_status_and_sex", "age_in_years",
                                                                   "foreign_worker"}
    assert meta["metrics"]["test"]["auc"] > 0.7 and len(meta["training_data_sha256"]) == 64

    evaluated = json.loads(_duecare("risk", "evaluate", "--name", "gc", "--dataset", "germancredit",
                                    "--registry", reg, env_dir=risk_data_dir).stdout)
    assert len(evaluated["calibration"]) == 10

    features = tmp_path / "features.parquet"
    german.frame.write_parquet(features)
    out = tmp_path / "scored.parquet"
    scored = _duecare("risk", "score", "--name", "gc", "--registry", reg, "--input", str(features),
                      "--out", str(out), env_dir=risk_data_dir)
    assert json.loads(scored.stdout)["rows"] == 1000
    assert {"risk_score", "risk_band", "reason_codes", "reasons_zh"} <= set(pl.read_parquet(out).columns)

    monitored = json.loads(_duecare("risk", "monitor", "--name", "gc", "--registry", reg, "--reference",
                                    str(features), "--current", str(out), env_dir=risk_data_dir).stdout)
    assert monitored["score"]["status"] == "stable"


def test_unknown_model_is_a_user_error_with_exit_code_2(tmp_path: Path, risk_data_dir: Path) -> None:
    result = _duecare("risk", "evaluate", "--name", "nope", "--dataset", "germancredit",
                      "--registry", str(tmp_path), env_dir=risk_data_dir)
    assert result.returncode == 2
    assert "duecare risk train" in result.stderr
