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


def probability(features: pl.DataFrame, scorer: ScorecardSpec | challenger.GbmModel) -> np.ndarray:
    """Calibrated probability of the bad outcome, per row."""
    if isinstance(scorer, ScorecardSpec):
        return scorecard.probability(scorecard.points_matrix(features, scorer), scorer)
    return challenger.probability(features, scorer)


def reasons(features: pl.DataFrame, scorer: ScorecardSpec | challenger.GbmModel) -> pl.Series:
    """Top-3 adverse-action reason codes, per row (LightGBM: exact TreeSHAP, the costly part of scoring)."""
    if isinstance(scorer, ScorecardSpec):
        return scorecard.reason_codes(scorecard.points_matrix(features, scorer), scorer)
    return challenger.reason_codes(features, scorer)


def predict(features: pl.DataFrame, scorer: ScorecardSpec | challenger.GbmModel) -> tuple[np.ndarray, pl.Series]:
    """Calibrated probability and top-3 reason codes for every row."""
    return probability(features, scorer), reasons(features, scorer)


def check_features(features: pl.DataFrame, model: RiskModel) -> None:
    """A table missing any of the model's features is a user error, named with the columns."""
    missing = [f for f in model.features if f not in features.columns]
    if missing:
        raise UserError(f"the table lacks {', '.join(missing[:8])}{' ...' if len(missing) > 8 else ''} "
                        f"needed by model {model.name} v{model.version}")


def score_frame(features: pl.DataFrame, model: RiskModel, texts: bool = True,
                all_reasons: bool = False, reasons_given: bool = True) -> pl.DataFrame:
    """The input with `risk_score` (probability of the bad outcome), `risk_band`, `reason_codes` and, with
    `texts`, their text (the nightly batch keeps only the codes and skips the text).

    Reason codes explain a flag: they are given for the loans the model flags (band medium or high) and are an
    empty list for the low band, where the model asks nothing of the strategy (`all_reasons` gives them for every
    row, e.g. for an analyst's table). For LightGBM TreeSHAP costs ~150x the prediction, and most of a portfolio
    is in the low band. `reasons_given=False` leaves `reason_codes` null (not computed): the nightly run explains
    only the decisions the model made (`risk.batch.RegisteredScorer`)."""
    check_features(features, model)
    if features.height == 0:
        return features.with_columns(risk_score=pl.lit(None, pl.Float64), risk_band=pl.lit(None, pl.String),
                                     reason_codes=pl.lit(None, pl.List(pl.String)),
                                     reasons_en=pl.lit(None, pl.List(pl.String)),
                                     reasons_zh=pl.lit(None, pl.List(pl.String)))
    p = probability(features, model.scorer)
    cut = model.cutoffs
    band = np.where(p >= cut["high"], "high", np.where(p >= cut["medium"], "medium", "low"))
    if not reasons_given:
        codes = pl.Series("reason_codes", [None], dtype=pl.List(pl.String)).new_from_index(0, features.height)
    elif all_reasons:
        codes = reasons(features, model.scorer)
    else:
        flagged = band != "low"
        given = reasons(features.filter(pl.Series(flagged)), model.scorer) if flagged.any() else \
            pl.Series([], dtype=pl.List(pl.String))  # in row order of the flagged rows
        at = pl.Series(np.where(flagged, np.cumsum(flagged) - 1, -1)).replace(-1, None)
        codes = pl.select(pl.lit(given.gather(at)).fill_null(pl.lit([], dtype=pl.List(pl.String)))).to_series()
    scored = features.with_columns(
        risk_score=pl.Series(p, dtype=pl.Float64),
        risk_band=pl.Series(band),
        reason_codes=codes.alias("reason_codes"),
    )
    if not texts:
        return scored
    en = {f: reason_text(f, "en") for f in model.features}  # the texts' catalogues, read only when asked for
    zh = {f: reason_text(f, "zh") for f in model.features}
    return scored.with_columns(
        reasons_en=pl.col("reason_codes").list.eval(pl.element().replace_strict(en, return_dtype=pl.String)),
        reasons_zh=pl.col("reason_codes").list.eval(pl.element().replace_strict(zh, return_dtype=pl.String)),
    )
