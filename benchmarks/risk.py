"""Repeated stratified 5-fold CV of the risk models on real credit data: AUC, KS, Brier (mean, 95% interval).

Run `make risk-data` first. Usage: python benchmarks/risk.py [--repeats 3] [--datasets a,b] [--keep-protected]
The interval is mean ± 1.96 × the standard deviation of the per-fold values (the spread of one fold's estimate).
Protected attributes and proxies (duecare.risk.fairness) are excluded from every model unless --keep-protected.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections import defaultdict
from collections.abc import Callable

import numpy as np
import polars as pl

from duecare.risk import challenger, datasets, fairness, metrics, scorecard

Fitter = Callable[[pl.DataFrame, np.ndarray, pl.DataFrame], np.ndarray]


def logistic_baseline(train: pl.DataFrame, y: np.ndarray, test: pl.DataFrame) -> np.ndarray:
    """Plain logistic regression: one-hot categories, median-imputed standardised numbers."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    cats = scorecard.categorical_columns(train)
    nums = [c for c in train.columns if c not in cats]

    def prep(frame: pl.DataFrame) -> object:
        return frame.with_columns([pl.col(c).cast(pl.String).fill_null("NA") for c in cats]
                                  + [scorecard.finite(pl.col(c)) for c in nums]).to_pandas()

    transform = ColumnTransformer([
        ("cat", OneHotEncoder(handle_unknown="ignore", min_frequency=10), cats),
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), nums),
    ])
    model = make_pipeline(transform, LogisticRegression(max_iter=3000, C=0.5))
    model.fit(prep(train), y)
    return np.asarray(model.predict_proba(prep(test))[:, 1])


def woe_scorecard(train: pl.DataFrame, y: np.ndarray, test: pl.DataFrame) -> np.ndarray:
    spec = scorecard.fit_scorecard(train, y)
    return scorecard.probability(scorecard.points_matrix(test, spec), spec)


def lightgbm(train: pl.DataFrame, y: np.ndarray, test: pl.DataFrame) -> np.ndarray:
    return challenger.probability(test, challenger.fit_gbm(train, y))


MODELS: dict[str, Fitter] = {"logistic": logistic_baseline, "scorecard": woe_scorecard, "lightgbm": lightgbm}


def run(names: list[str], repeats: int, keep_protected: bool) -> list[dict[str, object]]:
    from sklearn.model_selection import RepeatedStratifiedKFold

    rows = []
    for name in names:
        data = datasets.load(name)
        features = data.features if keep_protected else fairness.allowed_features(data.features)
        y = data.frame.get_column(data.target).to_numpy()
        x = data.frame.select(features)
        folds = RepeatedStratifiedKFold(n_splits=5, n_repeats=repeats, random_state=0)
        scores: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        seconds: dict[str, float] = defaultdict(float)
        for train_idx, test_idx in folds.split(np.zeros(len(y)), y):
            for model, fit in MODELS.items():
                started = time.perf_counter()
                p = fit(x[train_idx], y[train_idx], x[test_idx])
                seconds[model] += time.perf_counter() - started
                for metric, value in metrics.summary(y[test_idx], p).items():
                    scores[model][metric].append(value)
        excluded = sorted(set(data.features) - set(features))
        print(f"{name}: {len(y)} rows, bad rate {y.mean():.3f}, {len(features)} features; "
              f"excluded as protected/proxy: {', '.join(excluded) or 'none'}", file=sys.stderr)
        for model, values in scores.items():
            row: dict[str, object] = {"dataset": name, "model": model, "folds": len(values["auc"]),
                                      "fit_seconds": round(seconds[model], 1)}
            for metric in ("auc", "ks", "brier"):
                v = np.asarray(values[metric])
                half = 1.96 * v.std(ddof=1)
                row[metric] = {"mean": round(float(v.mean()), 4), "lo": round(float(v.mean() - half), 4),
                               "hi": round(float(v.mean() + half), 4)}
            rows.append(row)
    return rows


def table(rows: list[dict[str, object]]) -> str:
    lines = ["| dataset | model | AUC | KS | Brier | fit s |", "|---|---|---|---|---|---|"]
    for r in rows:
        cells = [f"{r[m]['mean']:.3f} [{r[m]['lo']:.3f}, {r[m]['hi']:.3f}]"  # type: ignore[index]
                 for m in ("auc", "ks", "brier")]
        lines.append(f"| {r['dataset']} | {r['model']} | " + " | ".join(cells) + f" | {r['fit_seconds']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--datasets", default=",".join(datasets.NAMES))
    parser.add_argument("--keep-protected", action="store_true")
    parser.add_argument("--json", action="store_true", help="print JSON lines instead of the table")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    started = time.perf_counter()
    rows = run(args.datasets.split(","), args.repeats, args.keep_protected)
    if args.json:
        for row in rows:
            print(json.dumps(row))
    else:
        print(table(rows))
    print(f"{args.repeats}x5-fold CV in {time.perf_counter() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
