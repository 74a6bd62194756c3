"""The strategies a comparison runs: `standard`, a remote-only variant of any strategy, the labelled
counterfactual "visit everyone at 60+ DPD" baseline, and any strategy file.

Variants are built in memory from a strategy (never written as a loadable strategy file), so the counterfactual,
which ignores the consent rules, exists only inside the simulation.
"""

from __future__ import annotations

from typing import Any

from duecare.kit.i18n import N_
from duecare.policy.evaluator import Policy
from duecare.policy.loader import Strategy, all_packs, load_strategy, strategy_from_definition
from duecare.simulate.run import Variant

VISIT_ACTIONS = ("visit_notice", "visit_approval", "visit_schedule")
# A message id: the console's simulations page shows it in the reader's language.
COUNTERFACTUAL_LABEL = N_("COUNTERFACTUAL, unlawful: visits every borrower at 60+ DPD without notice, consent or "
                          "approval; exists only inside the simulator as a baseline")
HARD_STOPS = ("deceased", "bankrupt", "dispute_open", "do_not_contact", "represented_by_lawyer")


def _strategy(base: Strategy, name: str, raw: dict[str, Any]) -> Strategy:
    return strategy_from_definition({**raw, "strategy": name}, place=name)


def remote_only(base: Strategy) -> Strategy:
    """The strategy with every line of the visit track removed: deep arrears fall to the remote call line."""
    raw = base.definition()
    raw["ladder"] = [line for line in raw["ladder"] if line["action"] not in VISIT_ACTIONS]
    return _strategy(base, f"{base.strategy}-remote-only", raw)


def visit_everyone(base: Strategy, min_dpd: int = 60) -> Strategy:
    """Counterfactual: after the hard stops (deceased, bankrupt, dispute, do-not-contact, lawyer), every account at
    `min_dpd`+ DPD is visited, at most once per cooldown; no notice, consent, approval or reachability check."""
    raw = base.definition()
    raw["params"] = {**raw["params"], "visit_min_dpd": min_dpd}
    gate = {line["code"]: line for line in raw["visit_gate"]}
    raw["visit_gate"] = [gate["dpd_below_threshold"], gate["visit_limit_reached"]]
    ladder = [line for line in raw["ladder"] if line["action"] not in VISIT_ACTIONS]
    stops = [i for i, line in enumerate(ladder) if line["when"] in HARD_STOPS]
    at = max(stops) + 1 if stops else 0
    ladder.insert(at, {"id": "CF60", "when": "dpd >= {visit_min_dpd} AND visit_gate_open",
                       "action": "visit_schedule", "reason": "counterfactual_visit_everyone"})
    raw["ladder"] = ladder
    raw["variants"] = {"champion": {"share": 1.0}, "challenger": {"share": 0.0}}
    return _strategy(base, f"counterfactual-visit-all-{min_dpd}dpd", raw)


def named(spec: str) -> Variant:
    """`standard`, `remote-only` (of standard), `visit-all-60` (the counterfactual), `STRATEGY:remote-only`,
    or a strategy name or YAML path."""
    packs = all_packs()
    if spec in ("visit-all-60", "visit_all_60"):
        standard = load_strategy("standard")
        return Variant(spec, Policy(packs, visit_everyone(standard)), lawful=False, label=COUNTERFACTUAL_LABEL,
                       reference=Policy(packs, standard))
    if spec in ("remote-only", "remote_only") or spec.endswith(":remote-only"):
        base = load_strategy(spec.removesuffix(":remote-only") if ":" in spec else "standard")
        return Variant(spec, Policy(packs, remote_only(base)), label="no home visits")
    strategy = load_strategy(spec)
    return Variant(spec, Policy(packs, strategy), label=f"{strategy.strategy} v{strategy.version}")


DEFAULT_COMPARISON = ("standard", "remote-only", "visit-all-60")
