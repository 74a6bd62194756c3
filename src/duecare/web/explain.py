"""Explanations of automated decisions (PIPL Art. 24; GDPR Art. 22): today's decision for each loan, its
reasons in words, the rules that blocked or allowed it with their sources, and the visit gate."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from duecare.privacy.permissions import Actor
from duecare.web.snapshot import decisions_for


def explanations(db: Session, actor: Actor, at: datetime, borrower_ids: list[str] | None = None) -> list[dict[str, Any]]:
    """The decision contract (DESIGN.md) per loan, for the borrowers the actor may read."""
    from duecare.policy.evaluator import Policy
    from duecare.policy.output import decision_json

    decided = decisions_for(db, actor, at, borrower_ids)
    if decided.height == 0:
        return []
    policy = Policy.default()
    rows = decision_json(decided, policy)
    extra = {r["loan_id"]: r for r in decided.select("loan_id", "borrower_id").to_dicts()}
    for row in rows:
        pack = policy.packs[row["policy"]["pack"]]
        row["borrower_id"] = extra[row["loan_id"]]["borrower_id"]
        row["ref"] = f"decision:{row['loan_id']}:{at.date().isoformat()}"
        row["summary"] = f"{row['action']} ({', '.join(row['reasons'])}); policy {row['policy']['version']}"
        row["blocked_by"] = [dict(b, text=_rule_text(pack, b["rule"])) for b in row["blocked_by"]]
        row["rule_line"] = _ladder_line(policy, row.get("ladder_line"))
        row["risk"] = _risk(row["features"])
    return rows


def _risk(features: dict[str, Any]) -> dict[str, Any] | None:
    """The model's score, band and adverse-action reasons (zh and en), when a model scored the loan."""
    if features.get("risk_score") is None:
        return None
    from duecare.risk.labels import reason_text

    codes = list(features.get("reason_codes") or [])
    return {"score": features["risk_score"], "band": features.get("risk_band"), "codes": codes,
            "reasons": [{"code": c, "en": reason_text(c, "en"), "zh": reason_text(c, "zh")} for c in codes]}


def _rule_text(pack: Any, rule_id: str) -> dict[str, str]:
    try:
        return dict(pack.rule(rule_id).description)
    except KeyError:
        return {}


def _ladder_line(policy: Any, line_id: str | None) -> dict[str, Any] | None:
    for line in policy.strategy.raw["ladder"]:
        if line["id"] == line_id:
            return {"id": line_id, "when": line["when"], "strategy": policy.strategy.strategy,
                    "version": policy.strategy.version}
    return None


def borrower_explanations(db: Session, actor: Actor, at: datetime) -> list[dict[str, Any]]:
    return explanations(db, actor, at, [actor.id])
