"""Repeated stratified 5-fold CV of the risk models on real credit data: AUC, KS, Brier (mean, 95% interval).

Run `make risk-data` first. Usage: python benchmarks/risk.py [--repeats 3] [--datasets a,b] [--keep-protected] [--synthetic DIR]
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
    parser.add_argument("--synthetic", help="also evaluate early warning on this generated portfolio directory")
    parser.add_argument("--snapshots", type=int, default=4, help="monthly snapshots for --synthetic")
    parser.add_argument("--skip-real", action="store_true", help="only the --synthetic part")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    if args.synthetic:
        synthetic(args.synthetic, args.snapshots)
        if args.skip_real:
            return
    started = time.perf_counter()
    rows = run(args.datasets.split(","), args.repeats, args.keep_protected)
    if args.json:
        for row in rows:
            print(json.dumps(row))
    else:
        print(table(rows))
    print(f"{args.repeats}x5-fold CV in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def synthetic(directory: str, snapshots: int) -> None:
    """Early warning on a generated portfolio vs an oracle that knows each borrower's true segment."""
    from duecare.ledger.frames import read_portfolio
    from duecare.risk import portfolio

    frames = read_portfolio(directory)
    dates = portfolio.default_snapshots(frames, snapshots)
    started = time.perf_counter()
    table = portfolio.training_table(frames, dates, "roll_30dpd_30d")
    build = time.perf_counter() - started
    truth = pl.read_parquet(f"{directory}/truth.parquet").select("borrower_id", "segment")
    table = table.join(truth, on="borrower_id", how="left")
    last = table.get_column("as_of").max()
    test = (table.get_column("as_of") == last).to_numpy()
    y = table.get_column("roll_30dpd_30d").to_numpy()
    feats = fairness.allowed_features(portfolio.MODEL_FEATURES)
    x = table.select(feats)
    segment = table.select("segment")
    with_segment = table.select(*feats, "segment")
    tr, te = np.flatnonzero(~test), np.flatnonzero(test)
    results = {
        "scorecard (features)": woe_scorecard(x[tr], y[tr], x[te]),
        "lightgbm (features)": lightgbm(x[tr], y[tr], x[te]),
        "oracle: segment only": logistic_baseline(segment[tr], y[tr], segment[te]),
        "oracle: features + segment": lightgbm(with_segment[tr], y[tr], with_segment[te]),
    }
    print(f"\nsynthetic {directory}: {len(dates)} monthly snapshots, {table.height} loan-snapshots "
          f"(features built in {build:.0f} s); train {len(tr)} rows before {last:%Y-%m-%d}, "
          f"test {len(te)} rows at {last:%Y-%m-%d}, roll-to-30+DPD-in-30-days rate {y[te].mean():.3f}")
    late = table.get_column("dpd").to_numpy()[te] > 0
    print(f"(the 1–29 DPD slice: {late.sum()} test rows, roll rate {y[te][late].mean():.3f})")
    print("| model | AUC | KS | Brier | AUC within 1–29 DPD |\n|---|---|---|---|---|")
    for model, p in results.items():
        m = metrics.summary(y[te], p)
        print(f"| {model} | {m['auc']:.3f} | {m['ks']:.3f} | {m['brier']:.4f} | {metrics.auc(y[te][late], p[late]):.3f} |")


if __name__ == "__main__":
    main()
