"""The batch's features kept day over day instead of recomputed from the whole history (the simulator's speed).

`policy.evaluator.build_facts` ages every loan from all its payments and counts every contact the borrower ever
had, each time it decides. In a simulation the history only grows at the end, so the same facts follow from a
small state updated with each day's events:

- **ageing**: per installment the local date it was covered (`covered_on`), per loan the cumulative amount paid.
  Payments arrive in time order, so coverage is settled once: a new payment covers the next uncovered installments
  (one binary search over the day's payments for all loans at once). DPD, overdue amount, days to the next due
  date, episodes and the worst DPD of the last 12 months are then vector operations over the installments of the
  loans being decided, with `ageing.ageing`'s definitions.
- **contacts**: the contacts of the last `horizon` days (every feature window fits in it) are kept as rows; older
  ones are folded into the few all-time figures the facts read (last right-party contact, last right-party call
  per loan, first communication per loan). The windowed counts, reachability and today's calls are aggregated
  from the kept rows; the per-debt rows the guardrails read (7-in-7 calls, validation notice) are the kept rows
  plus one row per loan carrying the folded figures.

Everything after the features — holds, the visit chain, call history, preferences, the validation notice, the
gate, the ladder, guardrails and caps — is the batch's own code (`policy.facts.decision_facts`,
`policy.evaluator.evaluate_facts`). tests/simulate/test_incremental.py checks every fact column against
`build_facts` on the simulated frames, day after day.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import polars as pl

from duecare.ageing.ageing import EPISODE_WINDOW_DAYS, bucket_expr, zones_of
from duecare.features.contacts import REMOTE_CHANNELS, WINDOWS, is_rpc
from duecare.kit.localtime import iso_local, local_date, local_naive
from duecare.ledger.frames import Frames, subset
from duecare.policy.evaluator import Policy, Scorer
from duecare.policy.facts import decision_facts
from duecare.simulate.arrays import DATE_SHIFT
from duecare.simulate.arrays import ranges as _ranges
from duecare.simulate.history import HistoryState

DAY_US = 86_400_000_000
NO_AT = np.iinfo(np.int64).min  # "never" for a maximum
LATE_AT = np.iinfo(np.int64).max  # "never" for a minimum
NOT_COVERED = np.iinfo(np.int32).max
CUM_SHIFT = np.int64(1 << 40)  # cumulative amounts per loan below 2**40 minor units (as ageing.CUM_BITS)
RPC_CALL, FIRST_COMM = "call", "_folded"
CONTACT_SCHEMA: dict[str, pl.DataType] = {
    "bi": pl.Int32(), "cl": pl.Int32(), "at": pl.Datetime("us", "UTC"), "at_us": pl.Int64(), "channel": pl.String(),
    "outcome": pl.String(), "is_rpc": pl.Boolean(), "outbound": pl.Boolean(), "remote": pl.Boolean(),
    "day": pl.Date()}


def _days(values: pl.Series) -> np.ndarray:
    return values.cast(pl.Date).to_physical().to_numpy().astype(np.int64)


class IncrementalFacts:
    """Decision facts of a growing portfolio, updated with each day's payments and contacts.

    Rows are indexed by borrower (`bi`, the row of the borrower frame) and loan (`li`, the row of the loan frame).
    """

    def __init__(self, frames: Frames, policy: Policy, rescore_days: int = 1) -> None:
        self.policy = policy
        self.rescore_days = rescore_days
        self.scores: pl.DataFrame | None = None  # per loan its last scores and the day (days since 1970) of them
        strategy = policy.strategy
        r = strategy.reachability
        self.reach = r
        self.horizon_days = max(31, *WINDOWS.values(), r.no_rpc_days + 1, r.window_days + 1, 9)
        borrowers = frames["borrowers"]
        self.zones = zones_of(borrowers)
        bmap = borrowers.select("borrower_id", "timezone").with_row_index("bi").with_columns(pl.col("bi").cast(pl.Int32))
        self.bmap = bmap
        loans = frames["loans"].select("loan_id", "borrower_id").with_row_index("li").with_columns(
            pl.col("li").cast(pl.Int32)).join(bmap, on="borrower_id", how="left")
        self.loans = loans
        self.loan_bi = loans["bi"].fill_null(-1).to_numpy()
        nb, nl = borrowers.height, loans.height
        self.nb, self.nl = nb, nl
        # loans of a borrower: loan rows sorted by borrower (CSR)
        order = np.argsort(self.loan_bi, kind="stable")
        self.loans_by_b = order.astype(np.int32)
        self.b_start = np.searchsorted(self.loan_bi[order], np.arange(nb + 1), side="left")

        # ageing state
        inst = (frames["installments"].join(loans.select("loan_id", "li"), on="loan_id", how="inner")
                .sort("li", "due_date", "seq")
                .with_columns(cum=pl.col("amount_minor").cum_sum().over("li")))
        self.i_loan = inst["li"].to_numpy().astype(np.int64)
        self.i_due = _days(inst["due_date"])
        self.i_amt = inst["amount_minor"].to_numpy().astype(np.int64)
        self.i_cum = inst["cum"].to_numpy().astype(np.int64)
        self.i_cov = np.full(inst.height, NOT_COVERED, dtype=np.int64)
        self.i_key_due = self.i_loan * DATE_SHIFT + self.i_due
        self.l_start = np.searchsorted(self.i_loan, np.arange(nl + 1), side="left")
        self.cum_paid = np.zeros(nl, dtype=np.int64)
        self.l_ncov = np.zeros(nl, dtype=np.int64)  # covered installments form a prefix of each loan's schedule
        self.pending_pay = pl.DataFrame(schema={"li": pl.Int32, "at_us": pl.Int64, "amount_minor": pl.Int64,
                                                "paid_on": pl.Date})

        # contact state: rows of the last `horizon_days`, all-time figures of older ones
        self.store = pl.DataFrame(schema=CONTACT_SCHEMA)
        self.b_last_rpc = np.full(nb, NO_AT, dtype=np.int64)
        self.l_rpc_call = np.full(nl, NO_AT, dtype=np.int64)
        self.b0_rpc_call = np.full(nb, NO_AT, dtype=np.int64)  # contacts naming no loan
        self.l_first_comm = np.full(nl, LATE_AT, dtype=np.int64)
        self.b0_first_comm = np.full(nb, LATE_AT, dtype=np.int64)
        # per row of the frames the scorer reads most, the borrower row it belongs to (to hand the scorer the
        # day's borrowers' frames by a boolean filter instead of a join); appended with each day's events
        self.row_bi = {"installments": self._row_bi(frames["installments"]),
                       "payments": np.zeros(0, dtype=np.int64), "contacts": np.zeros(0, dtype=np.int64)}
        self.history = HistoryState(self, frames["installments"])  # the risk model's history features
        self.add_payments(frames["payments"])
        self.add_contacts(frames["contacts"])

        s7 = [r.params for p in policy.packs.values() for r in p.rules_of("seven_in_seven")]
        self.s7 = (s7[0]["max_calls"], s7[0]["days"], s7[0]["conversation_block_days"]) if s7 else (7, 7, 7)
        self.validation_days = {code: r.params["within_days"] for code, p in policy.packs.items()
                                for r in p.rules_of("validation_notice")}

    # ---- events -------------------------------------------------------------------------------------------
    def add_payments(self, payments: pl.DataFrame) -> None:
        """Payments recorded (visible to the facts once `paid_at` ≤ as_of)."""
        if not payments.height:
            return
        self.row_bi["payments"] = np.concatenate([self.row_bi["payments"], self._row_bi(payments)])
        rows = (payments.join(self.loans.select("loan_id", "li", "timezone"), on="loan_id", how="inner")
                .with_columns(paid_on=local_date(pl.col("paid_at"), pl.col("timezone"), self.zones),
                              at_us=pl.col("paid_at").dt.epoch("us"))
                .select("li", "at_us", "amount_minor", "paid_on"))
        self.history.add_payments(rows)
        self.pending_pay = pl.concat([self.pending_pay, rows.cast(self.pending_pay.schema)])

    def add_contacts(self, contacts: pl.DataFrame) -> None:
        """Contacts recorded (counted once `at` ≤ as_of)."""
        if not contacts.height:
            return
        self.row_bi["contacts"] = np.concatenate([self.row_bi["contacts"], self._row_bi(contacts)])
        if "answers_notice" not in contacts.columns:
            contacts = contacts.with_columns(answers_notice=pl.lit(None, dtype=pl.String()))
        rows = (
            contacts.join(self.bmap, on="borrower_id", how="inner")
            .join(self.loans.select("loan_id", cl="li"), on="loan_id", how="left")
            .with_columns(
                cl=pl.when(pl.col("loan_id").is_null()).then(-1).otherwise(pl.col("cl").fill_null(-2)),
                at_us=pl.col("at").dt.epoch("us"),
                is_rpc=is_rpc(pl.col("channel"), pl.col("direction"), pl.col("outcome"), pl.col("answers_notice")),
                outbound=(pl.col("direction") == "outbound") & pl.col("answers_notice").is_null(),
                remote=pl.col("channel").is_in(REMOTE_CHANNELS),
            )
        )
        self.history.add_contacts(rows.select("bi", "cl", "at_us", "channel", "direction", "outcome"))
        # The local day is read only while a contact is kept (today's calls, 7-in-7): contacts already older than
        # the horizon are folded at the next decision without it.
        recent = pl.col("at_us") > pl.col("at_us").max() - (self.horizon_days + 1) * DAY_US
        parts = [rows.filter(~recent).with_columns(day=pl.lit(None, pl.Date)),
                 rows.filter(recent).with_columns(day=local_date(pl.col("at"), pl.col("timezone"), self.zones))]
        self.store = pl.concat([self.store, *[x.select(list(CONTACT_SCHEMA)).cast(self.store.schema) for x in parts]],
                               how="vertical")

    def _row_bi(self, frame: pl.DataFrame) -> np.ndarray:
        """The borrower row of each row of `frame` (through its loan when it names no borrower), -1 if unknown."""
        key, index = (("borrower_id", self.bmap.select("borrower_id", "bi")) if "borrower_id" in frame.columns
                      else ("loan_id", self.loans.select("loan_id", "bi")))
        out: np.ndarray = frame.select(key).join(index, on=key, how="left", maintain_order="left")["bi"] \
            .fill_null(-1).to_numpy().astype(np.int64)
        return out

    def own_frames(self, frames: Frames, borrowers: np.ndarray) -> Frames:
        """`subset(frames, those borrowers)` for a mask over borrower rows: the frames whose rows are tracked
        (installments, payments, contacts: the simulation appends to them in the order it adds them here) by a
        boolean filter, the others by `subset`'s joins."""
        keep = np.r_[borrowers, False]  # row -1 (unknown borrower) reads the trailing False
        ids = frames["borrowers"].filter(pl.Series(borrowers[:frames["borrowers"].height])).select("borrower_id")
        tracked = {name: rows for name, rows in self.row_bi.items() if len(rows) == frames[name].height}
        out = subset({k: v for k, v in frames.items() if k not in tracked}, ids)
        for name, rows in tracked.items():
            out[name] = frames[name].filter(pl.Series(keep[rows]))
        return out

    # ---- the day's state ----------------------------------------------------------------------------------
    def _apply_payments(self, as_of_us: int) -> None:
        due = self.pending_pay.filter(pl.col("at_us") <= as_of_us)
        if not due.height:
            return
        self.pending_pay = self.pending_pay.filter(pl.col("at_us") > as_of_us)
        due = due.sort("li", "at_us")
        li = due["li"].to_numpy().astype(np.int64)
        amt = due["amount_minor"].to_numpy().astype(np.int64)
        paid_on = _days(due["paid_on"])
        csum = np.cumsum(amt)
        first = np.r_[True, li[1:] != li[:-1]]
        base = np.repeat(csum[first] - amt[first], np.diff(np.r_[np.flatnonzero(first), len(li)]))
        cum_after = self.cum_paid[li] + csum - base
        touched = li[first]
        # the uncovered installments of the loans paid: the first payment whose running total reaches each
        starts, ends = self.l_start[touched], self.l_start[touched + 1]
        idx = _ranges(starts, ends)
        idx = idx[self.i_cov[idx] == NOT_COVERED]
        pay_key = li * CUM_SHIFT + cum_after
        pos = np.searchsorted(pay_key, self.i_loan[idx] * CUM_SHIFT + self.i_cum[idx], side="left")
        inside = pos < len(pay_key)
        hit = np.zeros(len(idx), dtype=bool)
        hit[inside] = li[pos[inside]] == self.i_loan[idx[inside]]
        self.i_cov[idx[hit]] = paid_on[pos[hit]]
        np.add.at(self.l_ncov, self.i_loan[idx[hit]], 1)
        last = np.r_[first[1:], True]
        self.cum_paid[li[last]] = cum_after[last]

    def _fold_contacts(self, as_of_us: int) -> None:
        """Contacts older than the horizon leave the kept rows; their all-time figures are kept."""
        cut = as_of_us - self.horizon_days * DAY_US
        old = self.store.filter(pl.col("at_us") <= cut)
        if not old.height:
            return
        self.store = self.store.filter(pl.col("at_us") > cut)
        bi = old["bi"].to_numpy()
        cl = old["cl"].to_numpy()
        at = old["at_us"].to_numpy()
        rpc = old["is_rpc"].fill_null(False).to_numpy()
        np.maximum.at(self.b_last_rpc, bi[rpc], at[rpc])
        call = rpc & (old["channel"] == "call").fill_null(False).to_numpy()
        comm = rpc | (old["outbound"] & (old["outcome"] == "delivered")).fill_null(False).to_numpy()
        for sel, named_arr, none_arr, ufunc in ((call, self.l_rpc_call, self.b0_rpc_call, np.maximum),
                                                (comm, self.l_first_comm, self.b0_first_comm, np.minimum)):
            on_loan = sel & (cl >= 0)
            ufunc.at(named_arr, cl[on_loan], at[on_loan])
            no_loan = sel & (cl == -1)
            ufunc.at(none_arr, bi[no_loan], at[no_loan])

    def facts(self, frames: Frames, as_of: datetime, borrowers: np.ndarray | None = None,
              scorer: Scorer | None = None) -> pl.DataFrame:
        """The decision facts of the loans of `borrowers` (a mask over borrower rows; all when None) at as_of:
        the table `policy.evaluator.build_facts` returns for the same frames and scorer.

        The scorer is called as the batch calls it (`build_facts`: on the feature table, before holds and the
        rest), with the frames of these borrowers only: every model input of a loan (its payments, schedule, its
        borrower's contacts) is the borrower's own, so the scores equal those over the whole portfolio."""
        as_of_us = int(pl.Series([as_of]).dt.convert_time_zone("UTC").dt.epoch("us")[0])
        self._apply_payments(as_of_us)
        self._fold_contacts(as_of_us)
        self.history.fold(as_of_us)
        if borrowers is None:
            li = np.arange(self.nl)
        else:
            bsel = np.flatnonzero(borrowers)
            li = np.sort(self.loans_by_b[_ranges(self.b_start[bsel], self.b_start[bsel + 1])])
        clock = self._clock(li, as_of)
        features, lc = self._features(li, clock, as_of_us)
        if scorer is not None and features.height:
            features = self._score(frames, as_of, features, scorer)
        params = self.policy.strategy.params
        return decision_facts(frames, features, lc, params, as_of, self.s7, self.validation_days)

    def _score(self, frames: Frames, as_of: datetime, features: pl.DataFrame, scorer: Scorer) -> pl.DataFrame:
        """The features with the scorer's columns. Every `rescore_days` days a loan is scored afresh (1: every
        day, as the nightly batch); in between it keeps its last scores unless it went from current to arrears or
        back (a score from its arrears would otherwise still call a cured loan high risk). Each call scores only
        the loans due for it, with their borrowers' frames."""
        day = int(pl.Series([as_of]).dt.convert_time_zone("UTC").dt.date().cast(pl.Int32)[0])
        due = features
        if self.scores is not None and self.rescore_days > 1:
            fresh = self.scores.filter(pl.col("_scored_on") > day - self.rescore_days)
            due = features.join(
                features.join(fresh.select("loan_id", "_current"), on="loan_id", how="inner")
                .filter((pl.col("dpd") == 0) == pl.col("_current")).select("loan_id"), on="loan_id", how="anti")
        if due.height:
            with_history = getattr(scorer, "score_with_history", None)
            if with_history is not None:  # risk.batch.RegisteredScorer: the history features kept here
                scored: pl.DataFrame = with_history(due, self.history_features(due))
            else:
                mask = np.zeros(self.nb, dtype=bool)
                mask[due.join(self.bmap.select("borrower_id", "bi"), on="borrower_id", how="left")["bi"]
                     .to_numpy()] = True
                scored = scorer(self.own_frames(frames, mask), as_of, due)
            if self.rescore_days <= 1:
                return scored
            added = [c for c in scored.columns if c not in features.columns]
            new = scored.select("loan_id", *added).with_columns(_scored_on=pl.lit(day, pl.Int32),
                                                                _current=scored["dpd"] == 0)
            self.scores = new if self.scores is None else pl.concat(
                [self.scores.join(new.select("loan_id"), on="loan_id", how="anti"), new], how="vertical_relaxed")
        assert self.scores is not None
        return features.join(self.scores.drop("_scored_on", "_current"), on="loan_id", how="left")

    def history_features(self, features: pl.DataFrame) -> pl.DataFrame:
        """`risk.portfolio.history_features` of the loans of `features` (a feature table of `facts`: loan_id,
        as_of_utc, today) at their as_of, from the kept history (payments and contacts up to the last `facts`
        call's as_of are applied; the table's as_of must be that one)."""
        clock = features.select("loan_id", "as_of_utc", "today").join(
            self.loans.select("loan_id", "li"), on="loan_id", how="left", maintain_order="left")
        as_of_us = int(clock["as_of_utc"].dt.epoch("us")[0])
        return self.history.table(clock["li"].to_numpy().astype(np.int64), clock, as_of_us)

    def _clock(self, li: np.ndarray, as_of: datetime) -> pl.DataFrame:
        rows = self.loans[li].select("loan_id", "borrower_id", "timezone", "li", "bi")
        return (rows.with_columns(as_of_utc=pl.lit(as_of).dt.convert_time_zone("UTC"))
                .with_columns(as_of_local=local_naive(pl.col("as_of_utc"), pl.col("timezone"), self.zones))
                .with_columns(today=pl.col("as_of_local").dt.date()))

    def _ageing(self, li: np.ndarray, today: np.ndarray) -> dict[str, np.ndarray]:
        """dpd, overdue, days to next due, episodes and worst DPD in 12 months (ageing.loan_ageing's meaning)."""
        ld = li.astype(np.int64)
        start, end = self.l_start[ld], self.l_start[ld + 1]
        n_due = np.searchsorted(self.i_key_due, ld * DATE_SHIFT + today, side="left")  # first due >= today
        n_next = np.searchsorted(self.i_key_due, ld * DATE_SHIFT + today, side="right")  # first due > today
        first_unc = start + self.l_ncov[ld]
        has_unc = (first_unc < end) & (first_unc < n_due)
        dpd = np.where(has_unc, today - self.i_due[np.minimum(first_unc, len(self.i_due) - 1)], 0)
        due_minor = np.where(n_due > start, self.i_cum[np.maximum(n_due - 1, 0)], 0)
        overdue = np.maximum(due_minor - self.cum_paid[ld], 0)
        has_next = n_next < end
        next_days = np.where(has_next, self.i_due[np.minimum(n_next, len(self.i_due) - 1)] - today, 0)

        # overdue intervals of every installment of these loans, then episodes (runs of consecutive days)
        rank = np.repeat(np.arange(len(ld), dtype=np.int64), end - start)
        idx = _ranges(start, end)
        t = today[rank]
        due = self.i_due[idx]
        cov = self.i_cov[idx]
        s = due + 1
        e = np.minimum(np.where(cov == NOT_COVERED, t, cov - 1), t)
        ok = s <= e
        rank, s, e, due, t = rank[ok], s[ok], e[ok], due[ok], t[ok]
        shift = DATE_SHIFT * 4
        cm = np.maximum.accumulate(e + rank * shift) if len(e) else e
        prev = np.r_[np.iinfo(np.int64).min // 2, cm[:-1]]
        new = (s + rank * shift) > prev + 1
        window = t - (EPISODE_WINDOW_DAYS - 1)
        episodes = np.bincount(rank[new & (s >= window)], minlength=len(ld))
        counted = e >= np.maximum(s, window)
        worst = np.zeros(len(ld), dtype=np.int64)
        np.maximum.at(worst, rank[counted], (e - due)[counted])
        return {"dpd": dpd, "overdue": overdue, "has_next": has_next, "next_days": next_days,
                "episodes": episodes, "worst": worst}

    def _features(self, li: np.ndarray, clock: pl.DataFrame, as_of_us: int) -> tuple[pl.DataFrame, pl.DataFrame]:
        today = _days(clock["today"])
        a = self._ageing(li, today)
        ageing = clock.select(
            "loan_id", "borrower_id", "timezone", "as_of_utc", "as_of_local", "today",
            dpd=pl.Series(a["dpd"], dtype=pl.Int32),
            episodes_12m=pl.Series(a["episodes"], dtype=pl.Int32),
            max_dpd_12m=pl.Series(a["worst"], dtype=pl.Int32),
            overdue_minor=pl.Series(a["overdue"], dtype=pl.Int64),
            days_to_next_due=_nullable(a["next_days"], a["has_next"], pl.Int32),
        ).with_columns(bucket=bucket_expr(pl.col("dpd")))

        r = self.reach
        bsel = np.zeros(self.nb, dtype=bool)
        clock_bi = clock["bi"].to_numpy()
        bsel[clock_bi] = True
        rows = self.store.filter(pl.Series(bsel[self.store["bi"].to_numpy()]) & (pl.col("at_us") <= as_of_us))
        per_b = self._contact_counts(rows, clock_bi, today, as_of_us)
        int_cols = [f"{k}_{c}_{w}" for c in REMOTE_CHANNELS for w in WINDOWS for k in ("attempts", "unsuccessful")]
        last_rpc = np.maximum(per_b.pop("kept_last_rpc"), self.b_last_rpc[clock_bi])
        first_failed = per_b.pop("first_failed")
        contact = (
            clock.select("loan_id", "timezone", "as_of_utc")
            .with_columns(
                *[pl.Series(c, per_b[c], dtype=pl.Int32) for c in int_cols],
                last_rpc_ts=_nullable(last_rpc, last_rpc != NO_AT, pl.Int64).cast(pl.Datetime("us", "UTC")),
                rpc_recent=pl.Series(per_b["rpc_recent"], dtype=pl.Boolean),
                remote_channels_failed_30d=pl.Series(per_b["remote_channels_failed_30d"], dtype=pl.Int32),
                unsuccessful_remote_30d=pl.Series(per_b["unsuccessful_remote_30d"], dtype=pl.Int32),
                first_unsuccessful_ts=_nullable(first_failed, first_failed != LATE_AT, pl.Int64).cast(
                    pl.Datetime("us", "UTC")),
                connected_calls_today=pl.Series(per_b["connected_calls_today"], dtype=pl.Int32),
                dial_attempts_today=pl.Series(per_b["dial_attempts_today"], dtype=pl.Int32),
            )
            .with_columns(
                unreachable=(
                    ~pl.col("rpc_recent")
                    & (pl.col("unsuccessful_remote_30d") >= r.min_unsuccessful)
                    & (pl.col("remote_channels_failed_30d") >= r.min_channels)
                    & (pl.col("as_of_utc") - pl.col("first_unsuccessful_ts")
                       >= pl.duration(days=r.first_attempt_min_age_days))
                ).fill_null(False),
                last_rpc_at=iso_local(pl.col("last_rpc_ts"), pl.col("timezone"), self.zones),
                first_unsuccessful_30d_at=iso_local(pl.col("first_unsuccessful_ts"), pl.col("timezone"), self.zones),
            )
            .select("loan_id", *int_cols, "last_rpc_ts", "rpc_recent", "remote_channels_failed_30d",
                    "unsuccessful_remote_30d", "first_unsuccessful_ts", "connected_calls_today",
                    "dial_attempts_today", "unreachable", "last_rpc_at", "first_unsuccessful_30d_at")
        )
        features = ageing.join(contact, on="loan_id", how="left")
        return features, self._loan_contacts(li, clock, rows)

    def _contact_counts(self, rows: pl.DataFrame, clock_bi: np.ndarray, today: np.ndarray,
                        as_of_us: int) -> dict[str, np.ndarray]:
        """Per clock row (its borrower's kept contacts up to as_of): the windowed attempt counts, reachability
        inputs and today's calls, as `features.contacts` defines them. A null flag counts as neither true nor
        false, as in the batch's three-valued conditions."""
        n = len(clock_bi)
        rank_of = np.full(self.nb, -1, dtype=np.int64)
        rank_of[clock_bi] = np.arange(n)  # any row of the borrower: their loans share the figures
        rk = rank_of[rows["bi"].to_numpy()]
        bi_rank = rank_of[clock_bi]  # each clock row's borrower's representative row

        def flag(name: str, value: bool) -> np.ndarray:
            col = rows[name]
            return ((col == value) & col.is_not_null()).fill_null(False).to_numpy()

        rpc, not_rpc, outbound = flag("is_rpc", True), flag("is_rpc", False), flag("outbound", True)
        remote = flag("remote", True)
        ch = rows["channel"].replace_strict({c: i for i, c in enumerate(REMOTE_CHANNELS)}, default=-1,
                                            return_dtype=pl.Int8).fill_null(-1).to_numpy()
        at = rows["at_us"].to_numpy()
        age = as_of_us - at
        out: dict[str, np.ndarray] = {}

        def count(mask: np.ndarray) -> np.ndarray:
            counts: np.ndarray = np.bincount(rk[mask], minlength=n)[bi_rank]
            return counts

        for i, c in enumerate(REMOTE_CHANNELS):
            on = (ch == i) & outbound
            for name, days in WINDOWS.items():
                in_w = on & (age < days * DAY_US)
                out[f"attempts_{c}_{name}"] = count(in_w)
                out[f"unsuccessful_{c}_{name}"] = count(in_w & not_rpc)
        failed = outbound & not_rpc & remote & (age < self.reach.window_days * DAY_US)
        last = np.full(n, NO_AT, dtype=np.int64)
        np.maximum.at(last, rk[rpc], at[rpc])
        out["kept_last_rpc"] = last[bi_rank]
        out["rpc_recent"] = count(rpc & (age < self.reach.no_rpc_days * DAY_US)) > 0
        seen = np.zeros(n * len(REMOTE_CHANNELS), dtype=np.int64)
        seen[rk[failed] * len(REMOTE_CHANNELS) + ch[failed]] = 1
        out["remote_channels_failed_30d"] = seen.reshape(n, len(REMOTE_CHANNELS)).sum(axis=1)[bi_rank]
        out["unsuccessful_remote_30d"] = count(failed)
        first = np.full(n, LATE_AT, dtype=np.int64)
        np.minimum.at(first, rk[failed], at[failed])
        out["first_failed"] = first[bi_rank]
        day = rows["day"].to_physical().fill_null(np.iinfo(np.int32).min).to_numpy().astype(np.int64)
        today_calls = outbound & (ch == REMOTE_CHANNELS.index("call")) & (day == today[rk])
        out["connected_calls_today"] = count(today_calls & rpc)
        out["dial_attempts_today"] = count(today_calls)
        return out

    def _loan_contacts(self, li: np.ndarray, clock: pl.DataFrame, rows: pl.DataFrame) -> pl.DataFrame:
        """The per-debt contact rows `policy.facts` reads (7-in-7 calls, first communication): the kept rows about
        each loan, plus per loan one row with its last right-party call and one with its first communication
        among the folded contacts."""
        loans = clock.select("loan_id", "li", "bi", "today")
        kept = (
            rows.join(loans, on="bi", how="inner")
            .filter((pl.col("cl") == -1) | (pl.col("cl") == pl.col("li")))
            .select("loan_id", "at", "channel", "outcome", "is_rpc", "outbound", "day", "today")
        )
        ld = li.astype(np.int64)
        bi = clock["bi"].to_numpy()
        last_call = np.maximum(self.l_rpc_call[ld], self.b0_rpc_call[bi])
        first_comm = np.minimum(self.l_first_comm[ld], self.b0_first_comm[bi])
        parts = [kept]
        for values, present, channel in ((last_call, last_call != NO_AT, RPC_CALL),
                                         (first_comm, first_comm != LATE_AT, FIRST_COMM)):
            if present.any():
                at = pl.from_epoch(pl.Series(values[present], dtype=pl.Int64), time_unit="us")
                parts.append(clock.filter(pl.Series(present)).with_columns(
                    at=at.dt.replace_time_zone("UTC")).select(
                    "loan_id", "at", channel=pl.lit(channel), outcome=pl.lit("rpc"), is_rpc=pl.lit(True),
                    outbound=pl.lit(False), day=local_date(pl.col("at"), pl.col("timezone"), self.zones),
                    today=pl.col("today")))
        return pl.concat(parts, how="vertical_relaxed").with_columns(about_loan=pl.lit(True))


def _nullable(values: np.ndarray, present: np.ndarray, dtype: type[pl.DataType]) -> pl.Series:
    """A column of `values`, null where not `present`."""
    return pl.Series(values, dtype=dtype).zip_with(pl.Series(present), pl.repeat(None, len(values), dtype=dtype,
                                                                                  eager=True))
