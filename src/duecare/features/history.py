"""The risk model's history features (payment behaviour, contact outcomes, loan age): one definition.

Three per-loan aggregations, each over rows another pass already has at hand, then `history_columns`:

- `PAYMENT_AGGS` over the payments up to as_of (`ageing.payments_until`) with the decision instant `as_of_utc`;
- `INSTALLMENT_AGGS` over the schedule with the borrower-local `today`;
- `CONTACT_AGGS` over the contacts up to as_of about the loan (naming it or no loan), with `as_of_utc`.

`risk.portfolio.history_features(frames, as_of)` builds those rows itself (training, `duecare risk score`); the
decisions (`policy.evaluator`) hand the first two to `ageing.loan_ageing`, whose group-bys over the same rows
compute them alongside DPD and the overdue amount, and the third reads the per-loan contact rows the guardrails
count. Both paths give the same table (tests/risk/test_history_fused.py).
"""

from __future__ import annotations

from typing import TypeVar

import polars as pl

from duecare.features.contacts import REMOTE_CHANNELS, RPC_OUTCOMES

PROPENSITY_DAYS = 7
DAY_US = 86_400_000_000  # microseconds per day


def within(ts: str, days: int) -> pl.Expr:
    """`ts` in the last `days` days: (as_of − days×24h, as_of]."""
    return (pl.col(ts) <= pl.col("as_of_utc")) & (pl.col(ts) > pl.col("as_of_utc") - pl.duration(days=days))


PAYMENT_AGGS: dict[str, pl.Expr] = {
    "payments_30d": within("paid_at", 30).sum().cast(pl.Int32),
    "paid_90d_minor": pl.col("amount_minor").filter(within("paid_at", 90)).sum(),
    "last_paid_at": pl.col("paid_at").max(),
}

_due_before_today = pl.col("due_date") < pl.col("today")
INSTALLMENT_AGGS: dict[str, pl.Expr] = {
    "installments_due": _due_before_today.sum().cast(pl.Int32),
    "due_90d_minor": pl.col("amount_minor").filter(
        _due_before_today & (pl.col("due_date") >= pl.col("today") - pl.duration(days=90))).sum(),
    "typical_minor": pl.col("amount_minor").median(),
    "first_due": pl.col("due_date").min(),
}

_rpc_outcome = pl.col("outcome").is_in(RPC_OUTCOMES)
CONTACT_AGGS: dict[str, pl.Expr] = {
    "rpc_30d": (_rpc_outcome & within("at", 30)).sum().cast(pl.Int32),
    "ptp_90d": ((pl.col("outcome") == "ptp") & within("at", 90)).sum().cast(pl.Int32),
    "refused_90d": ((pl.col("outcome") == "refused") & within("at", 90)).sum().cast(pl.Int32),
    "dispute_90d": ((pl.col("outcome") == "dispute") & within("at", 90)).sum().cast(pl.Int32),
    "last_rpc": pl.col("at").filter(_rpc_outcome).max(),
    "recent_outbound": (pl.col("channel").is_in(REMOTE_CHANNELS) & (pl.col("direction") == "outbound")
                        & within("at", PROPENSITY_DAYS)).any(),
}

Table = TypeVar("Table", pl.DataFrame, pl.LazyFrame)

HISTORY_FEATURES = ("payments_30d", "days_since_last_payment", "paid_ratio_90d", "days_since_last_rpc", "rpc_30d",
                    "ptp_90d", "refused_90d", "dispute_90d", "installments_due", "loan_age_days", "typical_minor",
                    "recent_outbound")


def contact_aggregates(rows: pl.LazyFrame) -> pl.LazyFrame:
    """`CONTACT_AGGS` per loan over contact rows about the loan up to as_of (e.g. `features.contacts.loan_contacts`
    with `about_loan_only`)."""
    return rows.group_by("loan_id").agg(**CONTACT_AGGS)


def history_table(per_loan: pl.LazyFrame, contacts: pl.LazyFrame) -> pl.LazyFrame:
    """The history features of the loans of `per_loan` (loan_id, as_of_utc, today and the `PAYMENT_AGGS` and
    `INSTALLMENT_AGGS` columns, null where the loan has no such rows) and `contacts` (`contact_aggregates`)."""
    return history_columns(per_loan.join(contacts, on="loan_id", how="left"))


def history_columns(raw: Table) -> Table:
    """The history features from their per-loan aggregates (the aggregations above, or the simulator's aggregates
    kept day over day: simulate/history.py): loan_id, as_of_utc, today, payments_30d, paid_90d_minor,
    last_paid_at, installments_due, due_90d_minor, typical_minor, first_due, rpc_30d, ptp_90d, refused_90d,
    dispute_90d, last_rpc, recent_outbound; a null aggregate means the loan has no such rows."""
    return (
        raw.with_columns(
            payments_30d=pl.col("payments_30d").fill_null(0),
            days_since_last_payment=((pl.col("as_of_utc") - pl.col("last_paid_at")).dt.total_microseconds()
                                     / DAY_US),
            paid_ratio_90d=pl.when(pl.col("due_90d_minor") > 0)
            .then(pl.col("paid_90d_minor").fill_null(0) / pl.col("due_90d_minor")),
            days_since_last_rpc=(pl.col("as_of_utc") - pl.col("last_rpc")).dt.total_microseconds() / DAY_US,
            loan_age_days=(pl.col("today") - pl.col("first_due")).dt.total_days().cast(pl.Int32),
            recent_outbound=pl.col("recent_outbound").fill_null(False),
            **{c: pl.col(c).fill_null(0) for c in ("installments_due", "rpc_30d", "ptp_90d", "refused_90d",
                                                   "dispute_90d")},
        )
        .select("loan_id", *HISTORY_FEATURES)
    )
