"""The optimiser moves only lender-choice parameters and writes a strategy `duecare policy test` accepts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from duecare import cli
from duecare.policy.loader import load_strategy
from duecare.simulate.optimise import Space, apply, check_lender_choice_only


def test_a_candidate_changes_parameters_and_the_early_channel_but_no_gate_or_condition() -> None:
    base = load_strategy("standard")
    choice = {**Space(base).current(), "call_max_dpd": 20, "visit_min_dpd": 75, "early_channel": "email_notice",
              "challenger_share": 0.1}
    new = apply(base, choice)
    assert new.params.as_dict()["call_max_dpd"] == 20 and new.challenger_share == 0.1
    assert new.definition()["visit_gate"] == base.definition()["visit_gate"]
    assert [x.when for x in new.ladder] == [x.when for x in base.ladder]
    assert next(x for x in new.ladder if x.reason == "early_arrears_reminder").action == "email_notice"


def test_a_changed_gate_condition_is_refused() -> None:
    base = load_strategy("standard")
    changed = base.model_copy(update={"visit_gate": base.visit_gate[1:]})
    with pytest.raises(AssertionError, match="visit_gate"):
        check_lender_choice_only(base, changed)


def test_a_tiny_optimisation_writes_a_strategy_that_policy_test_accepts(portfolio_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(cli.app, ["optimise", "--input", str(portfolio_dir), "--budget", "2", "--days", "4",
                                   "--train-seeds", "1", "--test-seeds", "2", "--accounts", "200",
                                   "--out", str(tmp_path)])
    assert done.exit_code == 0, done.output
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    written = Path(summary["strategy"])
    raw = yaml.safe_load(written.read_text(encoding="utf-8"))
    assert raw["strategy"] == "standard-optimised" and raw["visit_gate"] == load_strategy("standard").definition()["visit_gate"]
    assert {r["strategy"] for r in summary["held_out"]} == {"standard", "standard-optimised"}
    report = json.loads(Path(next(tmp_path.glob("opt-*.json"))).read_text(encoding="utf-8"))
    assert report["held_out_seeds"] == [1001, 1002] and report["train_seeds"] == [1]
    assert len(report["trials"]) == 2
    tested = runner.invoke(cli.app, ["policy", "test", "--strategy", str(written)])
    assert tested.exit_code == 0, tested.output
