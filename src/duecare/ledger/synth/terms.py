"""Contract terms of the synthetic loans: rate, fees, late charges, and the APR the cash flows give.

The monthly schedule (equal instalments) is fixed before the terms are drawn, so the principal is what those
instalments repay at the nominal rate (their present value), and the APR is the internal rate of return of
"principal less fees received, instalments paid" — the same definition a lender's disclosure uses.
"""

from __future__ import annotations

import numpy as np

from duecare.ledger.synth import params

NEWTON_STEPS = 40


def present_value(amount: np.ndarray, inst_loan: np.ndarray, months: np.ndarray, monthly_rate: np.ndarray,
                  n_loans: int) -> np.ndarray:
    """Per loan: sum of instalments discounted at the loan's monthly rate (cents, float)."""
    discount = (1.0 + monthly_rate[inst_loan]) ** -months.astype(float)
    return np.bincount(inst_loan, weights=amount * discount, minlength=n_loans)


def monthly_irr(amount: np.ndarray, inst_loan: np.ndarray, months: np.ndarray, received: np.ndarray,
                guess: np.ndarray) -> np.ndarray:
    """Per loan: the monthly rate at which the instalments' present value equals the amount received."""
    i = np.maximum(guess, 1e-6)
    n = len(received)
    k = months.astype(float)
    for _ in range(NEWTON_STEPS):
        v = (1.0 + i[inst_loan]) ** -k
        f = np.bincount(inst_loan, weights=amount * v, minlength=n) - received
        df = np.bincount(inst_loan, weights=-k * amount * v / (1.0 + i[inst_loan]), minlength=n)
        i = np.maximum(i - f / np.where(df == 0, -1.0, df), 0.0)
    out: np.ndarray = i
    return out


def loan_terms(rng: np.random.Generator, jur: np.ndarray, amount: np.ndarray, inst_loan: np.ndarray,
               seq: np.ndarray) -> dict[str, np.ndarray]:
    """Per loan: principal (cents), interest_rate/apr/penalty_rate (basis points), fees/late_fee (cents), grace."""
    nl = len(jur)
    rate = np.empty(nl)
    fee_share = np.empty(nl)
    for j in range(len(params.JURISDICTIONS)):
        mask = jur == j
        rate[mask] = rng.choice(params.RATE_MENU[j], size=int(mask.sum()))
        fee_share[mask] = rng.choice(params.FEE_SHARE_MENU[j], size=int(mask.sum()))
    months = seq + 1
    principal = np.round(present_value(amount, inst_loan, months, rate / 1200.0, nl)).astype(np.int64)
    fees = np.round(principal * fee_share).astype(np.int64)
    irr = monthly_irr(amount, inst_loan, months, (principal - fees).astype(float), rate / 1200.0)
    effective = np.array(params.APR_EFFECTIVE)[jur]
    apr = np.where(effective, (1.0 + irr) ** 12 - 1.0, 12.0 * irr)
    penalty = rate * np.array(params.PENALTY_RATE_FACTOR)[jur]
    return {
        "principal": principal,
        "interest_rate": np.round(rate * 100).astype(np.int64),
        "apr": np.round(apr * 10_000).astype(np.int64),
        "fees": fees,
        "late_fee": np.array(params.LATE_FEE_MAJOR, dtype=np.int64)[jur] * 100,
        "penalty_rate": np.round(penalty * 100).astype(np.int64),
        "grace_days": np.array(params.GRACE_DAYS, dtype=np.int32)[jur],
    }
