"""`duecare run` and `duecare policy diff` on a generated portfolio: files, summary, partition independence."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "duecare.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=600, check=False)


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("portfolio")
    proc = cli("generate", "--accounts", "600", "--seed", "5", "--out", str(out), "--as-of", "2026-11-20",
               "--jurisdiction", "mixed")
    assert proc.returncode == 0, proc.stderr
    return out


def test_run_writes_features_and_decisions_for_every_loan(portfolio, tmp_path):
    proc = cli("run", "--as-of", "2026-11-20T02:00:00+00:00", "--input", str(portfolio), "--out", str(tmp_path),
               "--no-score")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    loans = pl.read_parquet(portfolio / "loans.parquet").height
    features = pl.read_parquet(tmp_path / "features.parquet")
    decisions = pl.read_parquet(tmp_path / "decisions.parquet")
    assert summary["loans"] == loans == features.height == decisions.height
    assert set(features["loan_id"]) == set(decisions["loan_id"])
    assert {"dpd", "overdue_amount", "bucket", "episodes_12m", "unreachable", "last_rpc_at"} <= set(features.columns)
    assert decisions["action"].is_in(["none", "sms_reminder", "email_notice", "call", "visit_notice",
                                      "visit_approval", "visit_schedule", "legal_review", "specialist_review",
                                      "hold", "validation_notice"]).all()
    assert "loans" in proc.stderr and "bucket" in proc.stderr


def test_partitioning_does_not_change_the_result(portfolio, tmp_path):
    one, four = tmp_path / "one", tmp_path / "four"
    for out, parts in ((one, "1"), (four, "4")):
        proc = cli("run", "--as-of", "2026-11-20", "--input", str(portfolio), "--out", str(out),
                   "--partitions", parts, "--no-score")
        assert proc.returncode == 0, proc.stderr
    a = pl.read_parquet(one / "decisions.parquet").sort("loan_id")
    b = pl.read_parquet(four / "decisions.parquet").sort("loan_id")
    assert a.equals(b)


def test_policy_diff_counts_changed_actions(portfolio, tmp_path):
    raw = yaml.safe_load((ROOT / "src/duecare/policy/strategies/standard.yaml").read_text())
    raw["strategy"] = "cautious"
    raw["params"]["call_max_dpd"] = 9  # calls start later: dpd 10–29 move from call to serious-arrears call
    raw["params"]["sms_max_dpd"] = 9
    raw.pop("examples_file")
    new = tmp_path / "cautious.yaml"
    new.write_text(yaml.safe_dump(raw, allow_unicode=True))
    proc = cli("policy", "diff", "--old", "standard", "--new", str(new), "--input", str(portfolio),
               "--as-of", "2026-11-20")
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(x) for x in proc.stdout.splitlines()]
    moved = {(r["from_action"], r["to_action"]): r["loans"] for r in rows if r["changed"]}
    assert set(moved) <= {("call", "sms_reminder")}
    assert sum(r["loans"] for r in rows) == pl.read_parquet(portfolio / "loans.parquet").height


def test_missing_input_is_exit_2(tmp_path):
    proc = cli("run", "--as-of", "2026-11-20", "--input", str(tmp_path / "nope"), "--out", str(tmp_path))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_run_scores_with_the_registered_model_and_the_strategy_reads_its_band(portfolio, tmp_path):
    import os

    env = {**os.environ, "DUECARE_DATA_DIR": str(tmp_path / "data")}

    def cli_env(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "duecare.cli", *args], capture_output=True, text=True,
                              cwd=ROOT, timeout=600, check=False, env=env)

    unscored = cli_env("run", "--as-of", "2026-11-20", "--input", str(portfolio), "--out", str(tmp_path / "a"))
    assert unscored.returncode == 0 and json.loads(unscored.stdout)["scored"] is False
    trained = cli_env("risk", "train", "--name", "early_warning", "--portfolio", str(portfolio))
    assert trained.returncode == 0, trained.stderr
    scored = cli_env("run", "--as-of", "2026-11-20", "--input", str(portfolio), "--out", str(tmp_path / "b"))
    assert scored.returncode == 0, scored.stderr
    assert json.loads(scored.stdout)["scored"] is True
    features = pl.read_parquet(tmp_path / "b" / "features.parquet")
    assert features["risk_score"].is_between(0, 1).all()
    assert set(features["risk_band"].unique()) <= {"low", "medium", "high"}
    assert (features["reason_codes"].list.len() <= 3).all()
    assert features["risk_model"].unique().to_list() == ["early_warning@1"]
    # the pre-due reminder goes only to high-band current loans due within 1–3 days
    decisions = pl.read_parquet(tmp_path / "b" / "decisions.parquet").join(features, on="loan_id")
    pre_due = decisions.filter(pl.col("reasons").list.first() == "pre_due_high_risk")
    assert (pre_due["risk_band"] == "high").all() and pre_due["days_to_next_due"].is_between(1, 3).all()

    # Reason codes for the decisions the model made (`--reasons decided`, the default) against every flagged loan
    # (`--reasons flagged`), with a strategy whose model line decides many loans: arrears up to the call stage in a flagged band.
    raw = yaml.safe_load((ROOT / "src/duecare/policy/strategies/standard.yaml").read_text())
    raw.pop("examples_file")
    s09 = next(line for line in raw["ladder"] if line["id"] == "S09")
    s09["when"] = "risk_band <> 'low' AND dpd > 0 AND dpd <= {call_max_dpd}"
    wide = tmp_path / "wide.yaml"
    wide.write_text(yaml.safe_dump(raw, allow_unicode=True))
    outs = {}
    for reasons in ("decided", "flagged"):
        proc = cli_env("run", "--as-of", "2026-11-20", "--input", str(portfolio), "--out", str(tmp_path / reasons),
                       "--strategy", str(wide), "--reasons", reasons, "--partitions", "2")
        assert proc.returncode == 0, proc.stderr
        outs[reasons] = (pl.read_parquet(tmp_path / reasons / "features.parquet").sort("loan_id"),
                         pl.read_parquet(tmp_path / reasons / "decisions.parquet").sort("loan_id"))
    (f_dec, d_dec), (f_flag, d_flag) = outs["decided"], outs["flagged"]
    assert d_dec.equals(d_flag)  # the reasons never change a decision
    assert f_dec.drop("reason_codes").equals(f_flag.drop("reason_codes"))
    by_model = d_dec["ladder_line"] == "S09"
    assert int(by_model.sum()) > 0 and int((~by_model & (f_flag["risk_band"] != "low")).sum()) > 0
    assert f_dec.filter(by_model)["reason_codes"].to_list() == f_flag.filter(by_model)["reason_codes"].to_list()
    assert (f_dec.filter(by_model)["reason_codes"].list.len() > 0).all()
    assert f_dec.filter(~by_model)["reason_codes"].null_count() == int((~by_model).sum())
    flagged = f_flag["risk_band"] != "low"
    assert (f_flag.filter(flagged)["reason_codes"].list.len() > 0).all()
    assert (f_flag.filter(~flagged)["reason_codes"].list.len() == 0).all()
    bad = cli_env("run", "--as-of", "2026-11-20", "--input", str(portfolio), "--out", str(tmp_path / "x"),
                  "--reasons", "some")
    assert bad.returncode == 2 and "--reasons" in bad.stderr and "Traceback" not in bad.stderr
