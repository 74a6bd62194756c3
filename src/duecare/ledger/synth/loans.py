"""Loans, their monthly schedules and the payments each behaviour segment makes on them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa

from duecare.ledger.synth import arrow, params
from duecare.ledger.synth.params import AOT, DEF, HRD, OCC, UNR
from duecare.ledger.synth.terms import loan_terms
from duecare.ledger.synth.timebase import Clock, add_months, day_of_month

NEVER = np.int64(2**62)     # completion time of an installment that is never paid


@dataclass(frozen=True)
class Book:
    """Per-loan and per-installment arrays of one partition (indexes are partition-local)."""

    loan_borrower: np.ndarray     # loan → borrower index
    loan_ids: pa.Array
    loan_regular: np.ndarray      # regular installment amount, cents
    inst_loan: np.ndarray         # installment → loan index (installments grouped by loan, in seq order)
    inst_due: np.ndarray          # due date, days since epoch
    inst_done: np.ndarray         # UTC second the installment was fully paid (NEVER: not by the cut-off)
    pay_loan: np.ndarray          # payments, sorted by (loan, time)
    pay_at: np.ndarray


def _group_seq(counts: np.ndarray) -> np.ndarray:
    """0, 1, …, count-1 for each group, concatenated."""
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    within: np.ndarray = np.arange(int(counts.sum())) - starts
    return within


def _cummax_by_group(group: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Running maximum of `values` within each consecutive group; NEVER stays NEVER."""
    if len(values) == 0:
        return values
    finite = values < NEVER
    lo = values.min()
    top = values[finite].max() + 1 if finite.any() else lo + 1
    v = np.where(finite, values, top) - lo
    span = np.int64(top - lo + 1)
    g = group.astype(np.int64) * span
    out: np.ndarray = np.maximum.accumulate(g + v) - g + lo
    out[out == top] = NEVER
    return out


def loans_and_payments(rng: np.random.Generator, clock: Clock, people_ids: pa.Array, people_seg: np.ndarray,
                       people_jur: np.ndarray, people_tz: np.ndarray, cutoff: np.ndarray,
                       loan_start: int, pay_start: int) -> tuple[Book, dict[str, pa.Table]]:
    n = len(people_seg)
    per = rng.choice(params.LOANS_PER_BORROWER, size=n, p=params.LOANS_PER_BORROWER_P)
    lb = np.repeat(np.arange(n), per)
    nl = len(lb)
    seg, jur, tz = people_seg[lb], people_jur[lb], people_tz[lb]
    term = rng.choice(params.TERMS, size=nl, p=params.TERMS_P)
    lo = np.array([r[0] for r in params.PRINCIPAL_RANGE], dtype=float)[jur]
    hi = np.array([r[1] for r in params.PRINCIPAL_RANGE], dtype=float)[jur]
    step = np.array(params.ROUND_TO)[jur]
    major = np.exp(rng.uniform(np.log(lo), np.log(hi)))
    principal = np.clip(np.round(major / step) * step, lo, hi).astype(np.int64) * 100
    age = rng.integers(params.MIN_AGE_DAYS[seg], params.DISBURSED_WITHIN_DAYS + 1)
    disbursed = clock.as_of_day - age
    dom = np.minimum(day_of_month(disbursed), 28)

    # schedule: equal installments, the remainder cent(s) on the last one
    il = np.repeat(np.arange(nl), term)
    seq = _group_seq(term)
    due = add_months(disbursed[il], seq + 1, dom[il])
    regular = principal // term
    amount = np.where(seq == term[il] - 1, principal[il] - regular[il] * (term[il] - 1), regular[il])

    done_day, part_day, part_cents, unpaid = _behaviour(rng, clock, seg, term, disbursed, dom, il, seq,
                                                        due, amount)
    ni = len(il)
    itz, icut = tz[il], cutoff[lb][il]
    done = clock.to_utc(itz, done_day, rng.integers(*params.PAY_SECONDS, ni))
    on_time = (done_day <= due) & ~unpaid
    # an on-time payer whose due-day payment would fall after the cut-off pays just before it
    late_clock = on_time & (due < clock.as_of_day) & (done >= icut)
    done[late_clock] = icut[late_clock] - rng.integers(60, 3600, int(late_clock.sum()))
    done[unpaid] = NEVER
    done = _cummax_by_group(il, done)
    done[done >= icut] = NEVER
    has_part = part_cents > 0
    part_at = np.minimum(clock.to_utc(itz, part_day, rng.integers(*params.PAY_SECONDS, ni)), done)

    rest = amount - part_cents
    p_loan = np.concatenate([il[done < NEVER], il[has_part]])
    p_at = np.concatenate([done[done < NEVER], part_at[has_part]])
    p_amt = np.concatenate([rest[done < NEVER], part_cents[has_part]])
    keep = p_at < cutoff[lb][p_loan]
    pays = (pl.DataFrame({"loan": p_loan[keep], "at": p_at[keep], "cents": p_amt[keep]})
            .group_by("loan", "at").agg(pl.col("cents").sum()).sort("loan", "at"))
    pay_loan = pays["loan"].to_numpy()
    pay_at = pays["at"].to_numpy()

    # contract terms from a stream of their own (the draws above, and so every other file, stay as they were)
    terms = loan_terms(rng.spawn(1)[0], jur, amount.astype(float), il, seq)
    loan_ids = arrow.ids("L", loan_start, nl, 9)
    lid = pa.array(loan_ids)
    tables = {
        "loans": arrow.table("loans", {
            "loan_id": loan_ids, "borrower_id": people_ids.take(pa.array(lb)),
            "currency": arrow.codes(params.CURRENCY, jur), "principal": arrow.money(terms["principal"]),
            "disbursed_on": arrow.dates(disbursed),
            **{name: arrow.money(terms[name]) for name in ("interest_rate", "apr", "fees", "late_fee")},
            "penalty_rate": arrow.nullable(arrow.money(terms["penalty_rate"]), terms["penalty_rate"] > 0),
            "grace_days": pa.array(terms["grace_days"])}),
        "installments": arrow.table("installments", {
            "loan_id": lid.take(pa.array(il)), "seq": pa.array((seq + 1).astype(np.int32)),
            "due_date": arrow.dates(due), "amount": arrow.money(amount)}),
        "payments": arrow.table("payments", {
            "payment_id": arrow.ids("P", pay_start, len(pays), 10), "loan_id": lid.take(pa.array(pay_loan)),
            "paid_at": arrow.instants(pay_at), "amount": arrow.money(pays["cents"].to_numpy())}),
    }
    book = Book(loan_borrower=lb, loan_ids=loan_ids, loan_regular=regular, inst_loan=il, inst_due=due,
                inst_done=done, pay_loan=pay_loan, pay_at=pay_at)
    return book, tables


def _behaviour(rng: np.random.Generator, clock: Clock, seg: np.ndarray, term: np.ndarray,
               disbursed: np.ndarray, dom: np.ndarray, il: np.ndarray, seq: np.ndarray, due: np.ndarray,
               amount: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per installment: local day it is fully paid, day and cents of a partial payment, never-paid mask."""
    ni, nl = len(il), len(term)
    s = seg[il]
    # ordinary lag: on time, or late by a segment-specific distribution
    lag = rng.choice(params.ON_TIME_LAG, size=ni, p=params.ON_TIME_LAG_P)
    late = rng.random(ni) < params.P_LATE[s]
    geometric = rng.geometric(params.LATE_GEOM_P, ni)
    lognormal = 1 + np.round(rng.lognormal(np.log(params.CHRONIC_LAG_MEDIAN), params.CHRONIC_LAG_SIGMA, ni))
    late_lag = np.where(s == OCC, geometric, lognormal).astype(np.int64)
    lag = np.where(late, np.minimum(late_lag, params.LATE_CAP[s]), lag)
    unpaid = np.zeros(ni, dtype=bool)
    part_day = due.copy()
    part_cents = np.zeros(ni, dtype=np.int64)
    # ordinary partial payments: a share arrives between the due date and the final payment
    split = (rng.random(ni) < params.P_PARTIAL[s]) & (s != AOT)
    frac = rng.uniform(0.2, 0.8, ni)
    part_cents[split] = np.round(amount[split] * frac[split]).astype(np.int64)
    part_day[split] = due[split] + np.floor(rng.random(int(split.sum())) * (np.maximum(lag[split], 0) + 1)
                                            ).astype(np.int64)

    # hardship then cure: a window of missed installments, then one catch-up
    h_len = rng.choice(params.HARDSHIP_LEN, size=nl)
    h_first = np.floor(rng.random(nl) * np.maximum(term - h_len, 1)).astype(np.int64)
    h_last = np.minimum(h_first + h_len - 1, term - 1)
    cure_day = add_months(disbursed, h_last + 1, dom) + rng.integers(*params.HARDSHIP_CURE_DAYS, nl)
    in_window = (s == HRD) & (seq >= h_first[il]) & (seq <= h_last[il])
    lag = np.where(in_window, cure_day[il] - due, lag)
    first_h = in_window & (seq == h_first[il]) & (rng.random(ni) < params.HARDSHIP_PARTIAL_P)
    part_cents[in_window] = 0
    part_cents[first_h] = np.round(amount[first_h] * rng.uniform(0.2, 0.5, int(first_h.sum()))).astype(np.int64)
    part_day[first_h] = due[first_h] + rng.integers(0, 11, int(first_h.sum()))

    # default and unreachable: stop paying at a schedule position already due before as_of
    n_due = np.bincount(il, weights=(due < clock.as_of_day), minlength=nl).astype(np.int64)
    # months since stopping: skewed to recent stops (U² × the installments due so far)
    latest = np.where(seg == UNR, n_due - 2, n_due - 1)
    stop = np.maximum(latest - np.floor(rng.random(nl) ** params.STOP_SKEW * (latest + 1)).astype(np.int64), 0)
    stopper = (s == DEF) | (s == UNR)
    unpaid = stopper & (seq >= stop[il])
    at_stop = stopper & (seq == stop[il])
    part_cents[unpaid] = 0
    partial_stop = at_stop & (rng.random(ni) < params.STOP_PARTIAL_P[s])
    part_cents[partial_stop] = np.round(amount[partial_stop] * rng.uniform(0.1, 0.6, int(partial_stop.sum()))
                                        ).astype(np.int64)
    part_day[partial_stop] = due[partial_stop] + rng.integers(0, 21, int(partial_stop.sum()))
    return due + lag, part_day, part_cents, unpaid
