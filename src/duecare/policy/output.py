"""Decision rows as the JSON contract of DESIGN.md (CLI, API) and as Parquet columns (batch)."""

from __future__ import annotations

from typing import Any

import polars as pl

from duecare.contacts.features import FEATURE_NAMES
from duecare.kit.localtime import iso_local
from duecare.kit.money import json_number
from duecare.policy.evaluator import Policy

EXTRA_FEATURES = ("risk_score", "risk_band", "reason_codes")


def with_local_strings(decisions: pl.DataFrame) -> pl.DataFrame:
    """not_before as ISO 8601 in the borrower's zone, with its offset."""
    zones = sorted(z for z in decisions["timezone"].unique().to_list() if z is not None)
    return decisions.with_columns(not_before_local=iso_local(pl.col("not_before"), pl.col("timezone"), zones))


def feature_dict(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in FEATURE_NAMES:
        if name == "overdue_amount":
            out[name] = json_number(int(row["overdue_minor"]))
        else:
            out[name] = row.get(name)
    for name in EXTRA_FEATURES:
        if name in row and row[name] is not None:
            out[name] = row[name]
    return out


def decision_json(decisions: pl.DataFrame, policy: Policy) -> list[dict[str, Any]]:
    """One JSON object per loan, in the order of DESIGN.md's decision contract."""
    rows = with_local_strings(decisions).to_dicts()
    out = []
    for row in rows:
        pack = policy.packs[row["pack"]]
        sources = {r.id: r.source for r in pack.rules}
        sources[policy.strategy.raw["visit_window"]["rule"]] = policy.strategy.raw["visit_window"]["source"]
        out.append({
            "loan_id": row["loan_id"],
            "action": row["action"],
            "channel": row["channel"],
            "not_before": row["not_before_local"],
            "reasons": row["reasons"],
            "blocked_by": [{"rule": r, "source": sources.get(r, "")} for r in row["blocked_rules"]],
            "visit_gate": {"eligible": row["visit_eligible"], "unmet": row["visit_unmet"]},
            "features": feature_dict(row),
            "policy": {"pack": row["pack"], "strategy": policy.strategy.strategy,
                       "version": row["policy_version"]},
            "variant": row["variant"],
            "ladder_line": row["ladder_line"],
        })
    return out
