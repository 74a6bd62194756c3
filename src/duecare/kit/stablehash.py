"""A stable, vectorised hash of string ids (FNV-1a 64) for champion/challenger assignment.

Polars' own `hash` may change between versions; a split must not move when a library is upgraded.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

FNV_OFFSET = np.uint64(0xCBF29CE484222325)
FNV_PRIME = np.uint64(0x100000001B3)


def fnv1a64(ids: pl.Series) -> np.ndarray:
    """FNV-1a over the UTF-8 bytes of each id, looping over byte positions, never over rows."""
    arr = pc.cast(ids.cast(pl.String).fill_null("").to_arrow(), pa.large_binary())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int64)[arr.offset: arr.offset + len(arr) + 1]
    data = np.frombuffer(bufs[2], dtype=np.uint8) if len(arr) and bufs[2] is not None else np.zeros(0, np.uint8)
    starts, lengths = offsets[:-1], np.diff(offsets)
    h = np.full(len(arr), FNV_OFFSET, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for pos in range(int(lengths.max()) if len(lengths) else 0):
            live = lengths > pos
            h[live] ^= data[starts[live] + pos].astype(np.uint64)
            h[live] *= FNV_PRIME
    return h


def stable_bucket(ids: pl.Series, buckets: int = 10_000) -> pl.Series:
    """Each id's bucket in [0, buckets), identical on every machine and every run."""
    return pl.Series(ids.name, (fnv1a64(ids) % np.uint64(buckets)).astype(np.int64))
