"""Model features and targets on a portfolio, point-in-time correct, as pure polars functions.

Features at `as_of` read only installments (the schedule, known at disbursement) and payments and contacts
at or before as_of; `loan_features` (ageing + contact features) already filters them. Targets read the
30 days (7 for propensity) after as_of and are only ever joined to features of the same as_of.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import polars as pl

from duecare.ageing.ageing import installment_coverage, loan_clock, payments_until
from duecare.features.contacts import REMOTE_CHANNELS, WINDOWS, loan_features
from duecare.features.history import (
    INSTALLMENT_AGGS,
    PAYMENT_AGGS,
    contact_aggregates,
    history_table,
)

# simulate/history.py reads these here
from duecare.features.history import PROPENSITY_DAYS as PROPENSITY_DAYS
from duecare.features.history import history_columns as history_columns

Frames = dict[str, pl.DataFrame]
HORIZON_DAYS = 30
TARGETS = ("roll_30dpd_30d", "cure_30d", "pay_7d_after_contact")

CONTACT_FEATURES = [f"{k}_{c}_{w}" for k in ("attempts", "unsuccessful") for c in REMOTE_CHANNELS for w in WINDOWS]
MODEL_FEATURES = [
    "dpd", "overdue_amount", "overdue_ratio", "episodes_12m", "max_dpd_12m", "days_to_next_due", "unreachable",
    *CONTACT_FEATURES, "remote_channels_failed_30d", "days_since_last_rpc",
    "payments_30d", "days_since_last_payment", "paid_ratio_90d", "rpc_30d", "ptp_90d", "refused_90d",
    "dispute_90d", "installments_due", "loan_age_days",
]


def history_features(frames: Frames, as_of: datetime) -> pl.DataFrame:
    """Per loan: payment behaviour, contact outcomes and loan age, from data up to as_of only (the aggregations of
    `features.history`, over rows built here; the nightly run computes the same table inside its decision
    features' passes: `policy.evaluator.features_and_history`)."""
    clocked = loan_clock(frames["loans"], frames["borrowers"], as_of)
    clock = clocked.lazy()
    pay = (payments_until(frames["payments"], clocked).lazy()
           .join(clock.select("loan_id", "as_of_utc"), on="loan_id")
           .group_by("loan_id").agg(**PAYMENT_AGGS))
    inst = (frames["installments"].lazy().join(clock.select("loan_id", "today"), on="loan_id")
            .group_by("loan_id").agg(**INSTALLMENT_AGGS))
    contacts = (
        clock.select("loan_id", "borrower_id", "as_of_utc")
        .join(frames["contacts"].lazy().rename({"loan_id": "contact_loan_id"}), on="borrower_id")
        .filter((pl.col("at") <= pl.col("as_of_utc"))
                & (pl.col("contact_loan_id").is_null() | (pl.col("contact_loan_id") == pl.col("loan_id"))))
    )
    per_loan = (clock.select("loan_id", "as_of_utc", "today")
                .join(pay, on="loan_id", how="left").join(inst, on="loan_id", how="left"))
    return history_table(per_loan, contact_aggregates(contacts)).collect()


def model_features(frames: Frames, as_of: datetime) -> pl.DataFrame:
    """The early-warning/propensity feature table at as_of: DESIGN.md features plus history features."""
    base = loan_features(frames, as_of)
    hist = history_features(frames, as_of)
    return (
        base.join(hist, on="loan_id", how="left")
        .with_columns(
            overdue_amount=pl.col("overdue_minor").cast(pl.Float64) / 100,
            overdue_ratio=pl.col("overdue_minor").cast(pl.Float64) / pl.col("typical_minor").cast(pl.Float64),
            unreachable=pl.col("unreachable").cast(pl.Int8),
            as_of=pl.lit(as_of).dt.convert_time_zone("UTC"),
        )
        .select("loan_id", "borrower_id", "as_of", *MODEL_FEATURES, "recent_outbound")
    )


def targets(frames: Frames, as_of: datetime, horizon_days: int = HORIZON_DAYS) -> pl.DataFrame:
    """Outcomes after as_of, per loan (null where the loan is outside a target's population).

    - roll_30dpd_30d (early warning), for active loans below 30 DPD at as_of (overdue, or an installment
      falls due in [today, today+30]): on some local day t in
      (today, today+30] an installment has due_date ≤ t−30 and is not covered by t.
    - cure_30d, for loans overdue at as_of: every installment due before today is covered by today+30.
    - pay_7d_after_contact (propensity), for overdue loans with an outbound remote contact in the 7 days up
      to as_of: a payment in (as_of, as_of+7d].
    """
    now = loan_ageing_dpd(frames, as_of)
    later = loan_clock(frames["loans"], frames["borrowers"], as_of + timedelta(days=horizon_days))
    paid_later = payments_until(frames["payments"], later)
    covered = installment_coverage(frames["installments"], paid_later).join(
        now.select("loan_id", "today"), on="loan_id")
    end = pl.col("today") + pl.duration(days=horizon_days)
    first_day = pl.max_horizontal(pl.col("due_date") + pl.duration(days=30), pl.col("today") + pl.duration(days=1))
    per_loan = covered.group_by("loan_id").agg(
        rolls=((first_day <= end) & (pl.col("covered_on").is_null() | (pl.col("covered_on") > first_day))).any(),
        # coverage was computed with payments up to as_of + horizon, so "covered" means covered in time
        cures=pl.col("covered_on").filter(pl.col("due_date") < pl.col("today")).is_not_null().all(),
    )
    due_soon = frames["installments"].join(now.select("loan_id", "today"), on="loan_id").group_by("loan_id").agg(
        active=((pl.col("due_date") >= pl.col("today")) & (pl.col("due_date") <= end)).any())
    week = frames["payments"].join(now.select("loan_id", "as_of_utc"), on="loan_id").filter(
        (pl.col("paid_at") > pl.col("as_of_utc"))
        & (pl.col("paid_at") <= pl.col("as_of_utc") + pl.duration(days=PROPENSITY_DAYS))
    ).group_by("loan_id").agg(paid_week=pl.lit(True).any())
    contacted = history_features(frames, as_of).select("loan_id", "recent_outbound")
    return (
        now.join(per_loan, on="loan_id", how="left").join(week, on="loan_id", how="left")
        .join(due_soon, on="loan_id", how="left")
        .join(contacted, on="loan_id", how="left")
        .select(
            "loan_id",
            roll_30dpd_30d=pl.when((pl.col("dpd") < 30) & ((pl.col("dpd") > 0) | pl.col("active"))).then(pl.col("rolls").fill_null(False).cast(pl.Int8)),
            cure_30d=pl.when(pl.col("dpd") > 0).then(pl.col("cures").fill_null(False).cast(pl.Int8)),
            pay_7d_after_contact=pl.when((pl.col("dpd") > 0) & pl.col("recent_outbound"))
            .then(pl.col("paid_week").fill_null(False).cast(pl.Int8)),
        )
    )


def default_snapshots(frames: Frames, count: int = 4) -> list[datetime]:
    """Monthly snapshots ending 31 days before the last recorded event, so every target window is observed."""
    stamps = [frames["payments"].get_column("paid_at").max(), frames["contacts"].get_column("at").max()]
    last = max((s for s in stamps if s is not None), default=None)
    if last is None:
        raise ValueError("the portfolio has no payments or contacts")
    end: datetime = last - timedelta(days=31)  # type: ignore[operator,assignment]
    return [end - timedelta(days=30 * k) for k in reversed(range(count))]


def loan_ageing_dpd(frames: Frames, as_of: datetime) -> pl.DataFrame:
    """DPD at as_of with the clock columns (the population filter of each target)."""
    from duecare.ageing.ageing import loan_ageing

    return loan_ageing(frames, as_of).select("loan_id", "as_of_utc", "today", "dpd")


def training_table(frames: Frames, as_ofs: Iterable[datetime], target: str) -> pl.DataFrame:
    """Stacked (features, target) rows over several snapshot dates, keeping only the target's population."""
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r}; choose one of {TARGETS}")
    parts = []
    for as_of in as_ofs:
        feats = model_features(frames, as_of)
        outcome = targets(frames, as_of).select("loan_id", target)
        parts.append(feats.join(outcome, on="loan_id").filter(pl.col(target).is_not_null()))
    return pl.concat(parts)
