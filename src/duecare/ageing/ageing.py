"""Ageing per DESIGN.md: FIFO coverage, DPD, overdue amount, buckets, episodes — pure columnar functions.

Each function is named after what it produces and takes the frames it needs; no I/O inside.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from duecare.kit.columns import run
from duecare.kit.localtime import local_date, local_naive

BUCKETS = ("current", "1-30", "31-60", "61-90", "91-180", "181+")
EPISODE_WINDOW_DAYS = 365
CUM_BITS = 40  # cumulative amounts per loan below 2**40 minor units (11 billion in the currency)


def zones_of(borrowers: pl.DataFrame) -> list[str]:
    return sorted(z for z in borrowers["timezone"].unique().to_list() if z is not None)


def loan_clock(loans: pl.DataFrame, borrowers: pl.DataFrame, as_of: datetime) -> pl.DataFrame:
    """Per loan: the borrower's zone, the decision instant, its local wall-clock time and local date `today`."""
    zones = zones_of(borrowers)
    now = pl.lit(as_of).dt.convert_time_zone("UTC")
    return (
        loans.lazy().select("loan_id", "borrower_id")
        .join(borrowers.lazy().select("borrower_id", "timezone"), on="borrower_id", how="left")
        .with_columns(as_of_utc=now)
        .with_columns(as_of_local=local_naive(pl.col("as_of_utc"), pl.col("timezone"), zones))
        .with_columns(today=pl.col("as_of_local").dt.date())
        .pipe(run, loans.height)
    )


def payments_until(payments: pl.DataFrame, clock: pl.DataFrame) -> pl.DataFrame:
    """Payments up to as_of (later ones are ignored) with their borrower-local date."""
    zones = sorted(z for z in clock["timezone"].unique().to_list() if z is not None)
    return (
        payments.lazy().join(clock.lazy().select("loan_id", "timezone", "as_of_utc"), on="loan_id", how="inner")
        .filter(pl.col("paid_at") <= pl.col("as_of_utc"))
        .with_columns(paid_on=local_date(pl.col("paid_at"), pl.col("timezone"), zones))
        .select("loan_id", "paid_at", "paid_on", "amount_minor")
        .pipe(run, payments.height)
    )


def installment_coverage(installments: pl.DataFrame, paid: pl.DataFrame,
                         loans: pl.DataFrame | None = None) -> pl.DataFrame:
    """Each installment with `covered_on`: the local date cumulative payments first reach its cumulative amount.

    Both sides are keyed by (loan number, cumulative amount) packed into one unsigned integer, so a single
    binary search over all payments finds, for every installment at once, the first payment that covers it.
    """
    ids = loans.select("loan_id") if loans is not None else pl.concat(
        [installments.select("loan_id"), paid.select("loan_id")]).unique()
    loan_no = ids.with_row_index("loan_no")
    inst = (
        installments.join(loan_no, on="loan_id", how="inner")
        .sort("loan_no", "due_date", "seq")
        .with_columns(cum_due=pl.col("amount_minor").cum_sum().over("loan_no"))
    )
    pays = (
        paid.join(loan_no, on="loan_id", how="inner")
        .sort("loan_no", "paid_at")
        .with_columns(cum_paid=pl.col("amount_minor").cum_sum().over("loan_no"))
    )
    shift = 1 << CUM_BITS
    inst_no = inst["loan_no"].cast(pl.UInt64)
    pay_no = pays["loan_no"].cast(pl.UInt64)
    inst_key = inst_no * shift + inst["cum_due"].cast(pl.UInt64, wrap_numerical=True)
    pay_key = pay_no * shift + pays["cum_paid"].cast(pl.UInt64, wrap_numerical=True)
    pos = pay_key.search_sorted(inst_key, side="left").cast(pl.Int64).alias("pos")
    keys = pl.DataFrame({"pos": pos, "inst_no": inst_no})
    found = pay_no.gather(pos.clip(upper_bound=max(pays.height - 1, 0))) if pays.height else \
        pl.repeat(None, inst.height, dtype=pl.UInt64, eager=True)
    match = keys.with_columns(found=found).select(
        match=pl.when((pl.col("pos") < pays.height) & (pl.col("found") == pl.col("inst_no")))
        .then(pl.col("pos")).otherwise(-1))["match"]
    covered_on = pays["paid_on"].gather(match.clip(lower_bound=0)) if pays.height else \
        pl.repeat(None, inst.height, dtype=pl.Date, eager=True)
    return inst.with_columns(
        covered_on=pl.when(match >= 0).then(covered_on).otherwise(None).cast(pl.Date)
    ).drop("loan_no")


def overdue_intervals(covered: pl.LazyFrame, clock: pl.LazyFrame) -> pl.LazyFrame:
    """Per installment, the closed range of local days on which it is overdue, clipped to today."""
    return (
        covered.join(clock.select("loan_id", "today"), on="loan_id", how="inner")
        .with_columns(
            start=pl.col("due_date") + pl.duration(days=1),
            end=pl.min_horizontal(
                pl.coalesce(pl.col("covered_on") - pl.duration(days=1), pl.col("today")), pl.col("today")
            ),
        )
        .filter(pl.col("start") <= pl.col("end"))
        .select("loan_id", "due_date", "start", "end", "today")
    )


def episodes(intervals: pl.LazyFrame) -> pl.LazyFrame:
    """Maximal runs of consecutive overdue days: overlapping or adjacent intervals merge."""
    return (
        intervals.sort("loan_id", "start")
        .with_columns(prev_end=pl.col("end").cum_max().shift(1).over("loan_id"))
        .filter(pl.col("prev_end").is_null() | (pl.col("start") > pl.col("prev_end") + pl.duration(days=1)))
        .select("loan_id", "today", first_day=pl.col("start"))
    )


def bucket_expr(dpd: pl.Expr) -> pl.Expr:
    return (
        pl.when(dpd <= 0).then(pl.lit("current"))
        .when(dpd <= 30).then(pl.lit("1-30"))
        .when(dpd <= 60).then(pl.lit("31-60"))
        .when(dpd <= 90).then(pl.lit("61-90"))
        .when(dpd <= 180).then(pl.lit("91-180"))
        .otherwise(pl.lit("181+"))
    )


Parts = tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]  # (loan_clock, payments_until, installment_coverage)


def ageing_parts(frames: dict[str, pl.DataFrame], as_of: datetime) -> Parts:
    """What ageing starts from: each loan's clock, the payments up to as_of and each installment's coverage (a
    page that shows the schedule as well as the ageing computes them once: `loan_ageing(..., parts=)`)."""
    clock = loan_clock(frames["loans"], frames["borrowers"], as_of)
    paid = payments_until(frames["payments"], clock)
    return clock, paid, installment_coverage(frames["installments"], paid, clock)


def loan_ageing(frames: dict[str, pl.DataFrame], as_of: datetime,
                payment_aggs: dict[str, pl.Expr] | None = None,
                installment_aggs: dict[str, pl.Expr] | None = None, parts: Parts | None = None) -> pl.DataFrame:
    """One row per loan: dpd, overdue_amount (minor units), bucket, episodes_12m, max_dpd_12m, days_to_next_due.

    `payment_aggs` and `installment_aggs`: further per-loan aggregations, computed in the group-bys ageing makes
    anyway (over the payments up to as_of, with `as_of_utc`; over the schedule, with `today`), their columns
    added, null for a loan without such rows (the risk model's history: `features.history`). `parts`: the
    `ageing_parts` of these frames at as_of, when the caller has them."""
    clock, paid, covered_frame = ageing_parts(frames, as_of) if parts is None else parts
    covered = covered_frame.lazy()
    # the rest is one lazy query over the coverage, collected once
    clock_q = clock.lazy()
    intervals = overdue_intervals(covered, clock_q)
    window_start = pl.col("today") - pl.duration(days=EPISODE_WINDOW_DAYS - 1)

    dpd = (
        covered.join(clock_q.select("loan_id", "today"), on="loan_id")
        .filter((pl.col("due_date") < pl.col("today")) & pl.col("covered_on").is_null())
        .group_by("loan_id")
        .agg(dpd=(pl.col("today").first() - pl.col("due_date").min()).dt.total_days())
    )
    due_so_far = (
        frames["installments"].lazy().join(clock_q.select("loan_id", "today"), on="loan_id")
        .group_by("loan_id")
        .agg(
            due_minor=pl.col("amount_minor").filter(pl.col("due_date") < pl.col("today")).sum(),
            next_due=pl.col("due_date").filter(pl.col("due_date") > pl.col("today")).min(),
            **(installment_aggs or {}),
        )
    )
    payments = paid.lazy().with_columns(as_of_utc=pl.lit(as_of).dt.convert_time_zone("UTC")) if payment_aggs \
        else paid.lazy()
    paid_total = payments.group_by("loan_id").agg(paid_minor=pl.col("amount_minor").sum(), **(payment_aggs or {}))
    episode_counts = (
        episodes(intervals)
        .filter(pl.col("first_day") >= window_start)
        .group_by("loan_id")
        .agg(episodes_12m=pl.len().cast(pl.Int32))
    )
    max_dpd = (
        intervals.filter(pl.col("end") >= pl.max_horizontal(pl.col("start"), window_start))
        .group_by("loan_id")
        .agg(max_dpd_12m=(pl.col("end") - pl.col("due_date")).dt.total_days().max())
    )
    return (
        clock_q.select("loan_id", "borrower_id", "timezone", "as_of_utc", "as_of_local", "today")
        .join(dpd, on="loan_id", how="left")
        .join(due_so_far, on="loan_id", how="left")
        .join(paid_total, on="loan_id", how="left")
        .join(episode_counts, on="loan_id", how="left")
        .join(max_dpd, on="loan_id", how="left")
        .with_columns(
            dpd=pl.col("dpd").fill_null(0).cast(pl.Int32),
            overdue_minor=pl.max_horizontal(
                pl.col("due_minor").fill_null(0) - pl.col("paid_minor").fill_null(0), pl.lit(0)
            ).cast(pl.Int64),
            episodes_12m=pl.col("episodes_12m").fill_null(0),
            max_dpd_12m=pl.col("max_dpd_12m").fill_null(0).cast(pl.Int32),
            days_to_next_due=(pl.col("next_due") - pl.col("today")).dt.total_days().cast(pl.Int32),
        )
        .with_columns(bucket=bucket_expr(pl.col("dpd")))
        .drop("due_minor", "paid_minor", "next_due")
        .pipe(run, frames["installments"].height)
    )
