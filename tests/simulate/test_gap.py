"""The recovery gap splits the baseline's extra recovery per borrower, by what its first visit found."""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from duecare.simulate.compare import compare
from duecare.simulate.gap import GROUPS, gap_html, gap_lines, recovery_gap, visit_group
from duecare.simulate.params import load_params
from duecare.simulate.variants import named
from duecare.simulate.world import Portfolio


def test_the_first_visit_decides_the_group() -> None:
    visits = pl.DataFrame({
        "day": [5, 2, 3, 4, 7, 1, 2],
        "bi": [0, 0, 1, 2, 3, 4, 6],
        "vulnerable": [False, True, False, False, False, False, False],
        "reachable": [False, False, True, False, False, False, False],
        "unmet": [[], ["vulnerable"], ["reachable"], ["remote_channels_not_exhausted", "too_few_episodes"],
                  ["amount_below_minimum"], [], []],
        "steps_unmet": [[], ["notice_not_sent"], [], [], ["notice_not_sent"], ["consent_missing"], []],
    })
    groups = visit_group(visits, 7)
    # borrower 0: the first visit (day 2) found them vulnerable; the later lawful one does not count
    assert [GROUPS[g] for g in groups] == [
        "vulnerable", "reachable", "remote channels not exhausted", "another precondition unmet",
        "preconditions met; notice, consent or approval not done", "not visited", "whole lawful gate met"]


def test_the_groups_and_segments_add_up_to_the_whole_gap(portfolio: Portfolio) -> None:
    params = load_params()
    comparison = compare(portfolio, [named("standard"), named("visit-all-60")], params, 40, [1, 2])
    for runs in comparison.runs.values():
        for run in runs:
            # every recovered amount is credited to a borrower
            assert run.recovered_by.sum() / 100 == run.metrics["recovered"]
    gap = recovery_gap(portfolio, comparison, "standard", "visit-all-60")
    expected = np.mean([(b.recovered_by - a.recovered_by).sum() / 100 for a, b in
                        zip(comparison.runs["standard"], comparison.runs["visit-all-60"], strict=True)])
    assert math.isclose(gap["total"]["mean"], expected)
    assert math.isclose(sum(g["gap"]["mean"] for g in gap["groups"]), expected, abs_tol=1e-6)
    assert math.isclose(sum(s["gap"]["mean"] for s in gap["segments"]), expected, abs_tol=1e-6)
    assert sum(g["borrowers"] for g in gap["groups"]) == portfolio.size
    # the counterfactual visits; its visits to vulnerable or reachable borrowers are counted in those groups
    visited = sum(g["borrowers"] for g in gap["groups"][1:])
    assert visited == np.mean([r.visits["bi"].n_unique() for r in comparison.runs["visit-all-60"]]) > 0
    lawless = sum(g["borrowers"] for g in gap["groups"] if g["group"] in ("vulnerable", "reachable"))
    assert lawless > 0
    # the counterfactual's visits are judged by standard's gate, not by its own (threshold and limit only):
    # none of them went through a notice
    steps = pl.concat([r.visits for r in comparison.runs["visit-all-60"]])["steps_unmet"]
    assert steps.list.contains("notice_not_sent").all()
    assert len(gap_lines(gap)) == 3 + len(GROUPS) + 2 + len(gap["segments"])
    assert "Recovery gap: visit-all-60" in gap_html(gap)
