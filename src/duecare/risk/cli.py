"""`duecare risk train|evaluate|score|monitor|fairness`: JSON on stdout, messages on stderr."""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer

from duecare.kit import clock
from duecare.kit.errors import UserError

risk = typer.Typer(help="Risk models: train, evaluate, score, monitor, fairness.", no_args_is_help=True)

Name = Annotated[str, typer.Option(help="model name in the registry")]
Version = Annotated[str | None, typer.Option(help="model version (default: latest)")]
Registry = Annotated[Path | None, typer.Option(help="registry root (default: <data dir>/models)")]
Portfolio = Annotated[Path | None, typer.Option(help="portfolio directory (docs/data-format.md)")]
AsOf = Annotated[list[str] | None, typer.Option("--as-of", help="snapshot instant(s), ISO 8601; repeatable")]


def _emit(payload: Any) -> None:
    print(json.dumps(payload, ensure_ascii=False, default=str))


def parse_as_of(text: str) -> datetime:
    """ISO date or datetime; a value without offset is read as UTC."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(f"--as-of {text!r} is not ISO 8601 (e.g. 2026-06-30 or 2026-06-30T00:00:00+08:00)") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def default_snapshots(frames: dict[str, pl.DataFrame], count: int = 4) -> list[datetime]:
    """Monthly snapshots ending 31 days before the last event (see duecare.risk.portfolio)."""
    from duecare.risk import portfolio

    try:
        return portfolio.default_snapshots(frames, count)
    except ValueError:
        raise UserError("the portfolio has no payments or contacts: pass --as-of") from None


def _portfolio_table(directory: Path, as_of: list[str] | None, target: str) -> tuple[pl.DataFrame, list[datetime]]:
    from duecare.ledger.frames import read_portfolio
    from duecare.risk.portfolio import training_table

    frames = read_portfolio(directory)
    snapshots = [parse_as_of(a) for a in as_of] if as_of else default_snapshots(frames)
    print(f"building features at {len(snapshots)} snapshot(s) ...", file=sys.stderr)
    return training_table(frames, snapshots, target), snapshots


def _table(dataset: str | None, portfolio: Path | None, as_of: list[str] | None,
           target: str) -> tuple[pl.DataFrame, str, list[str], dict[str, Any]]:
    """(table, target column, candidate features, provenance) from a real data set or a portfolio."""
    if dataset and portfolio:
        raise UserError("give either --dataset or --portfolio, not both")
    if dataset:
        from duecare.risk.datasets import load

        data = load(dataset)
        return data.frame, data.target, data.features, {"source": f"dataset:{dataset}",
                                                       "dropped_leaking": list(data.dropped)}
    if portfolio:
        from duecare.risk.portfolio import MODEL_FEATURES

        table, snapshots = _portfolio_table(portfolio, as_of, target)
        return table, target, list(MODEL_FEATURES), {"source": f"portfolio:{portfolio}",
                                                     "snapshots": [s.isoformat() for s in snapshots]}
    raise UserError("give --dataset NAME (real credit data) or --portfolio DIR")


@risk.command()
def train(name: Name, model: Annotated[str, typer.Option(help="scorecard or lightgbm")] = "scorecard",
          dataset: Annotated[str | None, typer.Option(help="real data set name")] = None,
          portfolio: Portfolio = None, as_of: AsOf = None,
          target: Annotated[str, typer.Option(help="portfolio target")] = "roll_30dpd_30d",
          registry: Registry = None) -> None:
    """Train a model and register a new version."""
    from duecare.risk.training import train as train_model

    if model not in ("scorecard", "lightgbm"):
        raise UserError(f"--model {model!r}: choose scorecard or lightgbm")
    table, target_col, candidates, provenance = _table(dataset, portfolio, as_of, target)
    started = time.perf_counter()
    fitted = train_model(table, target_col, candidates, kind=model, name=name, root=registry,  # type: ignore[arg-type]
                         extra=provenance)
    print(f"trained {name} v{fitted.version} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    _emit(fitted.metadata)


@risk.command()
def evaluate(name: Name, version: Version = None, dataset: Annotated[str | None, typer.Option()] = None,
             portfolio: Portfolio = None, as_of: AsOf = None, registry: Registry = None) -> None:
    """Measure a registered model on data: AUC, KS, Brier and a calibration table."""
    import numpy as np

    from duecare.risk import metrics
    from duecare.risk import registry as reg
    from duecare.risk.scoring import check_features, probability

    fitted = reg.load(name, version, registry)
    table, target_col, _, provenance = _table(dataset, portfolio, as_of, fitted.metadata["target"])
    check_features(table, fitted)
    y = table.get_column(target_col).cast(pl.Int8).to_numpy()
    p = probability(table, fitted.scorer)
    deciles = np.quantile(p, np.linspace(0, 1, 11))
    groups = np.clip(np.searchsorted(deciles[1:-1], p, side="right"), 0, 9)
    calibration = [{"decile": int(g) + 1, "n": int((groups == g).sum()), "mean_predicted": float(p[groups == g].mean()),
                    "observed": float(y[groups == g].mean())} for g in np.unique(groups)]
    _emit({"model": name, "version": fitted.version, **provenance, **metrics.summary(y, p), "calibration": calibration})


@risk.command()
def score(name: Name, version: Version = None,
          input: Annotated[Path | None, typer.Option(help="feature table (Parquet)")] = None,
          portfolio: Portfolio = None, as_of: Annotated[str | None, typer.Option()] = None,
          out: Annotated[Path | None, typer.Option(help="write the scored table here (Parquet)")] = None,
          all_reasons: Annotated[bool, typer.Option(
              "--all-reasons", help="reason codes for every row (default: for the flagged bands, medium and high)")
          ] = False,
          registry: Registry = None) -> None:
    """Score a feature table or a portfolio snapshot: risk_score, risk_band, reason codes."""
    from duecare.risk import registry as reg
    from duecare.risk.scoring import score_frame

    fitted = reg.load(name, version, registry)
    if input is not None:
        if not input.exists():
            raise UserError("feature table not found", place=str(input))
        features = pl.read_parquet(input)
    elif portfolio is not None:
        from duecare.ledger.frames import read_portfolio
        from duecare.risk.portfolio import model_features

        when = parse_as_of(as_of) if as_of else clock.now()
        features = model_features(read_portfolio(portfolio), when)
    else:
        raise UserError("give --input FEATURES.parquet or --portfolio DIR")
    started = time.perf_counter()
    scored = score_frame(features, fitted, all_reasons=all_reasons)
    seconds = time.perf_counter() - started
    if out is not None:
        scored.write_parquet(out)
    bands = dict(scored.group_by("risk_band").len().iter_rows())
    _emit({"model": name, "version": fitted.version, "rows": scored.height, "seconds": round(seconds, 3),
           "rows_per_second": round(scored.height / seconds) if seconds else None, "bands": bands,
           "out": str(out) if out else None})


def _scored(path: Path, fitted: Any) -> pl.DataFrame:
    from duecare.risk.scoring import score_frame

    if not path.exists():
        raise UserError("file not found", place=str(path))
    frame = pl.read_parquet(path)
    return frame if "risk_score" in frame.columns else score_frame(frame, fitted)


@risk.command()
def monitor(name: Name, reference: Annotated[Path, typer.Option(help="reference feature/scored table")],
            current: Annotated[Path, typer.Option(help="current feature/scored table")],
            version: Version = None, registry: Registry = None,
            period: Annotated[str, typer.Option(help="column that splits time for AUC drift")] = "as_of") -> None:
    """PSI per feature and for the score, and AUC drift over time, as JSON."""
    from duecare.risk import registry as reg
    from duecare.risk.monitor import auc_drift, stability_report

    fitted = reg.load(name, version, registry)
    ref, cur = _scored(reference, fitted), _scored(current, fitted)
    report = stability_report(ref, cur, fitted.features)
    target = fitted.metadata["target"]
    both = pl.concat([ref, cur], how="diagonal_relaxed")
    if target in both.columns and period in both.columns:
        report["auc_drift"] = auc_drift(both, target, period)
    _emit({"model": name, "version": fitted.version, **report})


@risk.command()
def fairness(name: Name, portfolio: Annotated[Path, typer.Option(help="portfolio directory with truth.parquet")],
             as_of: Annotated[str | None, typer.Option()] = None, version: Version = None,
             registry: Registry = None,
             decisions: Annotated[Path | None, typer.Option(help="decisions (loan_id, action) for treatments")] = None,
             threshold: Annotated[float, typer.Option(help="rate ratio below which a review is needed")] = 0.8) -> None:
    """Protected-attribute check of the features and disparity per group."""
    from duecare.ledger.frames import read_portfolio
    from duecare.risk import fairness as fair
    from duecare.risk import registry as reg
    from duecare.risk.portfolio import model_features
    from duecare.risk.scoring import score_frame

    fitted = reg.load(name, version, registry)
    truth_path = portfolio / "truth.parquet"
    if not truth_path.exists():
        raise UserError("truth.parquet (borrower_id, group) not found: fairness needs a group attribute",
                        place=str(portfolio))
    frames = read_portfolio(portfolio)
    when = parse_as_of(as_of) if as_of else default_snapshots(frames, 1)[0]
    scored = score_frame(model_features(frames, when), fitted)
    scored = scored.join(pl.read_parquet(truth_path).select("borrower_id", "group"), on="borrower_id", how="left")
    treatments: tuple[str, ...] = ()
    if decisions is not None:
        acts = pl.read_parquet(decisions).select("loan_id", "action")
        scored = scored.join(acts, on="loan_id", how="left").with_columns(
            visit_proposed=pl.col("action").is_in(["visit_notice", "visit_approval", "visit_schedule"]).fill_null(False),
            hold=(pl.col("action") == "hold").fill_null(False))
        treatments = ("visit_proposed", "hold")
    flags = fair.flag_protected(fitted.features)
    report = fair.disparity_report(scored, treatments=treatments, threshold=threshold)
    _emit({"model": name, "version": fitted.version, "as_of": when.isoformat(),
           "protected_features": [{"column": f.column, "reason": f.reason} for f in flags], **report})


def register(app: typer.Typer) -> None:
    """Add the `risk` command group to the root CLI."""
    app.add_typer(risk, name="risk")
