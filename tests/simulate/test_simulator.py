"""The simulator runs the real decision engine day by day; its figures are reproducible per seed."""

from __future__ import annotations

import math
from dataclasses import replace

import polars as pl
import pytest

from duecare.simulate.compare import compare, sensitivity
from duecare.simulate.params import load_params
from duecare.simulate.run import simulate
from duecare.simulate.stats import interval, t_quantile
from duecare.simulate.variants import named
from duecare.simulate.world import Portfolio

PARAMS = load_params()


def test_the_same_seed_gives_the_same_figures_and_another_seed_other_ones(portfolio: Portfolio) -> None:
    a = simulate(portfolio, named("standard"), PARAMS, 8, seed=3)
    b = simulate(portfolio, named("standard"), PARAMS, 8, seed=3)
    c = simulate(portfolio, named("standard"), PARAMS, 8, seed=4)
    assert a.metrics == b.metrics
    assert a.daily.equals(b.daily)
    assert a.metrics != c.metrics


def test_events_are_appended_in_the_engines_shapes_so_the_next_decision_sees_them(portfolio: Portfolio) -> None:
    result = simulate(portfolio, named("standard"), PARAMS, 6, seed=1)
    assert result.metrics["call_attempts"] > 0 and result.metrics["recovered"] > 0
    # the in-arrears count moves because payments made in the simulation reach the engine's ageing
    assert result.daily["in_arrears"].n_unique() > 1


class TestTheEngineUsedIsTheRealOne:
    def test_standard_visits_only_through_the_whole_gate(self, portfolio: Portfolio) -> None:
        result = simulate(portfolio, named("standard"), PARAMS, 45, seed=2)
        visits = result.visits
        assert visits.height > 0  # seed 2 on this portfolio reaches three visits: the check is not vacuous
        assert (visits["gate_unmet"] == 0).all()
        assert not (visits["reachable"] | visits["vulnerable"]).any()
        assert visits.filter(pl.col("consent_state") != "granted").height == 0
        assert result.metrics["visits_reachable_or_vulnerable"] == 0

    def test_the_counterfactual_visits_reachable_and_vulnerable_borrowers(self, portfolio: Portfolio) -> None:
        result = simulate(portfolio, named("visit-all-60"), PARAMS, 5, seed=2)
        assert result.metrics["visits"] > 0
        assert result.metrics["visits_reachable_or_vulnerable"] > 0

    def test_a_lawful_strategy_that_visits_a_reachable_borrower_stops_the_run(self, portfolio: Portfolio) -> None:
        mislabelled = replace(named("visit-all-60"), lawful=True)
        with pytest.raises(AssertionError, match="reachable or vulnerable"):
            simulate(portfolio, mislabelled, PARAMS, 5, seed=2)

    def test_remote_only_never_visits(self, portfolio: Portfolio) -> None:
        result = simulate(portfolio, named("remote-only"), PARAMS, 20, seed=2)
        assert result.metrics["visits"] == 0 and result.metrics["visit_notices"] == 0


def test_a_comparison_has_a_mean_and_interval_per_metric_and_strategy(portfolio: Portfolio) -> None:
    comparison = compare(portfolio, [named("standard"), named("remote-only")], PARAMS, 4, [1, 2, 3])
    assert [r["strategy"] for r in comparison.rows] == ["standard", "remote-only"]
    for row in comparison.rows:
        for cell in row["metrics"].values():
            assert set(cell) == {"mean", "half_width", "low", "high", "n"}
            if cell["n"]:
                assert cell["low"] <= cell["mean"] <= cell["high"]
    assert comparison.rows[1]["difference_to"] == "standard"
    assert comparison.rows[1]["difference"]["recovered"]["n"] == 3


def test_the_interval_is_the_student_t_interval() -> None:
    cell = interval([1.0, 2.0, 3.0, float("nan")])
    assert cell["n"] == 3 and cell["mean"] == 2.0
    assert math.isclose(cell["half_width"], t_quantile(2) * 1.0 / math.sqrt(3))
    assert interval([5.0])["half_width"] == 0.0


def test_every_parameter_is_documented_and_scaling_keeps_probabilities_valid() -> None:
    for name, entry in PARAMS.documented.items():
        assert entry["rationale"], name
        assert entry.get("source") or entry.get("assumption") is True, name
    doubled = PARAMS.scaled(["promise_keep_p"], 2.0)
    assert max(doubled.seg("promise_keep_p")) == 1.0
    assert doubled["cost_visit"] == PARAMS["cost_visit"]


def test_sensitivity_moves_each_group_both_ways_and_pairs_the_shift_over_seeds(portfolio: Portfolio) -> None:
    one_group = replace(PARAMS, sensitivity={"promise_keeping": ["promise_keep_p"]})
    rows = sensitivity(portfolio, named("standard"), one_group, 6, [1, 2])
    assert [r["group"] for r in rows] == ["base", "promise_keeping"]
    moved = rows[1]
    for side in ("low", "high"):
        shift = moved[f"{side}_shift"]["net_recovery"]
        assert shift["n"] == 2
        assert math.isclose(shift["mean"], moved[side]["net_recovery"]["mean"] - rows[0]["low"]["net_recovery"]["mean"],
                            rel_tol=1e-9, abs_tol=1e-6)
