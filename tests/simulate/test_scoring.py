"""The risk model runs inside the simulation: each simulated day is scored as the nightly batch scores it.

The model is trained on the test portfolio's own history with `duecare risk train`'s code (as the demo trains
it) and registered in a temporary registry; the scorer is the batch's (`risk.batch.production_scorer`).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from duecare.ledger.frames import read_portfolio
from duecare.policy.evaluator import Scorer, build_facts
from duecare.risk import registry
from duecare.risk.batch import production_scorer
from duecare.risk.portfolio import MODEL_FEATURES, default_snapshots, training_table
from duecare.risk.training import train
from duecare.simulate.compare import compare
from duecare.simulate.incremental import subset
from duecare.simulate.params import load_params
from duecare.simulate.run import simulate
from duecare.simulate.variants import named
from duecare.simulate.world import Portfolio

PARAMS = load_params()


@pytest.fixture(scope="module")
def models(portfolio_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry holding `early_warning` v1 trained on the portfolio (roll to 30+ DPD within 30 days)."""
    root = tmp_path_factory.mktemp("models")
    frames = read_portfolio(portfolio_dir)
    table = training_table(frames, default_snapshots(frames), "roll_30dpd_30d")
    train(table, "roll_30dpd_30d", list(MODEL_FEATURES), kind="scorecard", name="early_warning", root=root)
    return root


@pytest.fixture(scope="module")
def scorer(models: Path) -> Scorer:
    found = production_scorer(models)
    assert found is not None
    return found


@pytest.fixture(scope="module")
def eager_scorer(models: Path, portfolio: Portfolio, tmp_path_factory: pytest.TempPathFactory) -> Scorer:
    """The same fitted model registered with a lender's lower cut-off for `high` (a third of the current accounts
    due within the pre-due window score above it), so the pre-due line has accounts to act on."""
    model = registry.load("early_warning", root=models)
    root = tmp_path_factory.mktemp("models-eager")
    probe: list[float] = []

    def collect(t: int, frames: dict[str, pl.DataFrame], as_of: datetime, mask: np.ndarray,
                facts: pl.DataFrame) -> None:
        current = facts.filter((pl.col("dpd") == 0) & pl.col("days_to_next_due").is_between(1, 3))
        probe.extend(current["risk_score"].to_list())

    simulate(portfolio, named("standard"), PARAMS, 5, seed=1, observe=collect, scorer=production_scorer(models))
    cut = float(np.quantile(probe, 2 / 3))
    registry.save(model.scorer, "early_warning", {**model.metadata, "cutoffs": {"medium": cut / 2, "high": cut}},
                  root)
    found = production_scorer(root)
    assert found is not None and getattr(found, "model_id", "") == "early_warning@1"
    return found


def test_scored_facts_equal_the_batch_with_its_scorer_day_after_day(portfolio: Portfolio, scorer: Scorer) -> None:
    variant = named("standard")
    checked: list[int] = []
    bands: set[str] = set()

    def check(t: int, frames: dict[str, pl.DataFrame], as_of: datetime, mask: np.ndarray,
              facts: pl.DataFrame) -> None:
        if t % 4:
            return
        ids = frames["borrowers"].filter(pl.Series(mask)).select("borrower_id")
        # the batch over the whole portfolio, restricted to the loans decided today: the scores of the day's
        # borrowers do not depend on the other borrowers' frames
        full = build_facts(frames, as_of, variant.policy, scorer).join(facts.select("loan_id"), on="loan_id",
                                                                       how="semi")
        assert facts.columns == full.columns
        assert {"risk_score", "risk_band", "reason_codes", "risk_model"} <= set(facts.columns)
        assert_frame_equal(facts.sort("loan_id"), full.sort("loan_id"))
        assert_frame_equal(facts.sort("loan_id"),
                           build_facts(subset(frames, ids), as_of, variant.policy, scorer).sort("loan_id"))
        assert facts["risk_score"].null_count() == 0
        bands.update(facts["risk_band"].to_list())
        checked.append(t)

    simulate(portfolio, variant, PARAMS, 21, seed=3, observe=check, scorer=scorer)
    assert checked == list(range(0, 21, 4))
    assert {"low", "high"} <= bands  # the model separates the accounts it scores


def test_without_a_scorer_no_account_has_a_model_band(portfolio: Portfolio) -> None:
    seen: set[str | None] = set()

    def check(t: int, frames: dict[str, pl.DataFrame], as_of: datetime, mask: np.ndarray,
              facts: pl.DataFrame) -> None:
        assert "risk_score" not in facts.columns
        seen.update(facts["risk_band"].to_list())

    simulate(portfolio, named("standard"), PARAMS, 3, seed=1, observe=check)
    assert seen == {None}  # the generator gives no band, so the pre-due line cannot fire unscored


def test_early_help_for_flagged_accounts_fires_in_simulation(portfolio: Portfolio, eager_scorer: Scorer) -> None:
    """The pre-due reminder (S09: current, risk band high, next due in 1-3 days) reaches accounts the model
    flags; each is an SMS the unscored run does not send, and it is sent before anything is overdue."""
    days, seeds = 20, [1, 2]
    scored = compare(portfolio, [named("standard")], PARAMS, days, seeds, scorer=eager_scorer)
    plain = compare(portfolio, [named("standard")], PARAMS, days, seeds)
    for with_model, without in zip(scored.runs["standard"], plain.runs["standard"], strict=True):
        assert without.metrics["pre_due_reminders"] == 0
        assert with_model.metrics["pre_due_reminders"] > 0
        assert with_model.metrics["sms"] > without.metrics["sms"]
        assert with_model.metrics["visits_reachable_or_vulnerable"] == 0


def test_a_pre_due_reminder_raises_the_chance_the_next_installment_is_paid_on_time(
        portfolio: Portfolio, eager_scorer: Scorer) -> None:
    """The same seed (the same chances) with the reminder's effect off and strong: fewer borrowers fall into
    arrears when the reminder helps them pay on time."""
    no_effect = PARAMS.scaled(["pre_due_reminder_on_time_p"], 0.0)
    strong = PARAMS.scaled(["pre_due_reminder_on_time_p"], 3.0)
    base = simulate(portfolio, named("standard"), no_effect, 30, seed=4, scorer=eager_scorer)
    helped = simulate(portfolio, named("standard"), strong, 30, seed=4, scorer=eager_scorer)
    assert helped.metrics["pre_due_reminders"] > 0
    assert helped.metrics["borrowers_in_arrears"] < base.metrics["borrowers_in_arrears"]
    # the arrears-prevented metrics: with no effect the reminder keeps nothing from falling overdue; with a strong
    # one it does, less money falls overdue, fewer current borrowers enter arrears, fewer arrears-days
    assert base.metrics["prevented_overdue"] == 0 and base.metrics["paid_at_due_after_reminder"] > 0
    assert 0 < helped.metrics["prevented_overdue"] <= helped.metrics["paid_at_due_after_reminder"]
    assert helped.metrics["fell_overdue"] < base.metrics["fell_overdue"]
    assert helped.metrics["entered_arrears"] < base.metrics["entered_arrears"]
    assert helped.metrics["arrears_days"] < base.metrics["arrears_days"]
    for run in (base, helped):
        assert 0 < run.metrics["entered_arrears"] <= run.metrics["borrowers_in_arrears"]
        assert run.metrics["arrears_days"] == run.daily["in_arrears"].sum()


def test_a_longer_rescoring_interval_keeps_each_loans_last_scores_in_between(portfolio: Portfolio,
                                                                             scorer: Scorer) -> None:
    """`rescore_days`: 1 scores the day's loans every day (as the batch); 7 keeps a loan's scores for 7 days
    unless it went from current to arrears or back (a cured loan is not called high risk on an arrears score)."""
    def scores_by_day(rescore_days: float) -> pl.DataFrame:
        rows: list[pl.DataFrame] = []

        def keep(t: int, frames: dict[str, pl.DataFrame], as_of: datetime, mask: np.ndarray,
                 facts: pl.DataFrame) -> None:
            rows.append(facts.select("loan_id", "risk_score", current=pl.col("dpd") == 0, day=pl.lit(t)))

        params = PARAMS.scaled(["rescore_days"], rescore_days)
        simulate(portfolio, named("standard"), params, 10, seed=5, observe=keep, scorer=scorer)
        return pl.concat(rows)

    daily, weekly = scores_by_day(1), scores_by_day(7)
    week = weekly.filter(pl.col("day") < 7).group_by("loan_id").agg(
        scores=pl.col("risk_score").n_unique(), states=pl.col("current").n_unique())
    # days 0-6 of the weekly run: a loan that stayed current (or stayed in arrears) keeps its first score ...
    assert week.filter(pl.col("states") == 1)["scores"].max() == 1
    # ... one that cured or fell into arrears was scored again
    moved = week.filter(pl.col("states") > 1)
    assert moved.height > 0 and moved["scores"].min() > 1
    changed = daily.filter(pl.col("day") < 7).group_by("loan_id").agg(pl.col("risk_score").n_unique())
    assert changed["risk_score"].max() > 1  # scored daily, scores move with the loans' days past due
    # a loan's first score is the same either way (day 0 scores every loan on the same frames)
    firsts = [d.sort("day").unique(subset="loan_id", keep="first").select("loan_id", "risk_score")
              for d in (daily, weekly)]
    assert_frame_equal(firsts[0].sort("loan_id"), firsts[1].sort("loan_id"))
