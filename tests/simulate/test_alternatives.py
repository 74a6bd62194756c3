"""Remote alternatives to a visit (issue 17) are played in the simulation: a borrower answers the visit notice by
choosing one, the visit waits while it runs (`alternative_in_progress`), and once a person verified it the visit
need is closed (`verified_remotely`) — through the engine's own facts and gate, not by the simulator."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import polars as pl

from duecare.ageing.ageing import zones_of
from duecare.policy.evaluator import evaluate_facts
from duecare.simulate.params import load_params
from duecare.simulate.run import simulate
from duecare.simulate.variants import named
from duecare.simulate.world import Portfolio

PARAMS = load_params()


def test_a_chosen_alternative_pauses_the_visit_and_a_verified_one_closes_it(portfolio: Portfolio) -> None:
    # every borrower who neither consents nor declines chooses an alternative, and every one is verified
    params = PARAMS.scaled(["alternative_choose_p"], 0.55 / float(PARAMS["alternative_choose_p"])) \
        .scaled(["alternative_verified_p"], 10.0)
    seen: list[pl.DataFrame] = []
    variant = named("standard")
    zones = zones_of(portfolio.frames["borrowers"])

    def keep(t: int, frames: dict[str, pl.DataFrame], as_of: datetime, mask: np.ndarray,
             facts: pl.DataFrame) -> None:
        decided = evaluate_facts(facts, variant.policy, zones).select("loan_id", "visit_unmet")
        seen.append(facts.select("loan_id", "borrower_id", "alternative_in_progress", "verified_remotely",
                                 day=pl.lit(t)).join(decided, on="loan_id"))

    run = simulate(portfolio, variant, params, 70, seed=1, observe=keep)
    m = run.metrics
    assert m["visit_notices"] > 0 and m["alternatives_chosen"] > 0
    assert m["alternatives_verified"] == m["alternatives_chosen"]  # every one verified (alternative_verified_p 1)
    facts = pl.concat(seen)
    paused = facts.filter(pl.col("alternative_in_progress"))
    closed = facts.filter(pl.col("verified_remotely"))
    assert paused.height > 0 and closed.height > 0
    # the engine's gate names them: a paused or verified borrower's visit is not open
    assert paused["visit_unmet"].list.contains("alternative_in_progress").all()
    assert closed["visit_unmet"].list.contains("verified_remotely").all()
    # no visit to a borrower on a day their alternative was running or verified
    visited = run.visits.select("day", "bi")
    if visited.height:
        bmap = portfolio.frames["borrowers"].select("borrower_id").with_row_index("bi").with_columns(
            pl.col("bi").cast(pl.Int64))
        blocked = pl.concat([paused, closed]).join(bmap, on="borrower_id").select(
            pl.col("day").cast(pl.Int64), "bi")
        assert visited.join(blocked, on=["day", "bi"], how="semi").height == 0
    # verified alternatives cost staff time, video ones also video minutes; each is counted
    assert m["video_calls"] <= m["alternatives_verified"]
    plain = simulate(portfolio, named("standard"), PARAMS.scaled(["alternative_choose_p"], 0.0), 70, seed=1)
    assert plain.metrics["alternatives_chosen"] == 0 and plain.metrics["video_calls"] == 0
    assert plain.metrics["known_without_visit_share"] <= m["known_without_visit_share"]
