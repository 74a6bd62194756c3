"""Plan rules PL01–PL05 as data: thresholds, texts, ids and sources in YAML, with worked examples."""

from __future__ import annotations

from importlib import resources

import pytest
from typer.testing import CliRunner

from duecare.kit.errors import PolicyError
from duecare.policy.cli import policy_app
from duecare.policy.plans import RULE_IDS, parse_plan_rules, plan_coverage, plan_rules, run_plan_examples

TEXT = (resources.files("duecare.policy") / "plan_rules.yaml").read_text(encoding="utf-8")


def test_every_plan_example_passes_and_every_rule_fires_in_one_and_is_silent_in_another() -> None:
    results = run_plan_examples()
    assert len(results) >= 9
    assert [r.name for r in results if not r.ok] == []
    for rule, (firing, silent) in plan_coverage(results).items():
        assert firing and silent, rule


def test_the_rules_carry_their_texts_and_sources() -> None:
    rules = plan_rules()
    assert set(rules.descriptions) == set(RULE_IDS) == set(rules.sources)
    assert all(d["en"] and d["zh"] for d in rules.descriptions.values())
    assert all("CONC 7.3.4R" in s for s in rules.sources.values())
    assert (rules.min_instalment_minor, rules.max_term_months, rules.first_within_days) == (10_000, 12, 30)


def test_a_threshold_is_read_from_the_data() -> None:
    lower = parse_plan_rules(TEXT.replace("params: {min_instalment: 100}", "params: {min_instalment: 40}"))
    assert lower.min_instalment_minor == 4_000
    by_name = {r.name: r for r in run_plan_examples(lower)}
    assert not by_name["instalment_below_minimum"].ok  # 50 is enough now: PL01 no longer fires
    assert by_name["within_every_rule"].ok


def test_a_missing_threshold_or_rule_is_a_policy_error() -> None:
    with pytest.raises(PolicyError, match="PL02_max_term: params.max_term_months is required"):
        parse_plan_rules(TEXT.replace("params: {max_term_months: 12}", "params: {}"))
    with pytest.raises(PolicyError, match=r"rules\.3\.id: Input should be .PL01_min_instalment."):
        parse_plan_rules(TEXT.replace("- id: PL04_covers_overdue", "- id: PL09_covers_overdue"))


def test_a_failing_plan_example_is_reported_by_policy_test(monkeypatch: pytest.MonkeyPatch) -> None:
    import duecare.policy.examples as examples
    import duecare.policy.plans as plans

    monkeypatch.setattr(examples, "run_examples", lambda policy: [])  # only the plan part here
    broken = parse_plan_rules(TEXT.replace("expect: {outcome: accepted,", "expect: {outcome: referred,"))
    monkeypatch.setattr(plans, "plan_rules", lambda: broken)
    result = CliRunner().invoke(policy_app, ["test"])
    assert result.exit_code == 1
    assert '{"example": "plan:within_every_rule", "ok": false' in result.stdout


def test_policy_test_runs_the_plan_examples() -> None:
    result = CliRunner().invoke(policy_app, ["test"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if '"plan:' in line]
    assert len(lines) == len(run_plan_examples()) and all('"ok": true' in line for line in lines)
