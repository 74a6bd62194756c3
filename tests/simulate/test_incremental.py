"""The simulator's incremental facts equal the batch's full recompute (`build_facts`), column by column."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from duecare.policy.evaluator import build_facts
from duecare.simulate.incremental import subset
from duecare.simulate.params import load_params
from duecare.simulate.run import simulate
from duecare.simulate.variants import named
from duecare.simulate.world import Portfolio

PARAMS = load_params()


@pytest.mark.parametrize("strategy", ["standard", "visit-all-60"])
def test_every_fact_column_equals_the_full_recompute_day_after_day(portfolio: Portfolio, strategy: str) -> None:
    variant = named(strategy)
    checked: list[tuple[int, int]] = []

    def compare(t: int, frames: dict[str, pl.DataFrame], as_of: datetime, mask: np.ndarray,
                facts: pl.DataFrame) -> None:
        if t % 3:
            return
        ids = frames["borrowers"].filter(pl.Series(mask)).select("borrower_id")
        full = build_facts(subset(frames, ids), as_of, variant.policy)
        assert facts.columns == full.columns
        assert_frame_equal(facts.sort("loan_id"), full.sort("loan_id"))
        checked.append((t, facts.height))

    result = simulate(portfolio, variant, PARAMS, 40, seed=2, observe=compare)
    assert [t for t, _ in checked] == list(range(0, 40, 3))
    assert all(rows > 0 for _, rows in checked)
    # the days compared saw payments, contacts and promises made in the simulation, not only the portfolio's
    assert result.metrics["recovered"] > 0 and result.metrics["call_attempts"] > 0
    assert result.metrics["promises"] > 0
