"""The registered early-warning model inside the nightly batch: scores every loan before the strategy reads it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import polars as pl

from duecare.kit.errors import UserError
from duecare.risk import registry
from duecare.risk.portfolio import history_features
from duecare.risk.scoring import score_frame

Scorer = Callable[[dict[str, pl.DataFrame], datetime, pl.DataFrame], pl.DataFrame]
DEFAULT_MODEL = "early_warning"


def model_inputs(frames: dict[str, pl.DataFrame], as_of: datetime, features: pl.DataFrame) -> pl.DataFrame:
    """The batch's feature table plus the history features the model was trained on (same definitions)."""
    return inputs_with_history(features, history_features(frames, as_of))


def inputs_with_history(features: pl.DataFrame, hist: pl.DataFrame) -> pl.DataFrame:
    """`model_inputs` from history features already at hand (`risk.portfolio.history_features`' table, or the
    same table kept day over day by the simulator)."""
    return features.join(hist, on="loan_id", how="left").with_columns(
        overdue_amount=pl.col("overdue_minor").cast(pl.Float64) / 100,
        overdue_ratio=pl.col("overdue_minor").cast(pl.Float64) / pl.col("typical_minor").cast(pl.Float64),
        unreachable=pl.col("unreachable").cast(pl.Int8),
    )


def registered_scorer(name: str = DEFAULT_MODEL, root: Path | None = None) -> Scorer | None:
    """A scorer for the latest registered version of `name`, or None when no model has been trained."""
    try:
        model = registry.load(name, root=root)
    except UserError:
        return None

    return RegisteredScorer(model)


class RegisteredScorer:
    """Scores a partition's feature table with one registered model; `model_id` names it (a run's manifest).

    `reasons`: `flagged` gives reason codes for the medium and high bands (a case page, the API, the simulator);
    `decided` leaves them null while scoring and the nightly run asks `explain` for the loans whose decision the
    model made (`batch.engine.partition_outputs`): TreeSHAP is the costly part of scoring, and most flagged loans
    are decided by lines that never read the model."""

    def __init__(self, model: registry.RiskModel, reasons: str = "flagged") -> None:
        if reasons not in ("flagged", "decided"):
            raise ValueError(f"reasons must be flagged or decided, not {reasons!r}")
        self.model = model
        self.model_id = f"{model.name}@{model.version}"
        self.reasons = reasons

    def explaining(self, reasons: str) -> RegisteredScorer:
        """The same model with another `reasons` setting."""
        return RegisteredScorer(self.model, reasons)

    def __call__(self, frames: dict[str, pl.DataFrame], as_of: datetime, features: pl.DataFrame) -> pl.DataFrame:
        return self.score_with_history(features, history_features(frames, as_of))

    def score_with_history(self, features: pl.DataFrame, hist: pl.DataFrame) -> pl.DataFrame:
        """The incremental API: what `self(frames, as_of, features)` returns, given the history features of the
        same frames at the same as_of (`risk.portfolio.history_features`' table, at least for the loans of
        `features`) instead of recomputing them from the frames. The simulator keeps them day over day."""
        model = self.model
        inputs = inputs_with_history(features, hist)
        scored = score_frame(inputs.select("loan_id", *model.features), model, texts=False,
                             reasons_given=self.reasons == "flagged")
        return features.join(
            scored.select("loan_id", "risk_score", "risk_band", "reason_codes")
            .with_columns(risk_model=pl.lit(self.model_id)),
            on="loan_id", how="left")

    def explain(self, frames: dict[str, pl.DataFrame], as_of: datetime, features: pl.DataFrame,
                hist: pl.DataFrame | None = None) -> pl.DataFrame:
        """(loan_id, reason_codes) of a feature table's loans, scored as `flagged` would: what `self(frames, as_of,
        features)` gives them with reasons. `frames` need hold only those loans' borrowers (borrower-complete);
        `hist`: their history features when at hand (`policy.evaluator.features_and_history`)."""
        hist = hist if hist is not None else history_features(frames, as_of)
        scored = self.explaining("flagged").score_with_history(features, hist)
        return scored.select("loan_id", "reason_codes")


_production: dict[tuple[Path, str | None], Scorer | None] = {}


def production_scorer(root: Path | None = None) -> Scorer | None:
    """The production scorer: the latest registered `early_warning` model, or None when none is trained.

    The one loader behind every decision (the nightly batch, the outbox re-check, the visit gate, pages): the
    composition root (duecare/bootstrap.py) hands it out, and code below it that is not handed one gets the very
    same object here. Loaded once per registered version: training a new version is picked up at the next call.
    """
    base = root or registry.default_root()
    key = (base, registry.latest_version(DEFAULT_MODEL, base))
    if key not in _production:
        _production.clear()
        _production[key] = registered_scorer(root=base) if key[1] is not None else None
    return _production[key]
