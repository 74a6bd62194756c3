"""Means with Student-t confidence intervals over seeds."""

from __future__ import annotations

import math

import numpy as np

# Two-sided 95% Student-t quantiles t(0.975, df) for df = 1..30; larger df use 1.96 (error < 2%).
T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
        2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048,
        2.045, 2.042)


def t_quantile(df: int) -> float:
    return T975[df - 1] if 1 <= df <= len(T975) else 1.96


def interval(values: list[float]) -> dict[str, float]:
    """Mean, half-width of the 95% t-interval, and the bounds (half-width 0 with one seed); NaNs are dropped."""
    x = np.asarray([v for v in values if not math.isnan(v)], dtype=np.float64)
    if x.size == 0:
        return {"mean": float("nan"), "half_width": float("nan"), "low": float("nan"), "high": float("nan"), "n": 0}
    mean = float(x.mean())
    half = t_quantile(x.size - 1) * float(x.std(ddof=1)) / math.sqrt(x.size) if x.size > 1 else 0.0
    return {"mean": mean, "half_width": half, "low": mean - half, "high": mean + half, "n": int(x.size)}
