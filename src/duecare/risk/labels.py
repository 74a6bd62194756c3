"""Names of features in the reader's language (catalog ids in English), used to turn reason codes into
adverse-action reason text."""

from __future__ import annotations

import re

from duecare.kit.i18n import N_, translate

LABELS: dict[str, str] = {
    "dpd": N_("Days past due"),
    "overdue_amount": N_("Overdue amount"),
    "overdue_ratio": N_("Overdue amount relative to the installment"),
    "bucket": N_("Overdue bucket"),
    "episodes_12m": N_("Delinquency episodes in the last 12 months"),
    "max_dpd_12m": N_("Highest days past due in the last 12 months"),
    "days_to_next_due": N_("Days to the next due date"),
    "unreachable": N_("Could not be reached"),
    "remote_channels_failed_30d": N_("Remote channels without contact in 30 days"),
    "days_since_last_rpc": N_("Days since the last right-party contact"),
    "connected_calls_today": N_("Connected calls today"),
    "dial_attempts_today": N_("Dial attempts today"),
    "paid_ratio_90d": N_("Share of amount due paid in the last 90 days"),
    "payments_30d": N_("Payments in the last 30 days"),
    "days_since_last_payment": N_("Days since the last payment"),
    "ptp_broken_90d": N_("Broken promises to pay in 90 days"),
    "ptp_kept_90d": N_("Kept promises to pay in 90 days"),
    "rpc_30d": N_("Right-party contacts in 30 days"),
    "refused_90d": N_("Refusals to pay in 90 days"),
    "loan_age_days": N_("Age of the loan"),
    "installments_due": N_("Installments fallen due"),
    "principal": N_("Loan amount"),
    "int_rate": N_("Interest rate"),
    "interest_rate": N_("Interest rate"),
    "sub_grade": N_("Credit sub-grade"),
    "grade": N_("Credit grade"),
    "annual_inc": N_("Annual income"),
    "annual_income": N_("Annual income"),
    "term": N_("Loan term"),
    "debt_to_income": N_("Debt-to-income ratio"),
}
CHANNELS = {"call": N_("Call"), "sms": N_("SMS"), "email": N_("Email")}
WINDOWS = {"1d": N_("last day"), "7d": N_("last 7 days"), "30d": N_("last 30 days")}
ATTEMPTS = N_("{channel} attempts, {window}")
UNANSWERED = N_("Unanswered {channel} attempts, {window}")
LOWERED = N_("{feature} lowered the score")
_CONTACT = re.compile(r"^(attempts|unsuccessful)_(call|sms|email)_(1d|7d|30d)$")


def label(feature: str, language: str) -> str:
    """A feature's name in `language` (`zh` or `en`); an unknown name is its column name, capitalised."""
    if feature in LABELS:
        return translate(language, LABELS[feature])
    match = _CONTACT.match(feature)
    if match:
        kind, channel, window = match.groups()
        ch, win = translate(language, CHANNELS[channel]), translate(language, WINDOWS[window])
        if kind == "attempts":
            return translate(language, ATTEMPTS, channel=ch, window=win)
        return translate(language, UNANSWERED, channel=ch.lower(), window=win)
    plain = feature.replace("_", " ")
    return plain[:1].upper() + plain[1:]


def reason_text(feature: str, language: str) -> str:
    """Adverse-action reason: which attribute cost the account points (or raised its risk)."""
    return translate(language, LOWERED, feature=label(feature, language))
