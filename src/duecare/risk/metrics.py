"""Discrimination and calibration measures for a 0/1 target and a predicted probability."""

from __future__ import annotations

import numpy as np


def auc(y: np.ndarray, p: np.ndarray) -> float:
    """Area under the ROC curve (probability a random bad outranks a random good)."""
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, p))


def ks(y: np.ndarray, p: np.ndarray) -> float:
    """Kolmogorov–Smirnov: the largest gap between the bads' and goods' cumulative score distributions."""
    from sklearn.metrics import roc_curve

    fpr, tpr, _ = roc_curve(y, p)
    return float(np.max(tpr - fpr))


def brier(y: np.ndarray, p: np.ndarray) -> float:
    """Mean squared error of the probability (lower is better; rewards calibration)."""
    return float(np.mean((np.asarray(p, dtype=float) - y) ** 2))


def summary(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """AUC, KS, Brier and the mean predicted vs observed bad rate."""
    return {"auc": auc(y, p), "ks": ks(y, p), "brier": brier(y, p),
            "mean_predicted": float(np.mean(p)), "observed_rate": float(np.mean(y)), "n": float(len(y))}
