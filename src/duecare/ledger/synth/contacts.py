"""Delinquency episodes per loan and the contact history and promises to pay they cause."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from duecare.ledger.synth import params
from duecare.ledger.synth.loans import Book
from duecare.ledger.synth.params import (
    BUSY,
    CALL,
    DISPUTE,
    INVALID,
    NO_ANSWER,
    PTP,
    REFUSED,
    RPC,
    THIRD_PARTY,
    VISIT,
    VOICEMAIL,
)
from duecare.ledger.synth.timebase import DAY, Clock


@dataclass(frozen=True)
class Episodes:
    """Maximal overdue runs of one loan, cut at the snapshot: start and end are UTC seconds."""

    loan: np.ndarray
    borrower: np.ndarray
    start: np.ndarray        # start of the first overdue local day (the day after the due date)
    start_day: np.ndarray    # that local day
    end: np.ndarray          # cured (fully paid) or the cut-off, whichever is first
    cured: np.ndarray        # the episode ended by payment before the cut-off


@dataclass
class ContactRows:
    """Contact events as columns; appended to by every stage that produces contacts."""

    borrower: list[np.ndarray]
    loan: list[np.ndarray]       # -1: not about one loan
    at: list[np.ndarray]
    channel: list[np.ndarray]
    inbound: list[np.ndarray]
    outcome: list[np.ndarray]

    @classmethod
    def empty(cls) -> ContactRows:
        return cls([], [], [], [], [], [])

    def add(self, borrower: np.ndarray, loan: np.ndarray, at: np.ndarray, channel: np.ndarray,
            inbound: np.ndarray, outcome: np.ndarray) -> None:
        for col, v in zip((self.borrower, self.loan, self.at, self.channel, self.inbound, self.outcome),
                          (borrower, loan, at, channel, inbound, outcome), strict=True):
            col.append(np.asarray(v))

    def columns(self) -> dict[str, np.ndarray]:
        names = ("borrower", "loan", "at", "channel", "inbound", "outcome")
        cols = (self.borrower, self.loan, self.at, self.channel, self.inbound, self.outcome)
        return {n: np.concatenate(c) if c else np.zeros(0, dtype=np.int64) for n, c in zip(names, cols,
                                                                                         strict=True)}


def episodes(clock: Clock, book: Book, tz: np.ndarray, cutoff: np.ndarray) -> Episodes:
    il = book.inst_loan
    b = book.loan_borrower[il]
    day_after = book.inst_due + 1
    start = clock.to_utc(tz[b], day_after, np.zeros_like(day_after))
    done = book.inst_done
    late = (done >= start) & (start < cutoff[b])
    same_loan = np.r_[False, il[1:] == il[:-1]]
    prev_done = np.r_[np.int64(-1), done[:-1]]
    first = late & ~(same_loan & (prev_done >= start))
    ep = np.cumsum(first) - 1
    li = np.flatnonzero(late)
    last = np.r_[ep[li][1:] != ep[li][:-1], True] if len(li) else np.zeros(0, dtype=bool)
    fi = np.flatnonzero(first)
    end_raw = done[li[last]]
    bb = b[fi]
    end = np.minimum(end_raw, cutoff[bb])
    return Episodes(loan=il[fi], borrower=bb, start=start[fi], start_day=day_after[fi], end=end,
                    cured=end_raw < cutoff[bb])


def _sample(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One category per row of a (rows × categories) probability matrix."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs))[:, None]
    chosen: np.ndarray = np.minimum((u >= cum).sum(axis=1), probs.shape[1] - 1)
    return chosen


def outbound(rng: np.random.Generator, clock: Clock, ep: Episodes, seg: np.ndarray, tz: np.ndarray,
             rows: ContactRows) -> tuple[np.ndarray, np.ndarray]:
    """The collection ladder for every episode; returns (episode, at) of its ptp outcomes."""
    span_days = -(-(ep.end - ep.start) // DAY)
    count = np.searchsorted(params.LADDER[:, 0], span_days, side="left")
    e = np.repeat(np.arange(len(count)), count)
    k = np.arange(len(e)) - np.repeat(np.cumsum(count) - count, count)
    offset, channel = params.LADDER[k, 0], params.LADDER[k, 1]
    b = ep.borrower[e]
    at = clock.to_utc(tz[b], ep.start_day[e] + offset, rng.integers(*params.CONTACT_SECONDS, len(e)))
    keep = (at < ep.end[e]) & (rng.random(len(e)) < params.ATTEMPT_KEEP_P)
    e, offset, channel, b, at = e[keep], offset[keep], channel[keep], b[keep], at[keep]
    outcome = _sample(rng, params.OUTBOUND_P[seg[b], channel])
    # at most one promise per episode and delinquency month: later ptp answers are plain rpc
    is_ptp = np.flatnonzero(outcome == PTP)
    month_key = e[is_ptp] * 64 + offset[is_ptp] // 30
    repeat = np.r_[False, month_key[1:] == month_key[:-1]]
    outcome[is_ptp[repeat]] = RPC
    rows.add(b, ep.loan[e], at, channel, np.zeros(len(e), dtype=bool), outcome)
    ptp = outcome == PTP
    return e[ptp], at[ptp]


def inbound(rng: np.random.Generator, clock: Clock, ep: Episodes, seg: np.ndarray, tz: np.ndarray,
            cutoff: np.ndarray, rows: ContactRows) -> tuple[np.ndarray, np.ndarray]:
    """Borrowers calling in: one call in some episodes, and a service call for a few borrowers."""
    calls = np.flatnonzero(rng.random(len(ep.loan)) < params.P_INBOUND[seg[ep.borrower]])
    b = ep.borrower[calls]
    span = np.maximum((ep.end[calls] - ep.start[calls]) // DAY, 1)
    day = ep.start_day[calls] + np.floor(rng.random(len(calls)) * span).astype(np.int64)
    at = clock.to_utc(tz[b], day, rng.integers(*params.CONTACT_SECONDS, len(calls)))
    ok = at < ep.end[calls]
    calls, b, at = calls[ok], b[ok], at[ok]
    outcome = _sample(rng, params.INBOUND_P[seg[b]])
    rows.add(b, ep.loan[calls], at, np.full(len(b), CALL), np.ones(len(b), dtype=bool), outcome)

    n = len(seg)
    svc = np.flatnonzero(rng.random(n) < params.P_SERVICE_CALL)
    day = clock.as_of_day - rng.integers(1, 366, len(svc))
    s_at = clock.to_utc(tz[svc], day, rng.integers(*params.CONTACT_SECONDS, len(svc)))
    ok = s_at < cutoff[svc]
    rows.add(svc[ok], np.full(int(ok.sum()), -1), s_at[ok], np.full(int(ok.sum()), CALL),
             np.ones(int(ok.sum()), dtype=bool), np.full(int(ok.sum()), RPC))
    ptp = outcome == PTP
    return calls[ptp], at[ptp]


def agents_and_durations(rng: np.random.Generator, channel: np.ndarray,
                         outcome: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Agent number (-1: none; calls A…, visits F…) and call/visit duration in seconds (-1: none)."""
    n = len(channel)
    agent = np.full(n, -1, dtype=np.int64)
    is_call, is_visit = channel == CALL, channel == VISIT
    agent[is_call] = rng.integers(0, params.AGENTS, int(is_call.sum()))
    agent[is_visit] = rng.integers(0, params.FIELD_AGENTS, int(is_visit.sum()))
    talk = np.isin(outcome, (RPC, PTP, REFUSED, DISPUTE))
    dur = np.full(n, -1, dtype=np.int64)
    conv = np.minimum(30 + rng.lognormal(np.log(150), 0.6, n), 1800).astype(np.int64)
    dur = np.where(is_call & talk, conv, dur)
    dur = np.where(is_call & np.isin(outcome, (NO_ANSWER, BUSY, INVALID)), 0, dur)
    dur = np.where(is_call & (outcome == VOICEMAIL), rng.integers(15, 46, n), dur)
    dur = np.where(is_call & (outcome == THIRD_PARTY), rng.integers(20, 91, n), dur)
    dur = np.where(is_visit, np.where(outcome == RPC, rng.integers(900, 2701, n), rng.integers(120, 601, n)),
                   dur)
    return agent, dur


def promises(rng: np.random.Generator, clock: Clock, book: Book, ep: Episodes, tz: np.ndarray,
             ptp_ep: np.ndarray, ptp_at: np.ndarray) -> dict[str, np.ndarray]:
    """One promise per ptp outcome; kept when the loan received a payment by the promised date."""
    loan = ep.loan[ptp_ep]
    b = ep.borrower[ptp_ep]
    day = clock.local_day(tz[b], ptp_at) + rng.integers(params.PROMISE_DAYS[0], params.PROMISE_DAYS[1] + 1,
                                                        len(loan))
    half = rng.random(len(loan)) < params.PROMISE_HALF_P
    cents = np.where(half, book.loan_regular[loan] // 2, book.loan_regular[loan])
    deadline = clock.to_utc(tz[b], day + 1, np.zeros_like(day))
    base = clock.first_day * DAY
    big = np.int64(2**32)
    pay_key = book.pay_loan.astype(np.int64) * big + (book.pay_at - base)
    pos = np.searchsorted(pay_key, loan.astype(np.int64) * big + (ptp_at - base), side="left")
    pos_c = np.minimum(pos, max(len(pay_key) - 1, 0))
    found = (pos < len(pay_key))
    if len(pay_key):
        found &= (book.pay_loan[pos_c] == loan) & (book.pay_at[pos_c] < deadline)
    status = np.where(found, 1, np.where(day >= clock.as_of_day, 0, 2))   # open, kept, broken
    cancel = (status != 1) & (rng.random(len(loan)) < params.PROMISE_CANCELLED_P)
    status = np.where(cancel, 3, status)
    order = np.lexsort((ptp_at, b))
    return {"borrower": b[order], "loan": loan[order], "day": day[order], "cents": cents[order],
            "status": status[order]}
