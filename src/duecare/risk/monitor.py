"""Monitoring: population stability (PSI) per feature and for the score, and AUC drift over time."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from duecare.risk import metrics

EPS = 1e-6
PSI_WATCH, PSI_ACT = 0.1, 0.25  # customary thresholds: < 0.1 stable, 0.1–0.25 watch, > 0.25 act


def psi(reference: pl.Series, current: pl.Series, bins: int = 10) -> float:
    """Population stability index of current vs reference (deciles of the reference; categories as is)."""
    if reference.dtype in (pl.String, pl.Categorical, pl.Boolean):
        ref = reference.cast(pl.String).fill_null("<null>")
        cur = current.cast(pl.String).fill_null("<null>")
        cats = sorted(set(ref.unique().to_list()) | set(cur.unique().to_list()))
        r = np.array([(ref == c).sum() for c in cats], dtype=float)
        c = np.array([(cur == c).sum() for c in cats], dtype=float)
    else:
        ref_x = reference.cast(pl.Float64).to_numpy()
        cur_x = current.cast(pl.Float64).to_numpy()
        finite = ref_x[np.isfinite(ref_x)]
        edges = np.unique(np.quantile(finite, np.linspace(0, 1, bins + 1)[1:-1])) if finite.size else np.array([])

        def counts(x: np.ndarray) -> np.ndarray:
            ok = np.isfinite(x)
            binned = np.bincount(np.searchsorted(edges, x[ok], side="right"), minlength=len(edges) + 1)
            return np.append(binned, (~ok).sum()).astype(float)

        r, c = counts(ref_x), counts(cur_x)
    r_share = np.maximum(r / max(r.sum(), 1), EPS)
    c_share = np.maximum(c / max(c.sum(), 1), EPS)
    return float(np.sum((c_share - r_share) * np.log(c_share / r_share)))


def status(value: float) -> str:
    return "stable" if value < PSI_WATCH else "watch" if value < PSI_ACT else "act"


def stability_report(reference: pl.DataFrame, current: pl.DataFrame, features: list[str],
                     score: str = "risk_score") -> dict[str, Any]:
    """PSI of every feature and of the score, each with its status."""
    rows = {}
    for column in [*features, score]:
        if column in reference.columns and column in current.columns:
            value = psi(reference.get_column(column), current.get_column(column))
            rows[column] = {"psi": round(value, 5), "status": status(value)}
    return {"reference_rows": reference.height, "current_rows": current.height,
            "score": rows.get(score), "features": {k: v for k, v in rows.items() if k != score},
            "thresholds": {"watch": PSI_WATCH, "act": PSI_ACT}}


def auc_drift(scored: pl.DataFrame, target: str, period: str = "as_of", score: str = "risk_score") -> list[dict[str, Any]]:
    """AUC, KS and Brier per period (e.g. snapshot date) where both outcomes occur."""
    out = []
    for key, part in scored.filter(pl.col(target).is_not_null()).group_by(period, maintain_order=True):
        y = part.get_column(target).to_numpy()
        p = part.get_column(score).to_numpy()
        row: dict[str, Any] = {period: str(key[0]), "n": len(y), "bad_rate": float(y.mean())}
        if 0 < y.sum() < len(y):
            row |= {"auc": round(metrics.auc(y, p), 4), "ks": round(metrics.ks(y, p), 4),
                    "brier": round(metrics.brier(y, p), 4)}
        out.append(row)
    return sorted(out, key=lambda r: r[period])
