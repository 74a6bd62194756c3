"""LightGBM challenger: served from LightGBM's own text model format plus a JSON sidecar, never a pickle."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from duecare.risk.scorecard import categorical_columns, top_reasons

PARAMS: dict[str, Any] = {
    "objective": "binary", "learning_rate": 0.03, "num_leaves": 15, "min_data_in_leaf": 30,
    "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0,
    "cat_smooth": 20, "verbose": -1, "num_threads": 2, "seed": 0,
}


@dataclass(frozen=True)
class GbmModel:
    """A trained booster, its feature order, category codes and Platt calibration."""

    booster: Any
    features: list[str]
    categories: dict[str, list[str]]
    calibration: tuple[float, float] = (0.0, 1.0)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "lightgbm", "features": self.features, "categories": self.categories,
                "calibration": list(self.calibration)}

    @classmethod
    def from_parts(cls, model_text: str, sidecar: dict[str, Any]) -> GbmModel:
        import lightgbm as lgb

        a, b = sidecar.get("calibration", (0.0, 1.0))
        return cls(booster=lgb.Booster(model_str=model_text), features=list(sidecar["features"]),
                   categories={k: list(v) for k, v in sidecar["categories"].items()}, calibration=(a, b))


def encode(frame: pl.DataFrame, features: list[str], categories: dict[str, list[str]]) -> np.ndarray:
    """Numeric matrix: categories become their training code (unseen and null → NaN, LightGBM's missing).

    One `select` over every feature and one conversion of the result (a column-by-column `to_numpy` and
    `column_stack` cost 0.1–0.8 s per 1M-account partition against ~0.03 s for this)."""
    columns = []
    for name in features:
        if name in categories:
            mapping = {c: float(i) for i, c in enumerate(categories[name])}
            col = pl.col(name).cast(pl.String).replace_strict(mapping, default=None, return_dtype=pl.Float64)
        else:
            col = pl.col(name).cast(pl.Float64)
        columns.append(col.fill_null(float("nan")).alias(name))
    return np.ascontiguousarray(frame.select(columns).to_numpy())


def fit_gbm(features: pl.DataFrame, target: np.ndarray, *, rounds: int = 2000, seed: int = 0) -> GbmModel:
    """Train with early stopping on a stratified 20% slice, then Platt-calibrate on that slice."""
    import lightgbm as lgb
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    names = features.columns
    categories = {c: sorted(features.get_column(c).cast(pl.String).drop_nulls().unique().to_list())
                  for c in categorical_columns(features)}
    x = encode(features, names, categories)
    cat_index = [i for i, n in enumerate(names) if n in categories]
    fit_idx, val_idx = train_test_split(np.arange(len(target)), test_size=0.2, random_state=seed,
                                        stratify=target)
    params = PARAMS | {"seed": seed}
    train_set = lgb.Dataset(x[fit_idx], target[fit_idx], feature_name=names, categorical_feature=cat_index,
                            free_raw_data=False)
    valid_set = lgb.Dataset(x[val_idx], target[val_idx], reference=train_set)
    booster = lgb.train(params, train_set, num_boost_round=rounds, valid_sets=[valid_set],
                        callbacks=[lgb.early_stopping(100, verbose=False)])
    margin = np.asarray(booster.predict(x[val_idx], raw_score=True, num_iteration=booster.best_iteration))
    platt = LogisticRegression(C=1e6, max_iter=1000).fit(margin.reshape(-1, 1), target[val_idx])
    return GbmModel(booster=booster, features=list(names), categories=categories,
                     calibration=(float(platt.intercept_[0]), float(platt.coef_[0, 0])))


def probability(frame: pl.DataFrame, model: GbmModel) -> np.ndarray:
    """Calibrated probability of the bad outcome."""
    margin = model.booster.predict(encode(frame, model.features, model.categories), raw_score=True,
                                   num_iteration=model.booster.best_iteration or None)
    a, b = model.calibration
    return np.asarray(1.0 / (1.0 + np.exp(-(a + b * margin))))


def reason_codes(frame: pl.DataFrame, model: GbmModel, top: int = 3) -> pl.Series:
    """The features with the largest positive SHAP contributions to risk (LightGBM's exact TreeSHAP)."""
    contrib = model.booster.predict(encode(frame, model.features, model.categories), pred_contrib=True,
                                    num_iteration=model.booster.best_iteration or None)[:, :-1]
    return top_reasons(model.features, np.asarray(contrib), top)
