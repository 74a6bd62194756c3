"""Vectorised scoring for the batch: probability, band and adverse-action reason codes per row."""

from __future__ import annotations

import numpy as np
import polars as pl

from duecare.kit.errors import UserError
from duecare.risk import challenger, scorecard
from duecare.risk.labels import reason_text
from duecare.risk.registry import RiskModel
from duecare.risk.scorecard import ScorecardSpec

BANDS = ("low", "medium", "high")


def band_cutoffs(p: np.ndarray, medium_share: float = 0.3, high_share: float = 0.2) -> dict[str, float]:
    """Cut-offs on the training probabilities: high = the riskiest `high_share` but never below twice the mean
    (bad rate), medium = the next `medium_share` but never below the mean. On a rare target (early warning,
    3% bad) the floors keep near-zero probabilities out of medium and high."""
    base = float(np.mean(p))
    return {"medium": max(float(np.quantile(p, 1 - high_share - medium_share)), base),
            "high": max(float(np.quantile(p, 1 - high_share)), 2 * base)}


def predict(features: pl.DataFrame, scorer: ScorecardSpec | challenger.GbmModel) -> tuple[np.ndarray, pl.Series]:
    """Calibrated probability and top-3 reason codes."""
    if isinstance(scorer, ScorecardSpec):
        points = scorecard.points_matrix(features, scorer)
        return scorecard.probability(points, scorer), scorecard.reason_codes(points, scorer)
    return challenger.probability(features, scorer), challenger.reason_codes(features, scorer)


def check_features(features: pl.DataFrame, model: RiskModel) -> None:
    """A table missing any of the model's features is a user error, named with the columns."""
    missing = [f for f in model.features if f not in features.columns]
    if missing:
        raise UserError(f"the table lacks {', '.join(missing[:8])}{' ...' if len(missing) > 8 else ''} "
                        f"needed by model {model.name} v{model.version}")


def score_frame(features: pl.DataFrame, model: RiskModel, texts: bool = True) -> pl.DataFrame:
    """The input with `risk_score` (probability of the bad outcome), `risk_band`, `reason_codes` and, with
    `texts`, their text (the nightly batch keeps only the codes and skips the text)."""
    check_features(features, model)
    if features.height == 0:
        return features.with_columns(risk_score=pl.lit(None, pl.Float64), risk_band=pl.lit(None, pl.String),
                                     reason_codes=pl.lit(None, pl.List(pl.String)),
                                     reasons_en=pl.lit(None, pl.List(pl.String)),
                                     reasons_zh=pl.lit(None, pl.List(pl.String)))
    p, reasons = predict(features, model.scorer)
    cut = model.cutoffs
    en = {f: reason_text(f, "en") for f in model.features}
    zh = {f: reason_text(f, "zh") for f in model.features}
    scored = features.with_columns(
        risk_score=pl.Series(p, dtype=pl.Float64),
        risk_band=pl.Series(np.where(p >= cut["high"], "high", np.where(p >= cut["medium"], "medium", "low"))),
        reason_codes=reasons,
    )
    if not texts:
        return scored
    return scored.with_columns(
        reasons_en=pl.col("reason_codes").list.eval(pl.element().replace_strict(en, return_dtype=pl.String)),
        reasons_zh=pl.col("reason_codes").list.eval(pl.element().replace_strict(zh, return_dtype=pl.String)),
    )
