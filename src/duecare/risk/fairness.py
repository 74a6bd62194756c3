"""Fairness: protected attributes and proxies never become features; disparity per group is reported."""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

# Tokens of a column name that mark a protected attribute or an obvious proxy for one, with the reason.
PROTECTED_TOKENS: dict[str, str] = {
    "age": "protected: age", "birth": "protected: age", "dob": "protected: age", "birthday": "protected: age",
    "sex": "protected: sex", "gender": "protected: sex", "pregnancy": "protected: sex",
    "ethnicity": "protected: ethnicity", "ethnic": "protected: ethnicity", "race": "protected: ethnicity",
    "hukou": "proxy: origin", "religion": "protected: religion", "religious": "protected: religion",
    "nationality": "protected: national origin", "citizenship": "protected: national origin",
    "foreign": "protected: national origin", "national": "protected: national origin",
    "marital": "protected: marital status", "married": "protected: marital status",
    "disability": "protected: disability", "disabled": "protected: disability",
    "personal_status": "protected: marital status and sex",
    "zip": "proxy: geography", "zipcode": "proxy: geography", "postcode": "proxy: geography",
    "postal": "proxy: geography", "address": "proxy: geography", "addr": "proxy: geography",
    "state": "proxy: geography", "city": "proxy: geography", "lat": "proxy: geography", "lon": "proxy: geography",
    "province": "proxy: geography", "timezone": "proxy: geography",
    "name": "proxy: identity and ethnicity", "surname": "proxy: identity and ethnicity",
    "language": "proxy: ethnicity and national origin", "phones": "identifier", "phone": "identifier",
    "email": "identifier", "group": "protected: group attribute", "segment": "truth: not observable",
}


@dataclass(frozen=True)
class ProtectedFlag:
    """A column that must not be a model feature, and why."""

    column: str
    reason: str


def _tokens(column: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1_\2", column).lower()
    parts = [p for p in re.split(r"[^a-z0-9]+", spaced) if p]
    joined = ["_".join(parts[i:i + 2]) for i in range(len(parts) - 1)]
    return parts + joined


# Behavioural features whose names contain a flagged token but describe the loan or contact history, not the
# person: contact counts per channel ("email" is the channel, not the address) and the loan's own age.
BEHAVIOURAL = re.compile(r"^((attempts|unsuccessful)_(call|sms|email)_\d+d|loan_age_days)$")


def flag_protected(columns: list[str]) -> list[ProtectedFlag]:
    """Protected attributes and obvious proxies among candidate feature columns (matched on name tokens)."""
    flags = []
    for column in columns:
        if BEHAVIOURAL.match(column):
            continue
        reasons = [PROTECTED_TOKENS[t] for t in _tokens(column) if t in PROTECTED_TOKENS]
        if reasons:
            flags.append(ProtectedFlag(column=column, reason=reasons[0]))
    return flags


def allowed_features(columns: list[str]) -> list[str]:
    """The columns that are not flagged as protected or proxy."""
    flagged = {f.column for f in flag_protected(columns)}
    return [c for c in columns if c not in flagged]


FOUR_FIFTHS = 0.8


def disparity_report(scored: pl.DataFrame, group: str = "group", band: str = "risk_band",
                     score: str = "risk_score", treatments: tuple[str, ...] = (),
                     threshold: float = FOUR_FIFTHS) -> dict[str, object]:
    """Score distribution, high-band and treatment rates per group, and the 4/5ths-style rate ratios.

    The ratio compares the least and the most affected group's rate of an adverse outcome (min/max, ≤ 1);
    a ratio below `threshold` (0.8, the four-fifths rule) marks the outcome for human review.
    """
    rate_columns = {"high_band": (pl.col(band) == "high").cast(pl.Float64)}
    rate_columns |= {t: pl.col(t).cast(pl.Float64) for t in treatments}
    per_group = (
        scored.group_by(group)
        .agg(
            n=pl.len(),
            score_mean=pl.col(score).mean(),
            score_p10=pl.col(score).quantile(0.1),
            score_p50=pl.col(score).quantile(0.5),
            score_p90=pl.col(score).quantile(0.9),
            **{f"{name}_rate": expr.mean() for name, expr in rate_columns.items()},
        )
        .sort(group)
    )
    measures = {}
    for name in rate_columns:
        rates = per_group[f"{name}_rate"]
        high, low = rates.max(), rates.min()
        ratio = 1.0 if not high else float(low) / float(high)  # type: ignore[arg-type]
        measures[name] = {"min_rate": low, "max_rate": high, "ratio": round(ratio, 4),
                          "review": ratio < threshold}
    return {"group_column": group, "threshold": threshold, "groups": per_group.to_dicts(),
            "disparity": measures, "review_needed": any(m["review"] for m in measures.values())}
