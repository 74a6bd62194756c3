"""The visit part of a strategy (standard.visit.yaml): scope, checklist, scheduling numbers and the pack rule
behind each step and gate code. Validated on load; an unknown key or rule id is an error, not a default."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from duecare.kit.errors import PolicyError
from duecare.policy.loader import Pack, Strategy, all_packs, load_strategy

PACKS = ("cn", "us", "uk")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AskItem(_Strict):
    field: str
    en: str
    zh: str


class NeverItem(_Strict):
    id: str
    en: str
    zh: str


class VisitScope(_Strict):
    ask: list[AskItem]
    never: list[NeverItem]


class Scheduling(_Strict):
    window_minutes: int
    service_minutes: int
    travel_speed_kmh: float
    horizon_days: int
    max_visits_per_pair_day: int


class Recording(_Strict):
    required: dict[str, bool]
    rule: dict[str, str]


class VisitPolicyFile(_Strict):
    strategy: str
    version: str
    scheduling: Scheduling
    recording: Recording
    visit_scope: VisitScope
    step_rules: dict[str, dict[str, str]]
    gate_rules: dict[str, dict[str, list[str]]]


class RuleRef(_Strict):
    """A rule named with its source: what an auditor needs to check a step."""

    rule: str
    source: str
    confidence: str
    lender_choice: bool


class VisitPolicy:
    """The loaded visit policy together with the strategy and packs its rule ids refer to."""

    def __init__(self, data: VisitPolicyFile, strategy: Strategy, packs: dict[str, Pack], digest: str) -> None:
        self.data = data
        self.strategy = strategy
        self.packs = packs
        self.digest = digest

    @property
    def version(self) -> str:
        return f"{self.data.strategy}.visit-{self.data.version}+{self.digest[:12]}"

    @property
    def scope_fields(self) -> tuple[str, ...]:
        return tuple(item.field for item in self.data.visit_scope.ask)

    def rule_ref(self, pack: str, rule_id: str) -> RuleRef:
        if rule_id == self.strategy.visit_window.rule:
            return RuleRef(rule=rule_id, source=self.strategy.visit_window.source, confidence="lender",
                           lender_choice=True)
        own = self.strategy.own_rule(rule_id)
        if own is not None:  # the lender's own rule, named by the strategy (never law)
            return RuleRef(rule=rule_id, source=own.source, confidence="lender", lender_choice=True)
        r = self.packs[pack].rule(rule_id)
        return RuleRef(rule=r.id, source=r.source, confidence=r.confidence, lender_choice=r.lender_choice)

    def step_rule(self, step: str, pack: str) -> RuleRef:
        return self.rule_ref(pack, self.data.step_rules[step][pack])

    def gate_rules(self, code: str, pack: str) -> list[RuleRef]:
        entry = self.data.gate_rules.get(code, {})
        return [self.rule_ref(pack, r) for r in entry.get(pack, entry.get("all", []))]

    def recording_required(self, pack: str) -> RuleRef | None:
        if not self.data.recording.required.get(pack, False):
            return None
        return self.rule_ref(pack, self.data.recording.rule[pack])

    def checklist(self, language: str) -> dict[str, Any]:
        """What the agents ask and what they must never do, in the borrower's or agent's language."""
        lang = "zh" if language.startswith("zh") else "en"
        return {
            "scope_version": self.version,
            "ask": [{"field": a.field, "text": getattr(a, lang)} for a in self.data.visit_scope.ask],
            "never": [{"id": n.id, "text": getattr(n, lang)} for n in self.data.visit_scope.never],
        }


def _check_refs(policy: VisitPolicy, where: str) -> None:
    for step, per_pack in policy.data.step_rules.items():
        for pack in PACKS:
            if pack not in per_pack:
                raise PolicyError(f"step_rules.{step}: no rule for pack {pack}", place=where)
            try:
                policy.step_rule(step, pack)
            except KeyError:
                raise PolicyError(f"step_rules.{step}.{pack}: unknown rule {per_pack[pack]!r}", place=where) from None
    for code in policy.data.gate_rules:
        for pack in PACKS:
            try:
                policy.gate_rules(code, pack)
            except KeyError as exc:
                raise PolicyError(f"gate_rules.{code}.{pack}: unknown rule {exc}", place=where) from None
    codes = set(policy.strategy.gate_codes())
    missing = codes - set(policy.data.gate_rules)
    if missing:
        raise PolicyError(f"gate_rules: no rule for gate codes {sorted(missing)}", place=where)


@cache
def load_visit_policy(strategy: str = "standard") -> VisitPolicy:
    """The visit policy of a strategy, validated against its pack rules and the strategy's gate codes."""
    res = resources.files("duecare.visits") / f"{strategy}.visit.yaml"
    where = f"visits/{strategy}.visit.yaml"
    try:
        text = res.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError("visit policy file not found", place=where) from None
    try:
        data = VisitPolicyFile.model_validate(yaml.safe_load(text))
    except (yaml.YAMLError, ValidationError) as exc:
        raise PolicyError(f"invalid visit policy: {exc}", place=where) from None
    strat = load_strategy(data.strategy)
    policy = VisitPolicy(data, strat, all_packs(), hashlib.sha256(text.encode()).hexdigest())
    _check_refs(policy, where)
    return policy
