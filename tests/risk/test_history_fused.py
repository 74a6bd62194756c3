"""The risk model's history features computed inside the decision features' passes (`features_and_history`, what
the nightly run and every `decide` with the production scorer use) equal `history_features(frames, as_of)` (what
training and `duecare risk score` use), and so do the scores and the decisions made with them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from duecare.batch.engine import partition_outputs
from duecare.ledger.frames import SCHEMAS, empty, read_portfolio, subset
from duecare.ledger.generate import generate
from duecare.policy.evaluator import (
    Policy,
    Scorer,
    build_facts,
    decide,
    features_and_contacts,
    features_and_history,
)
from duecare.risk.batch import RegisteredScorer, production_scorer
from duecare.risk.portfolio import MODEL_FEATURES, default_snapshots, history_features, training_table
from duecare.risk.training import train

Frames = dict[str, pl.DataFrame]
MOMENTS = (datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 11, 20, 15, 30, tzinfo=UTC),
           datetime(2026, 9, 3, 7, 45, tzinfo=UTC))


@pytest.fixture(scope="module")
def frames(tmp_path_factory: pytest.TempPathFactory) -> Frames:
    out = tmp_path_factory.mktemp("portfolio")
    generate(3000, seed=11, out=out, as_of=date(2026, 11, 20))
    return read_portfolio(out)


@pytest.fixture(scope="module")
def scorer(frames: Frames, tmp_path_factory: pytest.TempPathFactory) -> RegisteredScorer:
    """The production scorer with an early-warning LightGBM model trained on the portfolio's own history."""
    root: Path = tmp_path_factory.mktemp("models")
    table = training_table(frames, default_snapshots(frames), "roll_30dpd_30d")
    train(table, "roll_30dpd_30d", list(MODEL_FEATURES), kind="lightgbm", name="early_warning", root=root)
    found = production_scorer(root)
    assert isinstance(found, RegisteredScorer)
    return found


def standalone(scorer: RegisteredScorer) -> Scorer:
    """The scorer as a plain callable: `build_facts` then calls it with the frames, and it recomputes the history
    features from them (`history_features`), the path before the two were fused."""
    def score(frames: Frames, as_of: datetime, features: pl.DataFrame) -> pl.DataFrame:
        return scorer(frames, as_of, features)
    return score


def a_few_borrowers(frames: Frames, n: int = 40) -> Frames:
    """Some borrowers with contacts and payments (a case-sized input: the queries run unoptimised)."""
    ids = frames["contacts"].select("borrower_id").unique().sort("borrower_id").head(n)
    return subset(frames, ids)


@pytest.mark.parametrize("as_of", MOMENTS)
@pytest.mark.parametrize("size", ["portfolio", "case"])
def test_fused_history_features_equal_the_standalone_ones(frames: Frames, as_of: datetime, size: str) -> None:
    frames = frames if size == "portfolio" else a_few_borrowers(frames)
    strategy = Policy.default().strategy
    features, lc, hist = features_and_history(frames, as_of, strategy)
    alone = history_features(frames, as_of)
    assert hist.columns == alone.columns
    assert_frame_equal(hist.sort("loan_id"), alone.sort("loan_id"))
    assert hist.height == frames["loans"].height
    # the history leaves the decision features as they were
    before_features, before_lc = features_and_contacts(frames, as_of, strategy)
    assert_frame_equal(features, before_features)
    assert_frame_equal(lc, before_lc)
    # and the portfolio exercises every aggregate
    if size == "portfolio":
        for column in ("payments_30d", "rpc_30d", "ptp_90d", "installments_due"):
            assert hist[column].sum() > 0, column
        assert hist["recent_outbound"].any() and hist["paid_ratio_90d"].is_not_null().any()


@pytest.mark.parametrize("as_of", MOMENTS[:2])
def test_scores_facts_and_decisions_are_the_same_either_way(frames: Frames, scorer: RegisteredScorer,
                                                            as_of: datetime) -> None:
    policy = Policy.default()
    old: Callable[..., pl.DataFrame] = standalone(scorer)
    fused_facts = build_facts(frames, as_of, policy, scorer)
    old_facts = build_facts(frames, as_of, policy, old)
    assert_frame_equal(fused_facts, old_facts)
    assert fused_facts["risk_score"].is_not_null().all()
    assert fused_facts["risk_band"].n_unique() > 1 and fused_facts["reason_codes"].list.len().max() > 0  # type: ignore[operator]
    assert_frame_equal(decide(frames, as_of, policy, scorer), decide(frames, as_of, policy, old))


def test_explaining_with_the_fused_history_gives_the_same_reasons(frames: Frames, scorer: RegisteredScorer) -> None:
    as_of = MOMENTS[0]
    mine = a_few_borrowers(frames, 200)
    features, _, hist = features_and_history(mine, as_of, Policy.default().strategy)
    assert_frame_equal(scorer.explain(mine, as_of, features, hist), scorer.explain(mine, as_of, features))


def test_the_nightly_node_with_the_production_scorer_decides_as_before(frames: Frames,
                                                                      scorer: RegisteredScorer) -> None:
    """`partition_outputs` (both engines' node) explaining the model's decisions: the same tables whether the
    history comes from the feature passes or from the frames; an empty partition gives empty tables."""
    as_of, policy = MOMENTS[0], Policy.default()
    decided = scorer.explaining("decided")
    fused = partition_outputs(frames, as_of, policy, decided)
    for ours, theirs in zip(fused, partition_outputs(frames, as_of, policy, standalone(decided)), strict=True):
        assert_frame_equal(ours.drop("reason_codes", strict=False), theirs.drop("reason_codes", strict=False))
    assert fused[0]["risk_score"].is_not_null().all()
    nothing = partition_outputs({name: empty(name) for name in SCHEMAS}, as_of, policy, decided)
    assert nothing[0].height == 0 and nothing[1].height == 0
