"""Vector helpers shared by the simulator's kept state (simulate/incremental.py, simulate/history.py)."""

from __future__ import annotations

import numpy as np

DATE_SHIFT = np.int64(1 << 22)  # dates as days since 1970 below 2**22, packed after a row number


def ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Concatenated arange(starts[i], ends[i]) without a Python loop."""
    lengths = (ends - starts).astype(np.int64)
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts.astype(np.int64) - np.r_[0, np.cumsum(lengths)[:-1]], lengths)
    out: np.ndarray = np.arange(total, dtype=np.int64) + offsets
    return out
