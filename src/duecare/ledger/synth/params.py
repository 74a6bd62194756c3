"""The generating process as data: every probability docs/generator.md documents lives here."""

from __future__ import annotations

import numpy as np

SEGMENTS = ("always_on_time", "occasionally_late", "chronic_late", "hardship_then_cure", "default",
            "unreachable")
AOT, OCC, CHR, HRD, DEF, UNR = range(6)
SEGMENT_P = np.array([0.55, 0.18, 0.10, 0.06, 0.07, 0.04])

# Fairness attribute: P(group == "B" | segment), a mild correlation with the bad segments.
GROUP_B_P = np.array([0.45, 0.48, 0.55, 0.52, 0.58, 0.58])

JURISDICTIONS = ("cn", "us", "uk")
MIXED_P = np.array([0.70, 0.20, 0.10])
CURRENCY = ("CNY", "USD", "GBP")
# Principal range per jurisdiction (major units), log-uniform, rounded to ROUND_TO.
PRINCIPAL_RANGE = ((1_000, 50_000), (200, 7_000), (150, 6_000))
ROUND_TO = (100, 10, 10)
EMAIL_P = (0.55, 0.90, 0.90)          # share of borrowers with an email address
SECOND_PHONE_P = 0.20
ADDRESS_MISSING_P = 0.03

LOANS_PER_BORROWER = np.array([1, 2, 3])
LOANS_PER_BORROWER_P = np.array([0.85, 0.12, 0.03])
TERMS = np.array([3, 6, 9, 12, 18, 24])
TERMS_P = np.array([0.10, 0.20, 0.10, 0.30, 0.15, 0.15])
DISBURSED_WITHIN_DAYS = 730
# Defaults and unreachables need a history to go bad in: they borrowed at least this long before as_of.
MIN_AGE_DAYS = np.array([1, 1, 1, 1, 65, 95])

# --- payments -------------------------------------------------------------------------------------
ON_TIME_LAG = np.array([-5, -4, -3, -2, -1, 0])            # days before the due date
ON_TIME_LAG_P = np.array([0.05, 0.05, 0.10, 0.15, 0.25, 0.40])
P_LATE = np.array([0.0, 0.12, 0.65, 0.10, 0.30, 0.20])      # per installment, outside special windows
LATE_GEOM_P = 1 / 6          # occasionally_late: lag = 1 + Geometric(1/6) - 1, mean 6 days, cap 60
CHRONIC_LAG_MEDIAN, CHRONIC_LAG_SIGMA = 12.0, 0.7   # chronic_late and others: 1 + LogNormal, cap 120
LATE_CAP = np.array([0, 60, 120, 60, 90, 90])
P_PARTIAL = np.array([0.0, 0.03, 0.15, 0.05, 0.10, 0.05])  # a paid installment arrives in two parts
HARDSHIP_LEN = np.array([2, 3, 4])                          # missed installments in the hardship window
HARDSHIP_CURE_DAYS = (5, 25)                                # cure: lump sum this long after the last miss
HARDSHIP_PARTIAL_P = 0.5
STOP_SKEW = 2.0     # stop position = latest due − floor(U**STOP_SKEW × (latest + 1))
STOP_PARTIAL_P = np.array([0, 0, 0, 0, 0.40, 0.10])         # partial payment on the first unpaid one
PAY_SECONDS = (7 * 3600, 24 * 3600)                         # local time of day of payments

# --- contacts -------------------------------------------------------------------------------------
CHANNELS = ("call", "sms", "email", "letter", "visit")
CALL, SMS, EMAIL, LETTER, VISIT = range(5)
OUTCOMES = ("rpc", "ptp", "refused", "dispute", "no_answer", "busy", "voicemail", "invalid",
            "third_party", "delivered", "undelivered")
RPC, PTP, REFUSED, DISPUTE, NO_ANSWER, BUSY, VOICEMAIL, INVALID, THIRD_PARTY, DELIVERED, UNDELIVERED = \
    range(11)


def _ladder() -> np.ndarray:
    """Outbound attempts per delinquency month: (day since the episode began, channel)."""
    first = [(0, SMS), (1, CALL), (2, CALL), (4, EMAIL), (5, CALL), (7, SMS), (9, CALL), (12, CALL),
             (14, EMAIL), (16, CALL), (19, CALL), (21, SMS), (23, CALL), (26, CALL), (28, EMAIL)]
    later = [(1, CALL), (4, SMS), (7, CALL), (11, CALL), (15, EMAIL), (19, CALL), (23, SMS), (27, CALL)]
    rows: list[tuple[int, int]] = list(first)
    rows += [(30 + d, c) for d, c in first] + [(35, LETTER)]
    for month in range(2, 40):
        rows += [(30 * month + d, c) for d, c in later]
        if month == 2:
            rows.append((60, LETTER))
    rows.sort()
    return np.array(rows, dtype=np.int64)


LADDER = _ladder()
ATTEMPT_KEEP_P = 0.9                      # each ladder attempt really happens with this probability
CONTACT_SECONDS = (9 * 3600, 21 * 3600)  # local time of outbound attempts (inside every quiet-hours rule)

_O = len(OUTCOMES)


def _row(**p: float) -> list[float]:
    out = [0.0] * _O
    for name, v in p.items():
        out[OUTCOMES.index(name)] = v
    assert abs(sum(out) - 1) < 1e-9, p
    return out


# OUTBOUND_P[segment][channel] → outcome probabilities.
_call = {
    AOT: _row(rpc=.35, ptp=.15, refused=.02, dispute=.01, no_answer=.30, busy=.07, voicemail=.08,
              third_party=.02),
    OCC: _row(rpc=.30, ptp=.20, refused=.03, dispute=.01, no_answer=.28, busy=.07, voicemail=.08,
              third_party=.03),
    CHR: _row(rpc=.20, ptp=.15, refused=.08, dispute=.02, no_answer=.35, busy=.08, voicemail=.09,
              third_party=.03),
    HRD: _row(rpc=.25, ptp=.10, refused=.05, dispute=.02, no_answer=.35, busy=.08, voicemail=.12,
              third_party=.03),
    DEF: _row(rpc=.10, ptp=.08, refused=.15, dispute=.03, no_answer=.40, busy=.08, voicemail=.10,
              invalid=.02, third_party=.04),
    UNR: _row(rpc=.005, no_answer=.55, busy=.12, voicemail=.12, invalid=.12, third_party=.085),
}
_msg_ok = _row(rpc=.04, delivered=.92, undelivered=.04)
_msg = {AOT: _msg_ok, OCC: _msg_ok, CHR: _row(rpc=.03, delivered=.92, undelivered=.05),
        HRD: _row(rpc=.06, delivered=.90, undelivered=.04), DEF: _row(rpc=.01, delivered=.91, undelivered=.08),
        UNR: _row(delivered=.62, undelivered=.38)}
_letter = {s: _row(delivered=.95, undelivered=.05) for s in range(5)} | {UNR: _row(delivered=.6,
                                                                                     undelivered=.4)}
_visit = {s: _row(rpc=.6, no_answer=.25, third_party=.15) for s in range(6)}
OUTBOUND_P = np.array([[_call[s], _msg[s], _msg[s], _letter[s], _visit[s]] for s in range(6)])

# Inbound calls: one per delinquency episode with P_INBOUND[segment]; outcomes below.
P_INBOUND = np.array([0.05, 0.15, 0.20, 0.40, 0.12, 0.01])
INBOUND_P = np.array([_row(rpc=.55, ptp=.35, dispute=.07, refused=.03)] * 4
                     + [_row(rpc=.50, ptp=.20, dispute=.20, refused=.10), _row(rpc=.7, ptp=.2, dispute=.1)])
P_SERVICE_CALL = 0.04                # any borrower: one inbound service call (rpc) in the last year
AGENTS, FIELD_AGENTS, SUPERVISORS = 300, 40, 12

# --- promises -------------------------------------------------------------------------------------
PROMISE_DAYS = (1, 7)              # promised date = contact date + U{1..7}
PROMISE_HALF_P = 0.3               # promise of half an installment instead of a whole one
PROMISE_CANCELLED_P = 0.03         # of the promises not kept

# --- home-visit workflow (deep-delinquent unreachable borrowers only) ------------------------------
VISIT_MIN_DPD = 75
P_VISIT_NOTICE = 0.35
NOTICE_AFTER_DAYS = (60, 90)
CONSENT_P = {"granted": 0.25, "declined": 0.20}     # the rest never answer
CONSENT_AFTER_DAYS = (2, 10)
WITHDRAW_P = 0.10
P_APPROVAL_ASKED = 0.85
APPROVED_P = 0.85
VISIT_AFTER_DAYS = (3, 14)
VISIT_CANCELLED_P = 0.15

# --- flags: P(flag) = base, or the segment's own value where listed --------------------------------
FLAG_P: dict[str, np.ndarray] = {
    "vulnerable": np.array([0.02, 0.03, 0.04, 0.06, 0.04, 0.04]),
    "dispute_open": np.array([0.002, 0.005, 0.01, 0.01, 0.03, 0.01]),
    "hardship_open": np.array([0.002, 0.005, 0.01, 0.15, 0.02, 0.01]),
    "deceased": np.array([0.0005, 0.0005, 0.001, 0.001, 0.004, 0.004]),
    "bankrupt": np.array([0.0005, 0.001, 0.003, 0.003, 0.01, 0.005]),
    "represented_by_lawyer": np.array([0.001, 0.002, 0.005, 0.003, 0.015, 0.005]),
    "do_not_contact": np.array([0.003, 0.003, 0.005, 0.005, 0.01, 0.005]),
}

# --- contract terms (ledger/synth/terms.py; drawn from a stream of their own, so nothing above changes) ------
# Nominal interest, percent a year, per jurisdiction (cn, us, uk): a discrete menu of list prices.
RATE_MENU = (np.array([7.20, 10.80, 14.40, 18.00, 23.40]), np.array([9.99, 14.99, 19.99, 24.99, 29.99, 35.99]),
             np.array([6.90, 12.90, 19.90, 29.90, 39.90]))
# Up-front fee as a share of the principal (cn lenders quote it inside the annualised rate: none).
FEE_SHARE_MENU = (np.array([0.0]), np.array([0.0, 0.01, 0.03, 0.05]), np.array([0.0, 0.0, 0.01]))
LATE_FEE_MAJOR = (0, 25, 12)        # flat charge per missed instalment (cn: default interest instead)
PENALTY_RATE_FACTOR = (1.5, 0.0, 0.0)  # default interest = factor x nominal rate (0: none on file)
GRACE_DAYS = (3, 15, 0)
APR_EFFECTIVE = (False, False, True)  # uk states the APR as an effective annual rate; cn and us as 12 x monthly
