"""The worked case files of examples/cases (issue 13, the visit gate) give their decisions through
`duecare decide --case`, the same code path as the API and the batch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from duecare.cli import app
from duecare.policy.examples import check

CASES = Path(__file__).resolve().parents[2] / "examples" / "cases"
NAMES = sorted(p.name.removesuffix(".expected.json") for p in CASES.glob("*.expected.json"))


def test_there_is_a_case_file_for_every_decision_bullet_of_the_issue():
    assert len(NAMES) >= 19


@pytest.mark.parametrize("name", NAMES)
def test_decide_case_gives_the_expected_decision(name):
    result = CliRunner().invoke(app, ["decide", "--case", str(CASES / f"{name}.json")])
    assert result.exit_code == 0, result.output
    decisions = {d["loan_id"]: d for d in map(json.loads, result.stdout.splitlines())}
    want = json.loads((CASES / f"{name}.expected.json").read_text(encoding="utf-8"))
    got = decisions[want["loan_id"]]
    assert check(got, want) == []
    assert got["action"] != "visit_schedule" or got["visit_gate"]["eligible"]
    for entry in got["blocked_by"] + got["unmet_rules"]:
        assert entry["source"], f"rule {entry['rule']} has no source"
