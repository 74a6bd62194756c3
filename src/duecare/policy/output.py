"""Decision rows: typed (`Decision`, for one case), as the JSON contract of DESIGN.md (CLI, API) and as Parquet
columns (batch)."""

from __future__ import annotations

from typing import Any

import polars as pl
from pydantic import BaseModel, ConfigDict

from duecare.features.contacts import FEATURE_NAMES
from duecare.kit.localtime import iso_local
from duecare.kit.money import json_number
from duecare.policy.evaluator import Policy, rule_ids, rule_sources
from duecare.policy.model import Action, RuleRefs

# Actions that stop contact: their blocked_by also names the rules behind each stop reason.
STOPPING = ("hold", "specialist_review")

EXTRA_FEATURES = ("risk_score", "risk_band", "reason_codes")


def with_local_strings(decisions: pl.DataFrame) -> pl.DataFrame:
    """not_before as ISO 8601 in the borrower's zone, with its offset."""
    zones = sorted(z for z in decisions["timezone"].unique().to_list() if z is not None)
    return decisions.with_columns(not_before_local=iso_local(pl.col("not_before"), pl.col("timezone"), zones))


def feature_dict(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in FEATURE_NAMES:
        if name == "overdue_amount":
            out[name] = json_number(int(row["overdue_minor"]))
        else:
            out[name] = row.get(name)
    for name in EXTRA_FEATURES:
        if name in row and row[name] is not None:
            out[name] = row[name]
    return out


def _refs(rules: list[str], sources: dict[str, str]) -> list[RuleRef]:
    return [RuleRef(rule=r, source=sources.get(r, "")) for r in dict.fromkeys(rules)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RuleRef(_Frozen):
    rule: str
    source: str


class ReasonRule(_Frozen):
    """A rule behind one reason of the decision."""

    reason: str
    rule: str
    source: str


class UnmetRule(_Frozen):
    """A rule behind one unmet code of the visit gate."""

    code: str
    rule: str
    source: str


class GateState(_Frozen):
    eligible: bool
    unmet: list[str]


class PolicyRef(_Frozen):
    pack: str
    strategy: str
    version: str


class Decision(_Frozen):
    """One loan's decision: the typed form of DESIGN.md's decision contract, for single-case consumers (the visit
    gate, explanations, the API). The batch keeps the Polars table; `as_json()` is the contract's JSON."""

    loan_id: str
    action: Action
    channel: str
    not_before: str  # ISO 8601 in the borrower's zone, with its offset
    reasons: list[str]
    blocked_by: list[RuleRef]
    visit_gate: GateState
    reason_rules: list[ReasonRule]
    unmet_rules: list[UnmetRule]
    visit_holds: list[str]
    features: dict[str, Any]
    policy: PolicyRef
    variant: str
    ladder_line: str | None

    @property
    def unmet(self) -> list[str]:
        return self.visit_gate.unmet

    @property
    def deciding_reason(self) -> str | None:
        return self.reasons[0] if self.reasons else None

    def as_json(self) -> dict[str, Any]:
        return self.model_dump()


def decision_rows(decisions: pl.DataFrame, policy: Policy) -> list[Decision]:
    """One typed decision per loan of the decision table.

    `blocked_by` names the guardrails that moved not_before and, for a hold or a specialist review, the rules
    behind each stop reason; `unmet_rules` names the rules (with sources) behind each unmet gate code and
    `reason_rules` the rules (with sources) behind each reason, whatever the action, and
    `visit_holds` the borrower-level holds that close the gate, whichever loan they were recorded on.
    """
    strategy = policy.strategy
    reason_rules: dict[str, RuleRefs] = {}
    for line in strategy.ladder:
        if line.rules is not None:
            reason_rules.setdefault(line.reason, line.rules)
    gate_rules = {line.code: line.rules for line in strategy.visit_gate}
    by_pack = {code: rule_sources(policy, code) for code in policy.packs}
    rows = with_local_strings(decisions).to_dicts()
    out = []
    for row in rows:
        pack = row["pack"]
        sources = by_pack[pack]
        blocked = list(row["blocked_rules"])
        if row["action"] in STOPPING:
            blocked += [r for reason in row["reasons"] for r in rule_ids(reason_rules.get(reason), pack)]
        out.append(Decision(
            loan_id=row["loan_id"],
            action=row["action"],
            channel=row["channel"],
            not_before=row["not_before_local"],
            reasons=row["reasons"],
            blocked_by=_refs(blocked, sources),
            visit_gate=GateState(eligible=row["visit_eligible"], unmet=row["visit_unmet"]),
            reason_rules=[ReasonRule(reason=reason, rule=ref.rule, source=ref.source) for reason in row["reasons"]
                          for ref in _refs(rule_ids(reason_rules.get(reason), pack), sources)],
            unmet_rules=[UnmetRule(code=code, rule=ref.rule, source=ref.source) for code in row["visit_unmet"]
                         for ref in _refs(rule_ids(gate_rules.get(code), pack), sources)],
            visit_holds=list(row.get("visit_holds") or []),
            features=feature_dict(row),
            policy=PolicyRef(pack=pack, strategy=strategy.strategy, version=row["policy_version"]),
            variant=row["variant"],
            ladder_line=row["ladder_line"],
        ))
    return out


def decision_json(decisions: pl.DataFrame, policy: Policy) -> list[dict[str, Any]]:
    """One JSON object per loan, in the order of DESIGN.md's decision contract (see `Decision`)."""
    return [d.as_json() for d in decision_rows(decisions, policy)]
