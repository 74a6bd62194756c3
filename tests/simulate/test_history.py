"""The risk model's history features kept day over day (simulate/history.py) equal `history_features` recomputed
from scratch, column by column, on the frames of a simulation day after day."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import polars as pl
from polars.testing import assert_frame_equal

from duecare.risk.portfolio import history_features
from duecare.simulate.incremental import IncrementalFacts
from duecare.simulate.params import load_params
from duecare.simulate.run import simulate
from duecare.simulate.variants import named
from duecare.simulate.world import Portfolio

PARAMS = load_params()


def test_kept_history_features_equal_the_recompute_day_after_day(portfolio: Portfolio) -> None:
    """A second IncrementalFacts is fed the simulation's new payments and contacts as the days pass (the rows the
    simulator appends to its frames), and its history features of the day's loans — and on some days of every
    loan — are compared with `history_features` over the day's whole frames."""
    variant = named("visit-all-60")  # every channel, visits and promises: all contact outcomes occur
    kept = IncrementalFacts(portfolio.frames, variant.policy)
    seen = {name: portfolio.frames[name].height for name in ("payments", "contacts")}
    checked: list[tuple[int, int]] = []
    moved = {"payments_30d": set(), "rpc_30d": set(), "ptp_90d": set(), "refused_90d": set(),
             "days_since_last_payment": set(), "paid_ratio_90d": set(), "recent_outbound": set()}

    def compare(t: int, frames: dict[str, pl.DataFrame], as_of: datetime, mask: np.ndarray,
                facts: pl.DataFrame) -> None:
        for name, add in (("payments", kept.add_payments), ("contacts", kept.add_contacts)):
            if frames[name].height > seen[name]:
                add(frames[name].slice(seen[name]))
                seen[name] = frames[name].height
        every = t % 5 == 0
        day = kept.facts(frames, as_of, None if every else mask)
        ours = kept.history_features(day)
        full = history_features(frames, as_of).join(day.select("loan_id"), on="loan_id", how="semi")
        assert ours.columns == full.columns
        assert_frame_equal(ours.sort("loan_id"), full.sort("loan_id"))
        for column, values in moved.items():
            values.update(full[column].drop_nulls().to_list())
        checked.append((t, ours.height))

    result = simulate(portfolio, variant, PARAMS, 35, seed=4, observe=compare)
    assert [t for t, _ in checked] == list(range(35))
    assert checked[0][1] == portfolio.frames["loans"].height
    # the days compared saw the history move: payments, promises, refusals and calls made in the simulation
    assert result.metrics["recovered"] > 0 and result.metrics["promises"] > 0
    assert all(len(values) > 1 for values in moved.values()), {k: len(v) for k, v in moved.items()}
