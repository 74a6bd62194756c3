"""The work queue: today's decisions for the borrowers an agent may read, prioritised by risk and expected
recovery, filterable.

- risk: the model's probability of the bad outcome (`risk_score`) when a model is registered, else a value
  for the given risk band (low 0.15, medium 0.40, high 0.70, unknown 0.40);
- expected recovery if worked: overdue amount × (1 − risk);
- priority: overdue amount × risk (the amount at risk if nobody acts), so a large, risky arrears comes first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from duecare.privacy.permissions import Actor
from duecare.web.standing import standing_decisions

BAND_RISK = {"low": 0.15, "medium": 0.40, "high": 0.70}
DEFAULT_RISK = 0.40
WORK_ACTIONS = ("sms_reminder", "email_notice", "call", "visit_notice", "visit_approval", "visit_schedule",
                "legal_review", "specialist_review")
SORTS = ("priority", "recovery", "dpd", "overdue")


@dataclass(frozen=True)
class Filters:
    action: str = ""
    bucket: str = ""
    band: str = ""
    min_overdue: int = 0  # minor units
    q: str = ""  # what was typed: borrower id, loan id or phone
    matched: tuple[str, ...] = ()  # the borrowers `q` found (console.search), when q is set
    sort: str = "priority"
    include_idle: bool = False  # also loans with nothing to do (none / hold)


def queue_frame(decisions: pl.DataFrame) -> pl.DataFrame:
    """Risk, expected recovery and priority per loan, from a decision table."""
    if decisions.height == 0:
        return decisions
    band = pl.col("risk_band") if "risk_band" in decisions.columns else pl.lit(None, pl.String)
    band_risk = band.replace_strict(BAND_RISK, default=DEFAULT_RISK, return_dtype=pl.Float64)
    risk = (pl.col("risk_score").fill_null(band_risk) if "risk_score" in decisions.columns else band_risk)
    return decisions.with_columns(risk=risk, band=band).with_columns(
        expected_recovery_minor=(pl.col("overdue_minor") * (1 - pl.col("risk"))).round(0).cast(pl.Int64),
        priority=(pl.col("overdue_minor") * pl.col("risk")).round(0).cast(pl.Int64),
    )


def apply_filters(frame: pl.DataFrame, f: Filters) -> pl.DataFrame:
    if frame.height == 0:
        return frame
    out = frame
    if not f.include_idle:
        out = out.filter(pl.col("action").is_in(WORK_ACTIONS))
    if f.action:
        out = out.filter(pl.col("action") == f.action)
    if f.bucket:
        out = out.filter(pl.col("bucket") == f.bucket)
    if f.band:
        out = out.filter(pl.col("band") == f.band)
    if f.min_overdue:
        out = out.filter(pl.col("overdue_minor") >= f.min_overdue)
    if f.q:
        out = out.filter(pl.col("borrower_id").is_in(list(f.matched)))
    key = {"priority": "priority", "recovery": "expected_recovery_minor", "dpd": "dpd",
           "overdue": "overdue_minor"}.get(f.sort, "priority")
    return out.sort([key, "loan_id"], descending=[True, False])


PAGE_ROWS = 200


def work_queue(db: Session, actor: Actor, at: datetime, f: Filters, limit: int = PAGE_ROWS,
               offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """The rows to show (at most `limit`, from the `offset`-th in the queue's order) and how many matched.

    A search (`q`) shows only the borrowers it found; otherwise every readable borrower's. Each row is the one
    decision code path's, from the standing decisions (web/standing.py): re-decided when its borrower's facts
    are written, and at most a minute old."""
    if f.q and not f.matched:
        return [], 0
    decisions = standing_decisions(db, actor, at, list(f.matched) if f.q else None)
    frame = apply_filters(queue_frame(decisions), f)
    if frame.height == 0:
        return [], 0
    cols = ["loan_id", "borrower_id", "action", "reasons", "dpd", "bucket", "overdue_minor", "risk", "band",
            "expected_recovery_minor", "priority", "not_before", "timezone", "visit_unmet", "currency"]
    return frame.slice(offset, limit).select([c for c in cols if c in frame.columns]).to_dicts(), frame.height
