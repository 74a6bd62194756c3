"""`duecare optimise`: search a strategy's lender-choice parameters for net recovery under caps (Optuna TPE).

Only the lender's own choices move: ladder thresholds and timings, the first channel of early arrears, visit
thresholds (only stricter than today) and the champion/challenger split. Gate conditions, ladder conditions and
pack rules are never touched (`check_lender_choice_only` verifies it on every candidate). Candidates are scored on
training seeds; the best feasible one that still passes the strategy's example cases is scored against the current
strategy on held-out seeds it never saw.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import yaml

from duecare.kit.errors import UserError
from duecare.policy.evaluator import Policy, Scorer
from duecare.policy.loader import Strategy, all_packs, strategy_from_definition
from duecare.simulate.compare import Comparison, compare
from duecare.simulate.params import Params
from duecare.simulate.run import Runner, Variant
from duecare.simulate.world import Portfolio

EARLY_REASON = "early_arrears_reminder"
CAPPED = ("visits", "complaints", "contacts_per_borrower")


@dataclass(frozen=True)
class Space:
    """The search space, derived from the current strategy (visit thresholds may only become stricter)."""

    base: Strategy

    def suggest(self, trial: Any) -> dict[str, Any]:
        p = self.base.params.as_dict()
        sms = trial.suggest_int("sms_max_dpd", 1, 7)
        return {
            "sms_max_dpd": sms,
            "call_max_dpd": trial.suggest_int("call_max_dpd", max(sms + 1, 14), 59),
            "visit_min_dpd": trial.suggest_int("visit_min_dpd", int(p["visit_min_dpd"]), int(p["visit_min_dpd"]) + 60),
            "visit_min_overdue_amount": trial.suggest_int("visit_min_overdue_amount", int(p["visit_min_overdue_amount"]),
                                                          int(p["visit_min_overdue_amount"]) * 4, step=100),
            "consent_response_days": trial.suggest_int("consent_response_days", 7, 21),
            "early_channel": trial.suggest_categorical("early_channel", ["sms_reminder", "email_notice"]),
            "challenger_share": trial.suggest_categorical("challenger_share", [0.0, 0.1, 0.2]),
        }

    def current(self) -> dict[str, Any]:
        p = self.base.params.as_dict()
        early = next((x.action for x in self.base.ladder if x.reason == EARLY_REASON), "sms_reminder")
        return {"sms_max_dpd": int(p["sms_max_dpd"]), "call_max_dpd": int(p["call_max_dpd"]),
                "visit_min_dpd": int(p["visit_min_dpd"]), "visit_min_overdue_amount": int(p["visit_min_overdue_amount"]),
                "consent_response_days": int(p["consent_response_days"]), "early_channel": early,
                "challenger_share": self.base.challenger_share}


def apply(base: Strategy, choice: dict[str, Any], name: str | None = None) -> Strategy:
    """The strategy with the chosen lender-choice values; everything else is the base's."""
    raw = base.definition()
    for key in ("sms_max_dpd", "call_max_dpd", "visit_min_dpd", "visit_min_overdue_amount", "consent_response_days"):
        raw["params"][key] = choice[key]
    for line in raw["ladder"]:
        if line["reason"] == EARLY_REASON:
            line["action"] = choice["early_channel"]
    share = float(choice["challenger_share"])
    variants = raw.setdefault("variants", {})
    variants["champion"] = {**variants.get("champion", {}), "share": round(1.0 - share, 4)}
    variants["challenger"] = {**variants.get("challenger", {"params": {}}), "share": share}
    strategy = strategy_from_definition(raw, place=base.strategy)
    check_lender_choice_only(base, strategy)
    return strategy_from_definition({**raw, "strategy": name or base.strategy}, place=name or base.strategy)


def check_lender_choice_only(base: Strategy, new: Strategy) -> None:
    """The gate, the ladder's conditions and order, reachability, the visit window and the strategy's own rules
    are the base's; only parameters, the early-arrears channel and the split may differ."""
    for key in ("visit_gate", "reachability", "visit_window", "rules"):
        if base.definition().get(key) != new.definition().get(key):  # the file's content, not its line numbers
            raise AssertionError(f"optimiser changed {key}: only lender-choice parameters may move")
    old_lines = [(x.id, x.when) for x in base.ladder]
    if old_lines != [(x.id, x.when) for x in new.ladder]:
        raise AssertionError("optimiser changed a ladder condition")
    changed = [x.id for x, y in zip(base.ladder, new.ladder, strict=True)
               if x.action != y.action and x.reason != EARLY_REASON]
    if changed:
        raise AssertionError(f"optimiser changed actions of {changed}")


@dataclass
class Outcome:
    best: dict[str, Any]
    strategy: Strategy
    trials: list[dict[str, Any]]
    caps: dict[str, float]
    held_out: Comparison
    examples_failed: list[str]
    rejected_for_examples: int


def _mean_metrics(runner: Runner, variant: Variant, params: Params, seeds: list[int]) -> dict[str, float]:
    runs = runner.run([(variant, params, s) for s in seeds])
    return {k: float(np.nanmean([r.metrics[k] for r in runs])) for k in runs[0].metrics}


def optimise(portfolio: Portfolio, base: Strategy, params: Params, *, budget: int, days: int, train: list[int],
             held_out: list[int], caps: dict[str, float | None], examples: Callable[[Strategy], list[str]],
             progress: Callable[[int, float], None] | None = None, candidates: int = 5,
             scorer: Scorer | None = None) -> Outcome:
    try:
        import optuna
    except ImportError:
        raise UserError("optuna is not installed: pip install 'duecare[sim]'", place="duecare optimise") from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    packs = all_packs()
    space = Space(base)
    with Runner(portfolio, days, scorer=scorer) as runner:
        return _search(runner, optuna, space, packs, base, params, budget=budget, days=days, train=train,
                       held_out=held_out, caps=caps, examples=examples, progress=progress, candidates=candidates)


def _search(runner: Runner, optuna: Any, space: Space, packs: Any, base: Strategy, params: Params, *, budget: int,
            days: int, train: list[int], held_out: list[int], caps: dict[str, float | None],
            examples: Callable[[Strategy], list[str]], progress: Callable[[int, float], None] | None,
            candidates: int) -> Outcome:
    portfolio = runner.portfolio
    current = _mean_metrics(runner, Variant(base.strategy, Policy(packs, base)), params, train)
    limits = {k: current[k] if (cap := caps.get(k)) is None else float(cap) for k in CAPPED}

    def objective(trial: Any) -> float:
        choice = space.suggest(trial)
        strategy = apply(base, choice)
        m = _mean_metrics(runner, Variant(f"trial-{trial.number}", Policy(packs, strategy)), params, train)
        trial.set_user_attr("metrics", m)
        trial.set_user_attr("constraints", [m[k] - limits[k] for k in CAPPED])
        if modern:
            for k in CAPPED:
                trial.set_constraint(k, m[k] - limits[k])
        if progress:
            progress(trial.number, m["net_recovery"])
        return m["net_recovery"]

    modern = hasattr(optuna.trial.Trial, "set_constraint")  # optuna 5; 4.x takes a constraints function
    sampler = optuna.samplers.TPESampler(seed=0) if modern else optuna.samplers.TPESampler(
        seed=0, constraints_func=lambda t: t.user_attrs["constraints"])
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.enqueue_trial(space.current())
    study.optimize(objective, n_trials=budget)
    done = [t for t in study.trials if t.value is not None]
    feasible = sorted((t for t in done if all(c <= 0 for c in t.user_attrs["constraints"])),
                      key=lambda t: -float(t.value or 0))
    chosen, failed, rejected, found = space.current(), [], 0, False
    for t in feasible[:candidates]:
        choice = {**space.current(), **t.params}
        failed = examples(apply(base, choice))
        if not failed:
            chosen, found = choice, True
            break
        rejected += 1
    name = f"{base.strategy}-optimised" if not base.strategy.endswith("-optimised") else base.strategy
    best = apply(base, chosen, name=name)
    held = compare(portfolio, [Variant(base.strategy, Policy(packs, base), label="current"),
                               Variant(name, Policy(packs, best), label="optimised")], params, days, held_out,
                   runner=runner)
    trials = [{"number": t.number, "value": t.value, "params": t.params, "metrics": t.user_attrs["metrics"],
               "feasible": all(c <= 0 for c in t.user_attrs["constraints"])} for t in done]
    return Outcome(best=chosen, strategy=best, trials=trials, caps=limits, held_out=held,
                   examples_failed=[] if found else failed, rejected_for_examples=rejected)


def strategy_yaml(strategy: Strategy) -> str:
    return str(yaml.safe_dump(strategy.definition(), allow_unicode=True, sort_keys=False, width=120))


def diff_text(old: Strategy, new: Strategy) -> str:
    return "".join(difflib.unified_diff(strategy_yaml(old).splitlines(keepends=True),
                                        strategy_yaml(new).splitlines(keepends=True),
                                        fromfile=f"{old.strategy} v{old.version}", tofile=f"{new.strategy} v{new.version}"))
