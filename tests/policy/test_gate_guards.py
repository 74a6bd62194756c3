"""The gate's own guards: borrower-level holds name themselves, rules carry sources, and no strategy line can
schedule a visit the gate does not allow."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

from duecare.kit.errors import PolicyError
from duecare.ledger.casefile import load_case
from duecare.ledger.frames import case_to_frames
from duecare.policy.evaluator import Policy, decide
from duecare.policy.loader import load_strategy
from duecare.policy.output import decision_json

CASES = Path(__file__).resolve().parents[2] / "examples" / "cases"
POLICY = Policy.default()


def decisions(name: str, policy: Policy = POLICY) -> dict[str, dict]:
    case = load_case(CASES / f"{name}.json")
    return {d["loan_id"]: d for d in decision_json(decide(case_to_frames(case), case.as_of, policy), policy)}


def strategy_with(tmp_path, edit) -> Policy:
    raw = copy.deepcopy(load_strategy("standard").definition())
    raw.pop("examples_file")
    edit(raw)
    path = tmp_path / "edited.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return Policy(packs=POLICY.packs, strategy=load_strategy(str(path)))


def test_a_promise_on_another_loan_is_named_among_the_holds_that_close_the_gate():
    d = decisions("promise-on-other-loan-closes-gate")["L1"]
    assert d["visit_holds"] == ["ptp_pending"]
    rules = {(r["code"], r["rule"]) for r in d["unmet_rules"]}
    assert ("hold_active", "visit_holds_per_borrower") in rules
    assert all(r["source"] for r in d["unmet_rules"])


def test_a_hold_decision_names_its_rule_and_source():
    d = decisions("dispute-holds-every-loan")
    for loan in ("L1", "L2"):
        assert d[loan]["action"] == "hold"
        assert [b["rule"] for b in d[loan]["blocked_by"]] == ["dispute_hold"]
        assert d[loan]["blocked_by"][0]["source"].startswith("duecare standard strategy")


def test_a_us_dispute_hold_names_the_law():
    case = json.loads((CASES / "dispute-holds-every-loan.json").read_text(encoding="utf-8"))
    case["borrower"].update(jurisdiction="us", timezone="America/New_York")
    case["as_of"] = "2026-11-12T10:00:00-05:00"
    from duecare.ledger.casefile import parse_case

    c = parse_case(case)
    d = decision_json(decide(case_to_frames(c), c.as_of, POLICY), POLICY)[0]
    assert [b["rule"] for b in d["blocked_by"]] == ["us_validation"]
    assert "1692g" in d["blocked_by"][0]["source"]


def test_an_unknown_rule_id_is_refused_when_the_policy_is_loaded(tmp_path):
    def edit(raw):
        raw["ladder"][0]["rules"] = {"cn": ["no_such_rule"]}

    with pytest.raises(PolicyError, match="no_such_rule"):
        strategy_with(tmp_path, edit)


def test_no_strategy_line_can_schedule_a_visit_the_gate_does_not_allow(tmp_path):
    def edit(raw):
        raw["ladder"].insert(0, {"id": "BAD", "when": "dpd > 0", "action": "visit_schedule", "reason": "rogue"})

    policy = strategy_with(tmp_path, edit)
    for name in ("consent-tie-grant-first", "withdrawal-names-older-notice", "promise-on-other-loan-closes-gate",
                 "refused-visit-blocks-return", "no-schedule-while-notice-period-runs"):
        for d in decisions(name, policy).values():
            assert d["action"] != "visit_schedule", name


def test_policy_show_lists_the_lenders_own_rules_with_their_sources():
    from typer.testing import CliRunner

    from duecare.cli import app

    result = CliRunner().invoke(app, ["policy", "show", "standard"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "visit_refused_recently" in result.output and "visit_do_not_return" in result.output
    assert "lender choice" in result.output
