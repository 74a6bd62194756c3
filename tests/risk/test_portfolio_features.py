"""Portfolio features are point-in-time correct; targets read only the window after as_of."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
from polars.testing import assert_frame_equal

from duecare.risk.portfolio import model_features, targets, training_table

from .factories import portfolio

AS_OF = datetime(2026, 6, 20, 2, tzinfo=UTC)


def _rewrite_future(frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Drop every later payment and make every later contact a refusal."""
    changed = dict(frames)
    changed["payments"] = frames["payments"].filter(pl.col("paid_at") <= AS_OF)
    changed["contacts"] = frames["contacts"].with_columns(
        outcome=pl.when(pl.col("at") > AS_OF).then(pl.lit("refused")).otherwise(pl.col("outcome")))
    return changed


def test_changing_the_future_does_not_change_any_feature() -> None:
    frames = portfolio()
    assert_frame_equal(model_features(frames, AS_OF), model_features(_rewrite_future(frames), AS_OF))


def test_changing_the_future_does_change_the_targets() -> None:
    frames = portfolio()
    before, after = targets(frames, AS_OF), targets(_rewrite_future(frames), AS_OF)
    assert before.get_column("roll_30dpd_30d").sum() < after.get_column("roll_30dpd_30d").sum()


def test_roll_cure_and_propensity_follow_the_payment_delays() -> None:
    rows = {r["loan_id"]: r for r in targets(portfolio(), AS_OF).to_dicts()}
    # 12 days late each month: overdue at as_of, pays June 22 → cures, pays within 7 days, never 30+ DPD
    assert rows["L001"] == {"loan_id": "L001", "roll_30dpd_30d": 0, "cure_30d": 1, "pay_7d_after_contact": 1}
    # 36 days late: June installment reaches 30 DPD on July 10
    assert rows["L003"]["roll_30dpd_30d"] == 1
    # 48 days late: already 41 DPD, outside the early-warning population
    assert rows["L004"]["roll_30dpd_30d"] is None
    # on time: not overdue, so no cure or propensity target
    assert rows["L000"]["cure_30d"] is None and rows["L000"]["roll_30dpd_30d"] == 0


def test_history_features_count_payments_and_contacts_before_as_of() -> None:
    row = model_features(portfolio(), AS_OF).filter(pl.col("loan_id") == "L002").to_dicts()[0]
    assert row["dpd"] == 10 and row["installments_due"] == 6
    assert row["ptp_90d"] == 3  # the day-9 ptp calls of April, May and June (March 19 is 93 days back)
    assert row["attempts_call_30d"] == 3


def test_training_table_stacks_snapshots_of_the_target_population() -> None:
    table = training_table(portfolio(), [AS_OF, datetime(2026, 7, 20, 2, tzinfo=UTC)], "cure_30d")
    assert table.get_column("as_of").n_unique() == 2
    assert (table.get_column("dpd") > 0).all()
