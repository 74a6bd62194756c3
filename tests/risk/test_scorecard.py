"""The WOE scorecard: monotonic bins, PDO scaling, faithful export, reason codes."""

from __future__ import annotations

import json
import math

import numpy as np
import polars as pl

from duecare.risk import scorecard
from duecare.risk.scorecard import ScorecardSpec


def test_numeric_bins_have_a_monotonic_event_rate(german_card: ScorecardSpec) -> None:
    numeric = [v for v in german_card.variables if v.kind == "numerical" and len(v.event_rate) > 1]
    assert numeric, "the German credit card has numeric characteristics"
    for var in numeric:
        steps = np.diff(var.event_rate)
        assert (steps >= -1e-12).all() or (steps <= 1e-12).all(), (var.name, var.event_rate)


def test_points_rise_with_woe_within_each_characteristic(german_card: ScorecardSpec) -> None:
    for var in german_card.variables:
        order = np.argsort(var.woe)
        assert (np.diff(np.asarray(var.points)[order]) >= -1e-9).all(), var.name


def test_exported_points_equal_optbinning_scores_and_doubling_odds_adds_pdo(
        german_xy: tuple[pl.DataFrame, np.ndarray]) -> None:
    x, y = german_xy
    card = scorecard.fit_optbinning(x, y, pdo=20, base_odds=50, base_points=600)
    spec = scorecard.export(card, scorecard.categorical_columns(x), pdo=20, base_odds=50, base_points=600)
    ours = scorecard.points_matrix(x, spec).sum(axis=1)
    frame = scorecard.to_pandas(x, scorecard.categorical_columns(x))
    assert np.allclose(ours, card.score(frame), atol=1e-6)
    p_bad = card.predict_proba(frame)[:, 1]
    good_odds = (1 - p_bad) / p_bad
    # score = base + PDO * log2(odds / base_odds): doubling the odds adds exactly PDO points
    assert np.allclose(ours, 600 + 20 * np.log2(good_odds / 50), atol=1e-6)
    i, j = int(np.argmax(good_odds)), int(np.argmin(good_odds))
    assert math.isclose(ours[i] - ours[j], 20 * math.log2(good_odds[i] / good_odds[j]), rel_tol=1e-9)


def test_reason_codes_are_the_largest_point_losses(german_card: ScorecardSpec,
                                                   german_xy: tuple[pl.DataFrame, np.ndarray]) -> None:
    x, _ = german_xy
    points = scorecard.points_matrix(x.head(50), german_card)
    codes = scorecard.reason_codes(points, german_card).to_list()
    best = {v.name: v.max_points for v in german_card.variables}
    for row, chosen in zip(points, codes, strict=True):
        losses = sorted(((best[n] - p, n) for n, p in zip(german_card.features, row, strict=True)),
                        key=lambda t: -t[0])
        expected = [n for loss, n in losses[:3] if loss > 1e-9]
        assert chosen == expected


def test_calibrated_probability_matches_the_observed_bad_rate(german_card: ScorecardSpec,
                                                              german_xy: tuple[pl.DataFrame, np.ndarray]) -> None:
    x, y = german_xy
    p = scorecard.probability(scorecard.points_matrix(x, german_card), german_card)
    assert abs(p.mean() - y.mean()) < 0.01


def test_spec_survives_a_json_round_trip_and_scores_unseen_values(german_card: ScorecardSpec) -> None:
    again = ScorecardSpec.from_dict(json.loads(json.dumps(german_card.to_dict())))
    odd = pl.DataFrame({name: [None] for name in german_card.features}).with_columns(
        purpose=pl.lit("a purpose never seen"), duration_in_month=pl.lit(float("inf")))
    points = scorecard.points_matrix(odd, again)
    missing = {v.name: v.missing_points for v in again.variables}
    assert np.allclose(points[0], [missing[n] for n in again.features])
