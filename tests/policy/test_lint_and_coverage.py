"""Issue 15 items 1 and 7: every P/Q/S rule of the regulations is in its pack with its source and wording, every
cited rule exists, and every rule that decides something has a firing and a silent example."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from duecare.cli import app
from duecare.policy.coverage import coverage, examples_per_pack
from duecare.policy.evaluator import Policy
from duecare.policy.examples import run_examples
from duecare.policy.lint import lint, parse_regulations, regulations_text

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def results():  # type: ignore[no-untyped-def]
    return run_examples(Policy.default())


def test_the_product_carries_its_own_copy_of_the_regulations() -> None:
    assert (ROOT / "docs" / "regulations.md").read_text(encoding="utf-8") == regulations_text()
    rules = parse_regulations(regulations_text())
    assert {r.pack for r in rules} == {"cn", "us", "uk"} and len(rules) >= 39


def test_packs_strategy_and_regulations_agree() -> None:
    assert lint() == []


def test_every_binding_rule_is_in_its_pack_with_its_source() -> None:
    policy = Policy.default()
    for reg in parse_regulations(regulations_text()):
        if reg.binding:
            rule = policy.packs[reg.pack].rule(reg.id)
            assert rule.source and rule.confidence == reg.confidence, reg.id


class TestLintFindsProblems:
    def test_a_rule_missing_from_its_pack(self) -> None:
        text = regulations_text().replace("| uk_misrep |", "| uk_misrep |").replace(
            "## EU", "| uk_new_rule | Something new | CONC 9.9R | all | P |\n\n## EU")
        assert any("uk_new_rule" in p and "missing" in p for p in lint(regulations=text))

    def test_wording_confidence_and_scope_that_differ(self) -> None:
        text = (regulations_text()
                .replace("No unreasonable times;", "No unreasonable times at all;")
                .replace("| 1006.26(b) | all | Q |", "| 1006.26(b) | all | P |")
                .replace("| PIPL 57 | D | P |", "| PIPL 57 | D,V | P |"))
        problems = lint(regulations=text)
        assert any("uk_contact_times text differs" in p for p in problems)
        assert any("us_time_barred confidence" in p for p in problems)
        assert any("pipl_breach scope" in p for p in problems)

    def test_a_cited_rule_that_does_not_exist(self) -> None:
        from duecare.policy.loader import load_strategy
        from duecare.policy.model import RuleRefs

        strategy = load_strategy()
        first = strategy.ladder[0].model_copy(update={"rules": RuleRefs(cn=["cn_no_such_rule"])})
        bad = strategy.model_copy(update={"ladder": [first, *strategy.ladder[1:]]})
        policy = object.__new__(Policy)
        object.__setattr__(policy, "packs", Policy.default().packs)
        object.__setattr__(policy, "strategy", bad)
        assert any("cn_no_such_rule" in p for p in lint(policy))


class TestCitations:
    def test_thresholds_and_approval_cite_the_lenders_rules_not_the_visit_window(self, results) -> None:  # type: ignore[no-untyped-def]
        from duecare.ledger.casefile import parse_case
        from duecare.ledger.frames import case_to_frames
        from duecare.policy.evaluator import decide
        from duecare.policy.loader import strategy_examples
        from duecare.policy.output import decision_json

        policy = Policy.default()
        examples = {e["name"]: e for e in strategy_examples(policy.strategy)}
        for name in ("dpd_33_call", "one_episode", "amount_below_minimum", "visit_notice"):
            case = parse_case(examples[name]["case"])
            got = decision_json(decide(case_to_frames(case), case.as_of, policy), policy)[0]
            for entry in got["unmet_rules"]:
                if entry["code"] in ("dpd_below_threshold", "too_few_episodes", "amount_below_minimum"):
                    assert entry["rule"] == "visit_thresholds", entry
                if entry["code"] == "approval_missing":
                    assert entry["rule"] != "visit_two_agents", entry
                assert entry["source"], entry

    def test_every_unmet_code_hold_and_block_names_a_rule_with_its_source(self, results) -> None:  # type: ignore[no-untyped-def]
        from duecare.ledger.casefile import parse_case
        from duecare.ledger.frames import case_to_frames
        from duecare.policy.evaluator import decide
        from duecare.policy.loader import strategy_examples
        from duecare.policy.output import decision_json

        policy = Policy.default()
        for ex in strategy_examples(policy.strategy):
            case = parse_case(ex["case"])
            for got in decision_json(decide(case_to_frames(case), case.as_of, policy), policy):
                cited = {u["code"] for u in got["unmet_rules"]}
                assert set(got["visit_gate"]["unmet"]) <= cited, (ex["name"], got["visit_gate"]["unmet"])
                if got["action"] in ("hold", "specialist_review"):
                    assert got["blocked_by"], ex["name"]
                for entry in got["blocked_by"] + got["unmet_rules"] + got["reason_rules"]:
                    assert entry["source"], (ex["name"], entry)

    def test_the_visit_workflow_cites_the_same_rules_as_the_strategy(self) -> None:
        from duecare.visits.scope import load_visit_policy

        visit = load_visit_policy()
        policy = Policy.default()
        for line in policy.strategy.visit_gate:
            for pack in ("cn", "us", "uk"):
                assert [r.rule for r in visit.gate_rules(line.code, pack)] == line.rule_ids(pack), (line.code, pack)


def test_every_deciding_rule_has_a_firing_and_a_silent_example(results) -> None:  # type: ignore[no-untyped-def]
    rows = coverage(Policy.default(), results)
    gaps = [(r.pack, r.rule) for r in rows if not r.complete]
    assert gaps == []
    assert sum(r.decides for r in rows) >= 50
    counts = examples_per_pack(results)
    assert min(counts[p] for p in ("cn", "us", "uk")) >= 20, counts


def test_policy_lint_and_coverage_commands() -> None:
    lint_run = CliRunner().invoke(app, ["policy", "lint"])
    assert lint_run.exit_code == 0, lint_run.output
    cov = CliRunner().invoke(app, ["policy", "coverage", "--pack", "us"])
    assert cov.exit_code == 0, cov.output
    rows = [json.loads(line) for line in cov.stdout.splitlines() if line.startswith("{")]
    validation = next(r for r in rows if r["rule"] == "us_validation")
    assert validation["firing"] and validation["silent"] and validation["source"].startswith("15 USC 1692g(a)")


def test_rules_applied_outside_the_engine_say_where_and_the_claim_holds(results) -> None:  # type: ignore[no-untyped-def]
    """A rule that decides no collection action is listed with where the product applies it, and each such
    claim is checked against the code that applies it: the letter cap each pack's letters read, the retention
    schedule each pack's retention run reads, the rule the data-rights requests are audited under."""
    import yaml

    from duecare.contacts.letters import cap_of
    from duecare.privacy import rights

    rows = {(r.pack, r.rule): r for r in coverage(Policy.default(), results)}
    schedules = yaml.safe_load((ROOT / "src/duecare/privacy/retention.yaml").read_text(encoding="utf-8"))["schedules"]
    for pack in ("cn", "us", "uk"):
        assert rows[(pack, cap_of(pack).rule)].elsewhere[0].startswith("letters:")
        assert rows[(pack, schedules[pack]["rule_id"])].elsewhere[0].startswith("retention:")
    assert rows[("cn", "pipl_rights")].elsewhere[0].startswith("data rights:")
    assert 'rule_id="pipl_rights"' in Path(rights.__file__).read_text(encoding="utf-8")
    for row in rows.values():  # never both: a rule that decides is shown by its examples
        assert not (row.decides and row.elsewhere), row.rule
