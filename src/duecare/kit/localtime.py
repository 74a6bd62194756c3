"""Borrower-local time on columns: Polars converts one zone at a time, so we branch over the few zones present."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import polars as pl

ISO_WITH_OFFSET = "%Y-%m-%dT%H:%M:%S%:z"


def _by_zone(zone_col: pl.Expr, zones: Sequence[str], branch: Callable[[str], pl.Expr]) -> pl.Expr:
    if not zones:
        return branch("UTC")
    expr: Any = pl.when(zone_col == zones[0]).then(branch(zones[0]))
    for zone in zones[1:]:
        expr = expr.when(zone_col == zone).then(branch(zone))
    result: pl.Expr = expr.otherwise(None)
    return result


def local_naive(ts: pl.Expr, zone_col: pl.Expr, zones: Sequence[str]) -> pl.Expr:
    """UTC instant → naive wall-clock datetime in the row's zone."""
    return _by_zone(zone_col, zones, lambda z: ts.dt.convert_time_zone(z).dt.replace_time_zone(None))


def local_date(ts: pl.Expr, zone_col: pl.Expr, zones: Sequence[str]) -> pl.Expr:
    return local_naive(ts, zone_col, zones).dt.date()


def utc_from_local(naive: pl.Expr, zone_col: pl.Expr, zones: Sequence[str]) -> pl.Expr:
    """Naive wall-clock datetime in the row's zone → UTC instant (a DST gap moves forward one hour)."""
    def branch(z: str) -> pl.Expr:
        exact = naive.dt.replace_time_zone(z, ambiguous="earliest", non_existent="null")
        shifted = (naive + pl.duration(hours=1)).dt.replace_time_zone(z, ambiguous="earliest",
                                                                     non_existent="null")
        return pl.coalesce(exact, shifted).dt.convert_time_zone("UTC")
    return _by_zone(zone_col, zones, branch)


def iso_local(ts: pl.Expr, zone_col: pl.Expr, zones: Sequence[str]) -> pl.Expr:
    """UTC instant → ISO 8601 string in the row's zone with its offset (2026-11-13T08:00:00+08:00)."""
    return _by_zone(zone_col, zones, lambda z: ts.dt.convert_time_zone(z).dt.to_string(ISO_WITH_OFFSET))


def as_utc(moment: datetime) -> datetime:
    """A timezone-aware moment as a UTC datetime (the batch's single decision instant)."""
    if moment.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")

    return moment.astimezone(UTC)
