"""Run a strategy's embedded example cases (case file → expected decision) through the one evaluator."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from duecare.ledger.casefile import parse_case
from duecare.ledger.frames import case_to_frames
from duecare.policy.evaluator import Policy, decide
from duecare.policy.loader import strategy_examples
from duecare.policy.output import decision_json


@dataclass
class ExampleResult:
    name: str
    note: str
    failures: list[str]
    pack: str = ""
    named: tuple[str, ...] = ()   # every rule the decision names (blocked_by, unmet_rules)
    silent: tuple[str, ...] = ()  # rules the example shows silent (declared, and checked not named)

    @property
    def ok(self) -> bool:
        return not self.failures


def check(decision: dict[str, Any], expect: dict[str, Any]) -> list[str]:
    """Every difference between a decision and what the example expects, in words."""
    failures: list[str] = []

    def differ(what: str, got: Any, want: Any) -> None:
        failures.append(f"{what}: got {got!r}, expected {want!r}")

    for key in ("action", "channel", "not_before"):
        if key in expect and decision[key] != expect[key]:
            differ(key, decision[key], expect[key])
    if "reason" in expect and (not decision["reasons"] or decision["reasons"][0] != expect["reason"]):
        differ("deciding reason", decision["reasons"][:1], expect["reason"])
    for code in expect.get("reasons_include", []):
        if code not in decision["reasons"]:
            failures.append(f"reasons: {code!r} missing from {decision['reasons']}")
    for code in expect.get("reasons_exclude", []):
        if code in decision["reasons"]:
            failures.append(f"reasons: {code!r} should not be there")
    gate = decision["visit_gate"]
    if "unmet" in expect and sorted(gate["unmet"]) != sorted(expect["unmet"]):
        differ("visit_gate.unmet", gate["unmet"], expect["unmet"])
    for code in expect.get("unmet_includes", []):
        if code not in gate["unmet"]:
            failures.append(f"visit_gate.unmet: {code!r} missing from {gate['unmet']}")
    if "eligible" in expect and gate["eligible"] != expect["eligible"]:
        differ("visit_gate.eligible", gate["eligible"], expect["eligible"])
    if "blocked_by" in expect:
        got = sorted(b["rule"] for b in decision["blocked_by"])
        if got != sorted(expect["blocked_by"]):
            differ("blocked_by", got, sorted(expect["blocked_by"]))
    named = named_rules(decision)
    for rule in expect.get("silent", []):
        if rule in named:
            failures.append(f"rule {rule!r} should be silent but the decision names it")
    blocks = {b["rule"] for b in decision["blocked_by"]}
    for rule in expect.get("silent_blocks", []):
        if rule in blocks:
            failures.append(f"rule {rule!r} should not block (move or stop) the decision, but it does")
    for rule in expect.get("fires", []):
        if rule not in named:
            failures.append(f"rule {rule!r} should fire but the decision does not name it")
    for name, want in expect.get("features", {}).items():
        if decision["features"].get(name) != want:
            differ(f"features.{name}", decision["features"].get(name), want)
    return failures


def named_rules(decision: dict[str, Any]) -> set[str]:
    """The rules a decision names: those that moved or stopped it, those behind its reasons and behind each unmet
    gate code."""
    return ({b["rule"] for b in decision["blocked_by"]} | {u["rule"] for u in decision.get("unmet_rules", [])}
            | {r["rule"] for r in decision.get("reason_rules", [])})


def run_examples(policy: Policy) -> list[ExampleResult]:
    results = []
    for ex in strategy_examples(policy.strategy):
        case = parse_case(ex["case"], source=f"example {ex['name']}")
        decisions = decision_json(decide(case_to_frames(case), case.as_of, policy), policy)
        loan_id = ex.get("loan_id", case.loans[0].id)
        decision = next(d for d in decisions if d["loan_id"] == loan_id)
        results.append(ExampleResult(ex["name"], ex.get("note", ""), check(decision, ex["expect"]),
                                     pack=case.borrower.jurisdiction, named=tuple(sorted(named_rules(decision))),
                                     silent=tuple(ex["expect"].get("silent", []))
                                     + tuple(ex["expect"].get("silent_blocks", []))))
    return results
