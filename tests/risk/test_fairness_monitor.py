"""Protected attributes and proxies are flagged; disparity is measured; PSI detects shifts."""

from __future__ import annotations

import numpy as np
import polars as pl

from duecare.risk.fairness import allowed_features, disparity_report, flag_protected
from duecare.risk.monitor import auc_drift, psi, stability_report


def test_protected_attributes_and_obvious_proxies_are_flagged() -> None:
    columns = ["Age", "age_in_years", "personal_status_and_sex", "gender", "ethnicity", "religion",
               "nationality", "foreign_worker", "Marital", "zip_code", "postcode", "name", "addr_state",
               "birthDate", "language"]
    assert {f.column for f in flag_protected(columns)} == set(columns)


def test_ordinary_credit_features_are_not_flagged() -> None:
    columns = ["loan_status", "verification_status", "num_mort_accounts", "dpd", "overdue_amount",
               "episodes_12m", "attempts_call_7d", "paid_ratio_90d", "interest_rate", "homeownership"]
    assert flag_protected(columns) == []
    assert allowed_features(columns + ["Age"]) == columns


def test_disparity_ratio_flags_a_group_with_far_more_high_bands() -> None:
    scored = pl.DataFrame({
        "group": ["A"] * 10 + ["B"] * 10,
        "risk_score": np.linspace(0, 1, 20),
        "risk_band": ["high"] * 2 + ["low"] * 8 + ["high"] * 5 + ["low"] * 5,
        "hold": [False] * 20,
    })
    report = disparity_report(scored, treatments=("hold",))
    assert report["disparity"]["high_band"]["ratio"] == 0.4  # type: ignore[index]
    assert report["disparity"]["high_band"]["review"] is True  # type: ignore[index]
    assert report["disparity"]["hold"]["review"] is False  # type: ignore[index]
    assert report["review_needed"] is True


def test_psi_of_identical_frames_is_zero_and_of_a_shift_is_large() -> None:
    rng = np.random.default_rng(0)
    ref = pl.Series(rng.normal(size=5000))
    assert psi(ref, ref) < 1e-9
    assert psi(ref, ref + 1.0) > 0.25
    cats = pl.Series(["a", "b", "c"] * 100)
    assert psi(cats, cats) < 1e-9


def test_stability_report_and_auc_drift_read_like_a_monitor() -> None:
    rng = np.random.default_rng(1)
    n = 400
    y = rng.integers(0, 2, n)
    frame = pl.DataFrame({"as_of": ["2026-01"] * (n // 2) + ["2026-02"] * (n // 2), "dpd": rng.integers(0, 30, n),
                          "risk_score": np.clip(y * 0.5 + rng.random(n) * 0.5, 0, 1), "bad": y})
    report = stability_report(frame, frame, ["dpd"])
    assert report["score"] == {"psi": 0.0, "status": "stable"}
    drift = auc_drift(frame, "bad")
    assert [d["as_of"] for d in drift] == ["2026-01", "2026-02"]
    assert all(d["auc"] > 0.8 for d in drift)
