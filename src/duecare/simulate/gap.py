"""Where a strategy's recovery falls short of the visit-heavy counterfactual: per borrower, paired over seeds.

Each borrower's recovery under the strategy and under the baseline (same seed: the same chances) is compared and
the difference is grouped by what the *lawful* gate (the reference strategy's, `Variant.reference`) said of the
baseline's first visit to that borrower — vulnerable; reachable (a right-party contact in the last 30 days);
remote channels not exhausted; another precondition unmet (a threshold, a hold, a limit, an alternative);
preconditions met but the notice, its period, consent or approval not done; or the whole gate met — and by true
segment. A gap in the first groups is recovery that only an unlawful visit produces in the simulation; a gap
where the preconditions were met is what a lawful strategy could still reach through notice, consent and
approval.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import polars as pl

from duecare.simulate.compare import Comparison
from duecare.simulate.params import SEGMENTS
from duecare.simulate.stats import interval
from duecare.simulate.world import Portfolio

GROUPS = ("not visited", "vulnerable", "reachable", "remote channels not exhausted", "another precondition unmet",
          "preconditions met; notice, consent or approval not done", "whole lawful gate met")


def visit_group(visits: pl.DataFrame, n: int) -> np.ndarray:
    """Per borrower row, the index in GROUPS of what the first visit found (0: never visited)."""
    out = np.zeros(n, dtype=np.int64)
    if not visits.height:
        return out
    first = visits.sort("day").unique(subset="bi", keep="first")
    unmet = first["unmet"].list
    group = np.select(
        [first["vulnerable"].to_numpy(), first["reachable"].to_numpy(),
         unmet.contains("remote_channels_not_exhausted").fill_null(False).to_numpy(),
         (unmet.len() > 0).fill_null(False).to_numpy(),
         (first["steps_unmet"].list.len() > 0).fill_null(False).to_numpy()],
        [1, 2, 3, 4, 5], default=6)
    out[first["bi"].to_numpy()] = group
    return out


def recovery_gap(portfolio: Portfolio, comparison: Comparison, strategy: str, baseline: str) -> dict[str, Any]:
    """The baseline's extra recovery (baseline − strategy, major units) by visit group and by segment, with
    95% intervals over the paired seeds, and the share of the total gap each group carries."""
    pairs = list(zip(comparison.runs[strategy], comparison.runs[baseline], strict=True))
    n = portfolio.size
    by_group: dict[str, list[float]] = {g: [] for g in GROUPS}
    borrowers: dict[str, list[float]] = {g: [] for g in GROUPS}
    by_segment: dict[str, list[float]] = {s: [] for s in SEGMENTS}
    totals = []
    for ours, theirs in pairs:
        diff = (theirs.recovered_by - ours.recovered_by) / 100
        groups = visit_group(theirs.visits, n)
        totals.append(float(diff.sum()))
        for i, g in enumerate(GROUPS):
            by_group[g].append(float(diff[groups == i].sum()))
            borrowers[g].append(float((groups == i).sum()))
        for i, s in enumerate(SEGMENTS):
            by_segment[s].append(float(diff[portfolio.segment == i].sum()))
    total = float(np.mean(totals)) or 1.0
    return {
        "strategy": strategy, "baseline": baseline, "total": interval(totals),
        "groups": [{"group": g, "borrowers": float(np.mean(borrowers[g])), "gap": interval(by_group[g]),
                    "share": float(np.mean(by_group[g])) / total} for g in GROUPS],
        "segments": [{"segment": s, "gap": interval(by_segment[s]), "share": float(np.mean(by_segment[s])) / total}
                     for s in SEGMENTS],
    }


def _cell(c: dict[str, Any]) -> str:
    return "n/a" if c.get("mean") is None else f"{c['mean']:,.0f} ± {c['half_width'] or 0:,.0f}"


def _share(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1%}"


def gap_lines(gap: dict[str, Any]) -> list[str]:
    """The gap as Markdown table rows (for the terminal and docs)."""
    lines = [f"recovery gap {gap['baseline']} − {gap['strategy']}: {_cell(gap['total'])}",
             "| lawful gate at the baseline's first visit | borrowers | gap | share |", "|---|---|---|---|"]
    lines += [f"| {g['group']} | {g['borrowers']:,.0f} | {_cell(g['gap'])} | {_share(g['share'])} |" for g in gap["groups"]]
    lines += ["| segment | | gap | share |", "|---|---|---|---|"]
    lines += [f"| {s['segment']} | | {_cell(s['gap'])} | {_share(s['share'])} |" for s in gap["segments"]]
    return lines


def gap_html(gap: dict[str, Any]) -> str:
    """The gap as an HTML section (for the report file)."""
    def table(header: list[str], rows: list[list[str]]) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    return (f"<h2>Recovery gap: {html.escape(gap['baseline'])} − {html.escape(gap['strategy'])}</h2>"
            f"<p>Per borrower, paired over seeds: {_cell(gap['total'])} in total, grouped by what the baseline's "
            "first visit to the borrower met at the lawful gate, and by true segment.</p>"
            + table(["lawful gate at the baseline's first visit", "borrowers", "gap", "share"],
                    [[g["group"], f"{g['borrowers']:,.0f}", _cell(g["gap"]), _share(g["share"])] for g in gap["groups"]])
            + table(["segment", "gap", "share"], [[s["segment"], _cell(s["gap"]), _share(s["share"])]
                                                  for s in gap["segments"]]))
