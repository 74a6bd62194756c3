"""Comparisons over seeds (mean ± 95% t-interval per metric) and the sensitivity of the headline figures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from duecare.policy.evaluator import Scorer
from duecare.simulate.params import Params
from duecare.simulate.run import Runner, RunResult, Variant, run_many
from duecare.simulate.stats import interval
from duecare.simulate.world import Portfolio

HEADLINE = ("recovered", "cost", "net_recovery", "visits", "visits_reachable_or_vulnerable", "complaints",
            "time_to_cure_days", "cure_rate", "known_without_visit_share", "contacts_per_borrower")
# Arrears prevented (docs/simulate.md, Metrics): `recovered` counts money paid while in arrears, so a strategy that
# keeps borrowers out of arrears recovers less; these say how much arrears there was and how much a pre-due
# reminder kept from falling overdue.
PREVENTION = ("entered_arrears", "arrears_days", "fell_overdue", "paid_at_due_after_reminder", "prevented_overdue")


@dataclass
class Comparison:
    """Per strategy: its label, whether it is lawful, per-metric intervals and the runs behind them."""

    days: int
    seeds: list[int]
    rows: list[dict[str, Any]] = field(default_factory=list)
    runs: dict[str, list[RunResult]] = field(default_factory=dict)

    def metric(self, strategy: str, name: str) -> dict[str, float]:
        row = next(r for r in self.rows if r["strategy"] == strategy)
        out: dict[str, float] = row["metrics"][name]
        return out


def summarise(variant: Variant, runs: list[RunResult]) -> dict[str, Any]:
    names = list(runs[0].metrics)
    return {"strategy": variant.name, "label": variant.label, "lawful": variant.lawful,
            "metrics": {m: interval([r.metrics[m] for r in runs]) for m in names}}


def compare(portfolio: Portfolio, variants: list[Variant], params: Params, days: int, seeds: list[int],
            progress: Callable[[str, int], None] | None = None, runner: Runner | None = None,
            scorer: Scorer | None = None) -> Comparison:
    """Every variant under the same seeds (common random numbers: differences are sharper than each level),
    scored by `scorer` (the batch's risk scorer) each day; in `runner`'s processes when given (its portfolio,
    days and scorer must be these)."""
    result = Comparison(days=days, seeds=list(seeds))
    jobs = [(variant, params, seed) for variant in variants for seed in seeds]
    done = (lambda job, _: progress(job[0].name, job[2])) if progress else None
    runs = runner.run(jobs, done) if runner is not None else run_many(portfolio, jobs, days, done=done, scorer=scorer)
    for i, variant in enumerate(variants):
        result.runs[variant.name] = runs[i * len(seeds):(i + 1) * len(seeds)]
        result.rows.append(summarise(variant, result.runs[variant.name]))
    first = result.runs[variants[0].name]
    for row in result.rows[1:]:
        runs = result.runs[row["strategy"]]
        row["difference_to"] = variants[0].name
        row["difference"] = {m: interval([b.metrics[m] - a.metrics[m] for a, b in zip(first, runs, strict=True)])
                             for m in (*HEADLINE, *PREVENTION)}
    return result


def ratios(comparison: Comparison, strategy: str, baseline: str) -> dict[str, float]:
    """The issue's targets: share of the baseline's recovery kept, and of its visits used (means)."""
    rec = comparison.metric(strategy, "recovered")["mean"] / max(comparison.metric(baseline, "recovered")["mean"], 1e-9)
    vis = comparison.metric(baseline, "visits")["mean"]
    return {"recovery_share": rec,
            "visit_share": comparison.metric(strategy, "visits")["mean"] / vis if vis else float("nan")}


def sensitivity(portfolio: Portfolio, variant: Variant, params: Params, days: int, seeds: list[int],
                factor: float = 0.25, metrics: tuple[str, ...] = ("net_recovery", "visits", "complaints"),
                progress: Callable[[str, int], None] | None = None,
                scorer: Scorer | None = None) -> list[dict[str, Any]]:
    """Headline figures when each sensitivity group of params.yaml moves by -25% and +25% (same seeds)."""
    def cells(runs: list[RunResult]) -> dict[str, dict[str, float]]:
        return {m: interval([r.metrics[m] for r in runs]) for m in metrics}

    def shift(runs: list[RunResult]) -> dict[str, dict[str, float]]:
        """Paired over seeds (common random numbers): the change from the base run, with its interval."""
        return {m: interval([r.metrics[m] - b.metrics[m] for r, b in zip(runs, base, strict=True)]) for m in metrics}

    points = [params] + [params.scaled(names, f) for names in params.sensitivity.values()
                         for f in (1 - factor, 1 + factor)]
    runs = run_many(portfolio, [(variant, p, s) for p in points for s in seeds], days, scorer=scorer)
    per = [runs[i * len(seeds):(i + 1) * len(seeds)] for i in range(len(points))]
    base = per[0]
    rows: list[dict[str, Any]] = [{"group": "base", "params": [], "low": cells(base), "high": cells(base)}]
    for k, (group, names) in enumerate(params.sensitivity.items()):
        low, high = per[1 + 2 * k], per[2 + 2 * k]
        rows.append({"group": group, "params": names, "low": cells(low), "high": cells(high),
                     "low_shift": shift(low), "high_shift": shift(high)})
        if progress:
            progress(group, 0)
    return rows


def simulate_diff(old: str, new: str, input_dir: Path, days: int, seeds: int,
                  scorer: Scorer | None = None) -> dict[str, Any]:
    """`duecare policy diff --simulate`: both strategies simulated on the same seeds (scored by `scorer`, the
    batch's); per headline metric the means and the paired difference (new − old) with its 95% interval."""
    from duecare.simulate.params import load_params
    from duecare.simulate.variants import named
    from duecare.simulate.world import load_portfolio

    comparison = compare(load_portfolio(input_dir), [named(old), named(new)], load_params(), days,
                         list(range(1, seeds + 1)), scorer=scorer)
    a, b = comparison.rows
    return {"old": old, "new": new, "days": days, "seeds": comparison.seeds,
            "metrics": {m: {"old": a["metrics"][m], "new": b["metrics"][m], "difference": b["difference"][m]}
                        for m in HEADLINE}}
