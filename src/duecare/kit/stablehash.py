"""A stable, vectorised hash of string ids (FNV-1a 64) for champion/challenger assignment.

Polars' own `hash` may change between versions; a split must not move when a library is upgraded. Written in
Polars alone (UInt64 arithmetic wraps modulo 2**64, as FNV needs), so deciding one case does not load numpy or
pyarrow.
"""

from __future__ import annotations

import polars as pl

FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3


def fnv1a64(ids: pl.Series) -> pl.Series:
    """FNV-1a over the UTF-8 bytes of each id (UInt64), looping over byte positions, never over rows."""
    frame = pl.DataFrame({"_b": ids.cast(pl.String).fill_null("").cast(pl.Binary)}).with_columns(
        _h=pl.lit(FNV_OFFSET, pl.UInt64))
    longest = frame.select(pl.col("_b").bin.size().max().fill_null(0).cast(pl.Int64)).item()
    prime = pl.lit(FNV_PRIME, pl.UInt64)
    for pos in range(longest):
        byte = pl.col("_b").bin.get(pos, null_on_oob=True).cast(pl.UInt64)
        frame = frame.with_columns(
            _h=pl.when(byte.is_null()).then(pl.col("_h")).otherwise((pl.col("_h") ^ byte) * prime))
    return frame["_h"].alias(ids.name)


def stable_bucket(ids: pl.Series, buckets: int = 10_000) -> pl.Series:
    """Each id's bucket in [0, buckets), identical on every machine and every run."""
    return (fnv1a64(ids) % buckets).cast(pl.Int64).alias(ids.name)
