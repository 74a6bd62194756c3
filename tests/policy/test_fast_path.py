"""The evaluator's fast path gives the decisions of the plain rule, whatever the size of the input.

- not_before converted per distinct (zone, local moment) and joined back (many rows) equals the conversion on
  every row (a few rows), on a generated mixed portfolio at a moment that moves many contacts to the next morning;
- the decisions with Polars' query optimiser equal those without it (small inputs skip it);
- deciding each small partition of the portfolio (a handful of borrowers, as the API and the case page do) gives,
  row for row, the decisions of the whole portfolio at once (the batch), every column;
- the ladder's outcome read from the mask of matching lines (first line decides; reasons are the deciding line's
  plus every other matching `collect` line, in ladder order) equals that rule written out in Python, for every
  mask, with two lines sharing an id;
- codes decoded from a mask equal the list built from the conditions directly.
"""

from __future__ import annotations

import datetime as dt
from datetime import UTC, datetime
from itertools import product
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from duecare.kit import columns
from duecare.kit.columns import codes_list
from duecare.ledger.generate import generate
from duecare.ledger.partitions import partition_bounds, read_partition
from duecare.policy import evaluator
from duecare.policy.bits import MASK, decode, mask_of
from duecare.policy.evaluator import Policy, decide, ladder_outcomes
from duecare.policy.model import LadderLine

LATE = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)  # 22:30 in China: contacts wait for the next morning
NIGHT_WEST = datetime(2026, 11, 21, 3, 30, tzinfo=UTC)  # night in the US and the UK


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fast_path")
    generate(400, 11, out, jurisdiction="mixed", as_of=dt.date(2026, 11, 20))
    return out


def test_not_before_per_distinct_moment_equals_per_row(portfolio: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    frames = read_partition(portfolio, *partition_bounds(portfolio, 1)[0])
    policy = Policy.default()
    zones: set[str] = set()
    for moment in (LATE, NIGHT_WEST):
        monkeypatch.setattr(evaluator, "DISTINCT_MOMENTS_FROM", 0)
        distinct = decide(frames, moment, policy)
        monkeypatch.setattr(evaluator, "DISTINCT_MOMENTS_FROM", 10**9)
        per_row = decide(frames, moment, policy)
        assert_frame_equal(distinct, per_row)
        zones |= set(distinct.filter(pl.col("not_before") > pl.col("as_of_utc"))["timezone"].to_list())
    assert len(zones) > 2  # moments moved in several zones were converted


def test_with_and_without_the_query_optimiser_the_decisions_are_equal(portfolio: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Small inputs skip Polars' optimiser (kit/columns.run); the whole portfolio decided both ways is equal."""
    frames = read_partition(portfolio, *partition_bounds(portfolio, 1)[0])
    policy = Policy.default()
    for moment in (LATE, NIGHT_WEST):
        monkeypatch.setattr(columns, "SMALL_QUERY_ROWS", 0)
        optimised = decide(frames, moment, policy)
        monkeypatch.setattr(columns, "SMALL_QUERY_ROWS", 10**9)
        unoptimised = decide(frames, moment, policy)
        assert_frame_equal(optimised, unoptimised)
    assert frames["contacts"].height > 1_000 and optimised.height > 400


def test_small_partitions_decide_as_the_whole_portfolio(portfolio: Path) -> None:
    policy = Policy.default()
    whole = decide(read_partition(portfolio, *partition_bounds(portfolio, 1)[0]), LATE, policy)
    bounds = partition_bounds(portfolio, 80)
    parts = [decide(read_partition(portfolio, lo, hi), LATE, policy) for lo, hi in bounds]
    assert max(p.height for p in parts) < evaluator.DISTINCT_MOMENTS_FROM  # each part takes the small-input path
    together = pl.concat(parts, how="vertical").sort("loan_id")
    assert together.height == whole.height
    assert_frame_equal(together, whole)
    assert whole["reasons"].list.len().sum() > 0 and whole["blocked_rules"].list.len().sum() > 0


def _line(id_: str, reason: str, action: str = "call", collect: bool = False) -> LadderLine:
    return LadderLine(id=id_, collect=collect, when="dpd > 0", action=action, reason=reason)  # type: ignore[arg-type]


def test_ladder_outcome_from_the_mask_is_the_rule() -> None:
    ladder = [_line("S1", "deceased", "hold", collect=True), _line("S2", "first_b"), _line("S2", "second_b", "sms_reminder"),
              _line("S3", "dispute", "hold", collect=True), _line("S4", "last")]
    strategy = SimpleNamespace(ladder=ladder)
    masks = list(range(1 << len(ladder)))
    table = ladder_outcomes(pl.Series(masks, dtype=MASK), strategy)  # type: ignore[arg-type]
    got = {row["_lines"]: row for row in table.to_dicts()}
    for m in masks:
        matching = [line for j, line in enumerate(ladder) if m >> j & 1]
        first = matching[0] if matching else None
        reasons = [j for j, line in enumerate(ladder)
                   if m >> j & 1 and (line.collect or (first is not None and line.id == first.id))]
        assert got[m]["action"] == (first.action if first else "none")
        assert got[m]["ladder_line"] == (first.id if first else None)
        assert got[m]["_reasons"] == sum(1 << j for j in reasons)


def test_decoded_mask_equals_the_list_of_conditions() -> None:
    codes = ["a", "b", "c", "d"]
    rows = [list(bits) for bits in product([False, True, None], repeat=len(codes))]
    frame = pl.DataFrame(rows, schema=codes, orient="row")
    conditions = [pl.col(c) for c in codes]
    out = frame.select(direct=codes_list(list(zip(codes, conditions, strict=True))),
                       decoded=decode(mask_of(conditions), codes))
    assert out["direct"].to_list() == out["decoded"].to_list()
    assert out["direct"].list.len().max() == len(codes)
