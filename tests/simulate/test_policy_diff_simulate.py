"""`duecare policy diff --simulate` adds simulated outcomes (paired over seeds) to the action diff."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from duecare import cli
from duecare.policy.loader import load_strategy


def test_policy_diff_simulates_both_strategies_on_the_same_seeds(portfolio_dir: Path, tmp_path: Path) -> None:
    standard = Path(str(load_strategy("standard").path))
    text = standard.read_text(encoding="utf-8").replace("  sms_max_dpd: 3\n", "  sms_max_dpd: 10\n")
    proposed = tmp_path / "longer-sms.yaml"
    proposed.write_text(text.replace("strategy: standard\n", "strategy: longer-sms\n"), encoding="utf-8")
    shutil.copyfile(standard.parent / "standard.examples.yaml", tmp_path / "standard.examples.yaml")
    done = CliRunner().invoke(cli.app, ["policy", "diff", "--old", "standard", "--new", str(proposed), "--input",
                                        str(portfolio_dir), "--as-of", "2026-12-01", "--simulate", "--days", "3",
                                        "--seeds", "2"])
    assert done.exit_code == 0, done.output
    outcome = json.loads(done.stdout.strip().splitlines()[-1])["simulation"]
    assert outcome["seeds"] == [1, 2]
    cell = outcome["metrics"]["net_recovery"]
    assert set(cell) == {"old", "new", "difference"}
    assert abs(cell["new"]["mean"] - cell["old"]["mean"] - cell["difference"]["mean"]) < 1e-6
