"""Bilingual (en, zh) names of features, used to turn reason codes into adverse-action reason text."""

from __future__ import annotations

import re

LABELS: dict[str, tuple[str, str]] = {
    "dpd": ("Days past due", "逾期天数"),
    "overdue_amount": ("Overdue amount", "逾期金额"),
    "overdue_ratio": ("Overdue amount relative to the installment", "逾期金额相对每期应还金额"),
    "bucket": ("Overdue bucket", "逾期阶段"),
    "episodes_12m": ("Delinquency episodes in the last 12 months", "近12个月逾期次数"),
    "max_dpd_12m": ("Highest days past due in the last 12 months", "近12个月最高逾期天数"),
    "days_to_next_due": ("Days to the next due date", "距下一到期日天数"),
    "unreachable": ("Could not be reached", "失联"),
    "remote_channels_failed_30d": ("Remote channels without contact in 30 days", "近30天未联系到本人的远程渠道数"),
    "days_since_last_rpc": ("Days since the last right-party contact", "距上次联系到本人的天数"),
    "connected_calls_today": ("Connected calls today", "今日接通电话数"),
    "dial_attempts_today": ("Dial attempts today", "今日拨打次数"),
    "paid_ratio_90d": ("Share of amount due paid in the last 90 days", "近90天应还金额的已还比例"),
    "payments_30d": ("Payments in the last 30 days", "近30天还款笔数"),
    "days_since_last_payment": ("Days since the last payment", "距上次还款的天数"),
    "ptp_broken_90d": ("Broken promises to pay in 90 days", "近90天未兑现的还款承诺"),
    "ptp_kept_90d": ("Kept promises to pay in 90 days", "近90天已兑现的还款承诺"),
    "rpc_30d": ("Right-party contacts in 30 days", "近30天联系到本人次数"),
    "refused_90d": ("Refusals to pay in 90 days", "近90天拒绝还款次数"),
    "loan_age_days": ("Age of the loan", "借款时长"),
    "installments_due": ("Installments fallen due", "已到期期数"),
    "principal": ("Loan amount", "借款金额"),
    "int_rate": ("Interest rate", "利率"),
    "interest_rate": ("Interest rate", "利率"),
    "sub_grade": ("Credit sub-grade", "信用子等级"),
    "grade": ("Credit grade", "信用等级"),
    "annual_inc": ("Annual income", "年收入"),
    "annual_income": ("Annual income", "年收入"),
    "term": ("Loan term", "借款期限"),
    "debt_to_income": ("Debt-to-income ratio", "负债收入比"),
}
CHANNELS = {"call": ("Call", "电话"), "sms": ("SMS", "短信"), "email": ("Email", "邮件")}
WINDOWS = {"1d": ("last day", "近1天"), "7d": ("last 7 days", "近7天"), "30d": ("last 30 days", "近30天")}
_CONTACT = re.compile(r"^(attempts|unsuccessful)_(call|sms|email)_(1d|7d|30d)$")


def label(feature: str) -> tuple[str, str]:
    """(English, Chinese) name of a feature; unknown names fall back to the column name in both."""
    if feature in LABELS:
        return LABELS[feature]
    match = _CONTACT.match(feature)
    if match:
        kind, channel, window = match.groups()
        ch_en, ch_zh = CHANNELS[channel]
        win_en, win_zh = WINDOWS[window]
        if kind == "attempts":
            return f"{ch_en} attempts, {win_en}", f"{win_zh}{ch_zh}联系次数"
        return f"Unanswered {ch_en.lower()} attempts, {win_en}", f"{win_zh}{ch_zh}未联系到本人次数"
    plain = feature.replace("_", " ")
    return plain[:1].upper() + plain[1:], plain


def reason_text(feature: str, language: str) -> str:
    """Adverse-action reason: which attribute cost the account points (or raised its risk)."""
    en, zh = label(feature)
    return f"{zh}导致评分降低" if language == "zh" else f"{en} lowered the score"
