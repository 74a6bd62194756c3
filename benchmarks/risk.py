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


def _fold(x: pl.DataFrame, y: np.ndarray, train_idx: np.ndarray, test_idx: np.ndarray,
          threads: int) -> dict[str, tuple[dict[str, float], float]]:
    """Fit every model on one training fold and measure it on the held-out fold."""
    warnings.filterwarnings("ignore")
    challenger.PARAMS["num_threads"] = threads
    out = {}
    for model, fit in MODELS.items():
        started = time.perf_counter()
        p = fit(x[train_idx], y[train_idx], x[test_idx])
        out[model] = (metrics.summary(y[test_idx], p), time.perf_counter() - started)
    return out


def run(names: list[str], repeats: int, keep_protected: bool, jobs: int) -> list[dict[str, object]]:
    from joblib import Parallel, delayed
    from sklearn.model_selection import RepeatedStratifiedKFold

    rows = []
    for name in names:
        data = datasets.load(name)
        features = data.features if keep_protected else fairness.allowed_features(data.features)
        y = data.frame.get_column(data.target).to_numpy()
        x = data.frame.select(features)
        folds = RepeatedStratifiedKFold(n_splits=5, n_repeats=repeats, random_state=0)
        threads = max(1, 2 // jobs)
        results = Parallel(n_jobs=jobs)(delayed(_fold)(x, y, tr, te, threads)
                                        for tr, te in folds.split(np.zeros(len(y)), y))
        scores: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        seconds: dict[str, float] = defaultdict(float)
        for result in results:
            for model, (summary, spent) in result.items():
                seconds[model] += spent
                for metric, value in summary.items():
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
            print(json.dumps(row), file=sys.stderr, flush=True)
    return rows


def single_split(names: list[str]) -> None:
    """The issue's baseline protocol: one stratified 70/30 split with seed 0, AUC per model."""
    from sklearn.model_selection import train_test_split

    print("\n70/30 stratified split, seed 0 (protocol of the quoted baselines):\n| dataset | "
          + " | ".join(MODELS) + " |\n|---|" + "---|" * len(MODELS))
    for name in names:
        data = datasets.load(name)
        x = data.frame.select(fairness.allowed_features(data.features))
        y = data.frame.get_column(data.target).to_numpy()
        tr, te = train_test_split(np.arange(len(y)), test_size=0.3, random_state=0, stratify=y)
        aucs = [metrics.auc(y[te], fit(x[tr], y[tr], x[te])) for fit in MODELS.values()]
        print(f"| {name} | " + " | ".join(f"{a:.3f}" for a in aucs) + " |", flush=True)


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
    parser.add_argument("--jobs", type=int, default=2, help="folds fitted in parallel processes")
    parser.add_argument("--json", action="store_true", help="print JSON lines instead of the table")
    parser.add_argument("--synthetic", help="also evaluate early warning on this generated portfolio directory")
    parser.add_argument("--snapshots", type=int, default=4, help="monthly snapshots for --synthetic")
    parser.add_argument("--score-rows", type=int, default=0, help="with --synthetic: time scoring this many rows")
    parser.add_argument("--split", action="store_true", help="also the single 70/30 seed-0 split AUCs")
    parser.add_argument("--skip-real", action="store_true", help="only the --synthetic part")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    if args.synthetic:
        synthetic(args.synthetic, args.snapshots)
        if args.score_rows:
            score_rate(args.synthetic, args.score_rows)
        if args.skip_real:
            return
    started = time.perf_counter()
    rows = run(args.datasets.split(","), args.repeats, args.keep_protected, args.jobs)
    if args.split:
        single_split(args.datasets.split(","))
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



def score_rate(directory: str, rows: int) -> None:
    """Rows per second of score_frame (probability, band, 3 reason codes, bilingual text) on `rows` loans."""
    import tempfile
    from pathlib import Path

    from duecare.ledger.frames import read_portfolio
    from duecare.risk import portfolio, registry
    from duecare.risk.scoring import band_cutoffs, predict, score_frame

    frames = read_portfolio(directory)
    dates = portfolio.default_snapshots(frames, 2)
    table = portfolio.training_table(frames, dates, "roll_30dpd_30d")
    feats = fairness.allowed_features(portfolio.MODEL_FEATURES)
    y = table.get_column("roll_30dpd_30d").to_numpy()
    snapshot = portfolio.model_features(frames, dates[-1])
    big = snapshot.sample(rows, with_replacement=True, seed=0)
    print(f"\nscoring rate on {rows:,} loan rows (resampled from a {snapshot.height}-loan snapshot):")
    with tempfile.TemporaryDirectory() as tmp:
        for kind, fitted in (("scorecard", scorecard.fit_scorecard(table.select(feats), y)),
                             ("lightgbm", challenger.fit_gbm(table.select(feats), y))):
            p, _ = predict(table.select(feats), fitted)
            model = registry.save(fitted, kind, {"target": "roll_30dpd_30d", "cutoffs": band_cutoffs(p)}, Path(tmp))
            sample = big if kind == "scorecard" else big.head(max(1, rows // 5))  # TreeSHAP reasons are slow
            started = time.perf_counter()
            scored = score_frame(sample, model)
            seconds = time.perf_counter() - started
            print(f"  {kind}: {scored.height:,} rows in {seconds:.1f} s = {scored.height / seconds:,.0f} rows/s")


if __name__ == "__main__":
    main()
