"""The risk model's history features kept day over day (`risk.portfolio.history_features`, without the recompute).

`history_features` reads every payment and contact of a loan each time it scores. In a simulation the history
only grows at the end, and every window it reads is at most 90 days long, so the same table follows from:

- **payments**: the rows of the last 90 days (and those recorded for later), per loan the latest `paid_at` of
  the older ones;
- **contacts**: the rows of the last 90 days that count for something (a right-party outcome, a promise, a
  refusal, a dispute, an outbound remote contact), per loan and per borrower (contacts naming no loan) the
  latest right-party contact of the older ones;
- **installments**: the schedule (fixed), read by binary search: installments due before today, the amount due
  in the 90 days before today (a difference of cumulative sums), the median amount and the first due date.

Each day's aggregates go through `risk.portfolio.history_columns`, the very expressions `history_features`
finishes with, so the table is equal value for value (tests/simulate/test_history.py compares them day after
day, and tests/simulate/test_scoring.py the scored facts with the batch's).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from duecare.features.contacts import REMOTE_CHANNELS, RPC_OUTCOMES
from duecare.risk.portfolio import PROPENSITY_DAYS, history_columns
from duecare.simulate.arrays import DATE_SHIFT, ranges

if TYPE_CHECKING:
    from duecare.simulate.incremental import IncrementalFacts

DAY_US = 86_400_000_000
KEEP_DAYS = 90  # the longest window of history_features
NO_AT = np.iinfo(np.int64).min
# contact flags, one bit each
RPC, PTP, REFUSED, DISPUTE, REMOTE_OUT = 1, 2, 4, 8, 16


class HistoryState:
    """Per-loan history aggregates of a growing portfolio; `table(li, ...)` is `history_features` of those loans."""

    def __init__(self, facts: IncrementalFacts, installments: pl.DataFrame) -> None:
        self.f = facts
        nl, nb = facts.nl, facts.nb
        inst = installments.join(facts.loans.select("loan_id", "li"), on="loan_id", how="inner")
        per = inst.group_by("li").agg(typical_minor=pl.col("amount_minor").median(),
                                      first_due=pl.col("due_date").min())
        self.typical = np.full(nl, np.nan)
        self.has_inst = np.zeros(nl, dtype=bool)
        self.first_due = np.zeros(nl, dtype=np.int64)
        li = per["li"].to_numpy()
        self.typical[li] = per["typical_minor"].cast(pl.Float64).to_numpy()
        self.has_inst[li] = True
        self.first_due[li] = per["first_due"].cast(pl.Date).to_physical().to_numpy()
        # payments kept: loan row, time, amount; older ones folded into the latest time per loan
        self.p_li = np.zeros(0, dtype=np.int64)
        self.p_at = np.zeros(0, dtype=np.int64)
        self.p_amt = np.zeros(0, dtype=np.int64)
        self.l_last_paid = np.full(nl, NO_AT, dtype=np.int64)
        # contacts kept: borrower row, loan row (-1: names no loan), time, flags
        self.c_bi = np.zeros(0, dtype=np.int64)
        self.c_cl = np.zeros(0, dtype=np.int64)
        self.c_at = np.zeros(0, dtype=np.int64)
        self.c_flags = np.zeros(0, dtype=np.int64)
        self.l_last_rpc = np.full(nl, NO_AT, dtype=np.int64)
        self.b0_last_rpc = np.full(nb, NO_AT, dtype=np.int64)

    # ---- events -------------------------------------------------------------------------------------------
    def add_payments(self, rows: pl.DataFrame) -> None:
        """Payments as (li, at_us, amount_minor) rows of loans in the portfolio."""
        self.p_li = np.concatenate([self.p_li, rows["li"].to_numpy().astype(np.int64)])
        self.p_at = np.concatenate([self.p_at, rows["at_us"].to_numpy().astype(np.int64)])
        self.p_amt = np.concatenate([self.p_amt, rows["amount_minor"].to_numpy().astype(np.int64)])

    def add_contacts(self, rows: pl.DataFrame) -> None:
        """Contacts as (bi, cl, at_us, channel, direction, outcome) rows; cl -1 names no loan, -2 an unknown one."""
        def flag(expr: pl.Expr, bit: int) -> pl.Expr:
            return pl.when(expr.fill_null(False)).then(bit).otherwise(0)

        out = pl.col("outcome")
        flagged = rows.filter(pl.col("cl") >= -1).select(
            "bi", "cl", "at_us",
            flags=flag(out.is_in(RPC_OUTCOMES), RPC) + flag(out == "ptp", PTP) + flag(out == "refused", REFUSED)
            + flag(out == "dispute", DISPUTE)
            + flag(pl.col("channel").is_in(REMOTE_CHANNELS) & (pl.col("direction") == "outbound"), REMOTE_OUT),
        ).filter(pl.col("flags") > 0)
        self.c_bi = np.concatenate([self.c_bi, flagged["bi"].to_numpy().astype(np.int64)])
        self.c_cl = np.concatenate([self.c_cl, flagged["cl"].to_numpy().astype(np.int64)])
        self.c_at = np.concatenate([self.c_at, flagged["at_us"].to_numpy().astype(np.int64)])
        self.c_flags = np.concatenate([self.c_flags, flagged["flags"].to_numpy().astype(np.int64)])

    def fold(self, as_of_us: int) -> None:
        """Rows no window reaches any more (at or before as_of − 90 days) leave; their latest times are kept."""
        cut = as_of_us - KEEP_DAYS * DAY_US
        old = self.p_at <= cut
        if old.any():
            np.maximum.at(self.l_last_paid, self.p_li[old], self.p_at[old])
            keep = ~old
            self.p_li, self.p_at, self.p_amt = self.p_li[keep], self.p_at[keep], self.p_amt[keep]
        old = self.c_at <= cut
        if old.any():
            rpc = old & (self.c_flags & RPC > 0)
            named = rpc & (self.c_cl >= 0)
            np.maximum.at(self.l_last_rpc, self.c_cl[named], self.c_at[named])
            none = rpc & (self.c_cl == -1)
            np.maximum.at(self.b0_last_rpc, self.c_bi[none], self.c_at[none])
            keep = ~old
            self.c_bi, self.c_cl, self.c_at, self.c_flags = (self.c_bi[keep], self.c_cl[keep], self.c_at[keep],
                                                             self.c_flags[keep])

    # ---- the day's table ----------------------------------------------------------------------------------
    def table(self, li: np.ndarray, clock: pl.DataFrame, as_of_us: int) -> pl.DataFrame:
        """`history_features(frames, as_of)` for the loans `li` (distinct loan rows); `clock` holds their
        loan_id, as_of_utc and local `today`, row for row."""
        f = self.f
        n = len(li)
        ld = li.astype(np.int64)
        rank_of = np.full(f.nl, -1, dtype=np.int64)
        rank_of[ld] = np.arange(n)
        today = clock["today"].cast(pl.Date).to_physical().to_numpy().astype(np.int64)

        # payments
        r = rank_of[self.p_li]
        sel = (r >= 0) & (self.p_at <= as_of_us)
        r, at, amt = r[sel], self.p_at[sel], self.p_amt[sel]
        age = as_of_us - at
        payments_30d = np.bincount(r[age < 30 * DAY_US], minlength=n)
        paid_90d = np.zeros(n, dtype=np.int64)
        np.add.at(paid_90d, r[age < 90 * DAY_US], amt[age < 90 * DAY_US])
        last_paid = self.l_last_paid[ld].copy()
        np.maximum.at(last_paid, r, at)

        # installments (sorted by loan, due date: cumulative amounts per loan)
        start, end = f.l_start[ld], f.l_start[ld + 1]
        n_lt = np.searchsorted(f.i_key_due, ld * DATE_SHIFT + today, side="left")
        n_lo = np.searchsorted(f.i_key_due, ld * DATE_SHIFT + today - 90, side="left")
        cum_at = np.r_[f.i_cum, 0]  # index -1 reads 0 only where guarded below
        due_90d = (np.where(n_lt > start, cum_at[n_lt - 1], 0) - np.where(n_lo > start, cum_at[n_lo - 1], 0))
        installments_due = n_lt - start
        has_inst = self.has_inst[ld] & (end > start)

        # contacts: the borrower's rows naming this loan or no loan
        loan_bi = f.loan_bi[ld].astype(np.int64)
        c_ok = self.c_at <= as_of_us
        cl = self.c_cl
        named = c_ok & (cl >= 0)
        named &= np.where(named, rank_of[np.maximum(cl, 0)] >= 0, False)
        named &= np.where(named, f.loan_bi[np.maximum(cl, 0)] == self.c_bi, False)
        idx_named = np.flatnonzero(named)
        r_named = rank_of[cl[idx_named]]
        b_on = np.zeros(f.nb, dtype=bool)
        b_on[loan_bi[loan_bi >= 0]] = True
        idx_none = np.flatnonzero(c_ok & (cl == -1) & b_on[self.c_bi])
        # a contact naming no loan counts for each of its borrower's loans being scored
        bi_none = self.c_bi[idx_none]
        counts = f.b_start[bi_none + 1] - f.b_start[bi_none]
        loans_of = f.loans_by_b[ranges(f.b_start[bi_none], f.b_start[bi_none + 1])].astype(np.int64)
        r_none = rank_of[loans_of]
        rep = np.repeat(idx_none, counts)
        keep = r_none >= 0
        rows = np.r_[idx_named, rep[keep]]
        rr = np.r_[r_named, r_none[keep]]
        flags = self.c_flags[rows]
        c_age = as_of_us - self.c_at[rows]

        def count(bit: int, days: int) -> np.ndarray:
            hit = (flags & bit > 0) & (c_age < days * DAY_US)
            counted: np.ndarray = np.bincount(rr[hit], minlength=n)
            return counted

        last_rpc = self.l_last_rpc[ld].copy()
        b0 = np.where(loan_bi >= 0, self.b0_last_rpc[np.maximum(loan_bi, 0)], NO_AT)
        last_rpc = np.maximum(last_rpc, b0)
        rpc = flags & RPC > 0
        np.maximum.at(last_rpc, rr[rpc], self.c_at[rows][rpc])

        raw = clock.select("loan_id", "as_of_utc", "today").with_columns(
            payments_30d=pl.Series(payments_30d, dtype=pl.Int32),
            paid_90d_minor=pl.Series(paid_90d, dtype=pl.Int64),
            last_paid_at=_stamp(last_paid),
            installments_due=_null_unless(installments_due, has_inst, pl.Int32),
            due_90d_minor=_null_unless(due_90d, has_inst, pl.Int64),
            typical_minor=_null_unless(self.typical[ld], has_inst, pl.Float64),
            first_due=_null_unless(self.first_due[ld], has_inst, pl.Int32).cast(pl.Date),
            rpc_30d=pl.Series(count(RPC, 30), dtype=pl.Int32),
            ptp_90d=pl.Series(count(PTP, 90), dtype=pl.Int32),
            refused_90d=pl.Series(count(REFUSED, 90), dtype=pl.Int32),
            dispute_90d=pl.Series(count(DISPUTE, 90), dtype=pl.Int32),
            last_rpc=_stamp(last_rpc),
            recent_outbound=pl.Series(count(REMOTE_OUT, PROPENSITY_DAYS) > 0, dtype=pl.Boolean),
        )
        return history_columns(raw)


def _stamp(values: np.ndarray) -> pl.Series:
    """Microseconds since 1970 as UTC timestamps, null for "never"."""
    return _null_unless(values, values != NO_AT, pl.Int64).cast(pl.Datetime("us", "UTC"))


def _null_unless(values: np.ndarray, present: np.ndarray, dtype: type[pl.DataType]) -> pl.Series:
    series = pl.Series(values, dtype=dtype)
    return series.zip_with(pl.Series(present), pl.repeat(None, len(values), dtype=dtype, eager=True))
