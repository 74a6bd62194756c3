"""Train, validate and register a model on a table of features and a 0/1 target."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl

from duecare.kit.errors import UserError
from duecare.risk import challenger, fairness, metrics, registry, scorecard
from duecare.risk.registry import RiskModel
from duecare.risk.scoring import band_cutoffs, probability

Kind = Literal["scorecard", "lightgbm"]


def split(table: pl.DataFrame, target: str, seed: int = 0) -> tuple[np.ndarray, np.ndarray, str]:
    """Out-of-time when the table has several `as_of` snapshots (the last one is the test), else 80/20 stratified."""
    if "as_of" in table.columns and table.get_column("as_of").n_unique() > 1:
        last = table.get_column("as_of").max()
        test = (table.get_column("as_of") == last).to_numpy()
        return np.flatnonzero(~test), np.flatnonzero(test), f"out-of-time: test = as_of {last!s}"
    from sklearn.model_selection import train_test_split

    y = table.get_column(target).to_numpy()
    train, test = train_test_split(np.arange(len(y)), test_size=0.2, random_state=seed, stratify=y)
    return train, test, "stratified 80/20"


def fit(kind: Kind, features: pl.DataFrame, y: np.ndarray) -> scorecard.ScorecardSpec | challenger.GbmModel:
    if kind == "scorecard":
        return scorecard.fit_scorecard(features, y)
    return challenger.fit_gbm(features, y)


def train(table: pl.DataFrame, target: str, candidates: list[str], *, kind: Kind, name: str,
          root: Path | None = None, extra: dict[str, Any] | None = None) -> RiskModel:
    """Exclude protected attributes, fit on the training part, measure on the test part, register."""
    if target not in table.columns:
        raise UserError(f"the training table has no target column {target!r}")
    y_all = table.get_column(target).cast(pl.Int8).to_numpy()
    if not 0 < y_all.sum() < len(y_all):
        raise UserError(f"target {target!r} has only one class in {len(y_all)} rows: need goods and bads")
    flags = fairness.flag_protected(candidates)
    features = fairness.allowed_features(candidates)
    train_idx, test_idx, how = split(table, target)
    x = table.select(features)
    scorer = fit(kind, x[train_idx], y_all[train_idx])
    p_train = probability(x[train_idx], scorer)
    p_test = probability(x[test_idx], scorer)
    meta = {
        "target": target, "training_data_sha256": registry.frame_hash(table.select(*features, target)),
        "rows": table.height, "train_rows": len(train_idx), "test_rows": len(test_idx), "validation": how,
        "excluded_protected": [{"column": f.column, "reason": f.reason} for f in flags],
        "metrics": {"train": metrics.summary(y_all[train_idx], p_train),
                    "test": metrics.summary(y_all[test_idx], p_test)},
        "cutoffs": band_cutoffs(p_train), **(extra or {}),
    }
    return registry.save(scorer, name, meta, root)
