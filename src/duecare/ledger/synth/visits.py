"""The home-visit workflow for deep-delinquent unreachable borrowers: notice, consent, approval, visit."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from duecare.ledger.synth import params
from duecare.ledger.synth.contacts import ContactRows, Episodes
from duecare.ledger.synth.params import UNR, VISIT
from duecare.ledger.synth.timebase import DAY, Clock

VISIT_HOURS = (10 * 3600, 17 * 3600)


def notice_version(jurisdiction: str) -> str:
    """The version hash of the generator's visit-notice text for a jurisdiction."""
    return hashlib.sha256(f"duecare/visit_notice/{jurisdiction}/v1".encode()).hexdigest()


@dataclass
class Workflow:
    """Rows of notices, consents, approvals and visits; indexes are partition-local."""

    notice: dict[str, np.ndarray] = field(default_factory=dict)    # borrower, loan, at
    consent: dict[str, np.ndarray] = field(default_factory=dict)   # borrower, notice, decision, at, channel
    approval: dict[str, np.ndarray] = field(default_factory=dict)  # borrower, notice, approved, at, by
    visit: dict[str, np.ndarray] = field(default_factory=dict)     # borrower, loan, status, at


def _later(rng: np.random.Generator, clock: Clock, tz: np.ndarray, at: np.ndarray, days: tuple[int, int],
           hours: tuple[int, int] = VISIT_HOURS) -> np.ndarray:
    day = clock.local_day(tz, at) + rng.integers(days[0], days[1] + 1, len(at))
    return clock.to_utc(tz, day, rng.integers(*hours, len(at)))


def workflow(rng: np.random.Generator, clock: Clock, ep: Episodes, seg: np.ndarray, tz: np.ndarray,
             cutoff: np.ndarray, rows: ContactRows) -> Workflow:
    deep = (seg[ep.borrower] == UNR) & (ep.end - ep.start >= params.VISIT_MIN_DPD * DAY)
    cand = np.flatnonzero(deep & (rng.random(len(ep.loan)) < params.P_VISIT_NOTICE))
    b = ep.borrower[cand]
    day = ep.start_day[cand] + rng.integers(params.NOTICE_AFTER_DAYS[0], params.NOTICE_AFTER_DAYS[1] + 1,
                                            len(cand))
    sent = clock.to_utc(tz[b], day, rng.integers(*VISIT_HOURS, len(cand)))
    ok = sent < ep.end[cand]
    cand, b, sent = cand[ok], b[ok], sent[ok]
    wf = Workflow(notice={"borrower": b, "loan": ep.loan[cand], "at": sent})
    n = len(b)
    notice = np.arange(n)

    u = rng.random(n)
    granted = u < params.CONSENT_P["granted"]
    answered = u < params.CONSENT_P["granted"] + params.CONSENT_P["declined"]
    c_at = _later(rng, clock, tz[b], sent, params.CONSENT_AFTER_DAYS, (8 * 3600, 22 * 3600))
    answered &= c_at < cutoff[b]
    granted &= answered
    withdraw = granted & (rng.random(n) < params.WITHDRAW_P)
    w_at = _later(rng, clock, tz[b], c_at, (1, 10), (8 * 3600, 22 * 3600))
    withdraw &= w_at < cutoff[b]
    portal = rng.random(n) < 0.7
    wf.consent = {
        "borrower": np.r_[b[answered], b[withdraw]], "notice": np.r_[notice[answered], notice[withdraw]],
        "decision": np.r_[np.where(granted[answered], 0, 1), np.full(int(withdraw.sum()), 2)],
        "at": np.r_[c_at[answered], w_at[withdraw]],
        "portal": np.r_[portal[answered], np.ones(int(withdraw.sum()), dtype=bool)],
        "token": rng.integers(0, 2**62, int(answered.sum() + withdraw.sum())),
    }

    asked = granted & (rng.random(n) < params.P_APPROVAL_ASKED)
    a_at = _later(rng, clock, tz[b], c_at, (1, 3))
    asked &= a_at < cutoff[b]
    approved = asked & (rng.random(n) < params.APPROVED_P)
    wf.approval = {"borrower": b[asked], "notice": notice[asked], "approved": approved[asked],
                   "at": a_at[asked], "by": rng.integers(0, params.SUPERVISORS, int(asked.sum()))}

    v_at = _later(rng, clock, tz[b], a_at, params.VISIT_AFTER_DAYS)
    happened = approved & (v_at < cutoff[b])
    cancelled = happened & ((withdraw & (w_at < v_at)) | (rng.random(n) < params.VISIT_CANCELLED_P))
    proposed_at = a_at + rng.integers(3600, 4 * 3600, n)
    proposed = approved & ~happened & (proposed_at < cutoff[b])
    status = np.where(cancelled, 3, 2)                      # proposed 0, scheduled 1, completed 2, cancelled 3
    vis = happened | proposed
    wf.visit = {"borrower": b[vis], "loan": ep.loan[cand][vis],
                "status": np.where(proposed, 0, status)[vis], "at": np.where(proposed, proposed_at, v_at)[vis]}

    done = happened & ~cancelled
    m = int(done.sum())
    outcome = rng.choice(len(params.OUTCOMES), size=m, p=params.OUTBOUND_P[UNR, VISIT])
    rows.add(b[done], ep.loan[cand][done], v_at[done], np.full(m, VISIT), np.zeros(m, dtype=bool), outcome)
    return wf
