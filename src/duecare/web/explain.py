"""Explanations of automated decisions (PIPL Art. 24; GDPR Art. 22): today's decision for each loan, its
reasons in words, the rules that blocked or allowed it with their sources, and the visit gate."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from duecare.privacy.permissions import Actor
from duecare.web.snapshot import decisions_for, page_policy

if TYPE_CHECKING:
    import polars as pl

    from duecare.policy.evaluator import Policy
    from duecare.policy.loader import Pack


def explanations(db: Session, actor: Actor, at: datetime, borrower_ids: list[str] | None = None,
                 decided: pl.DataFrame | None = None) -> list[dict[str, Any]]:
    """The decision contract (DESIGN.md) per loan, for the borrowers the actor may read. `decided`: their
    decision table at `at` when the caller has computed it already (web/casepage.case_snapshot)."""
    from duecare.policy.output import decision_rows

    if decided is None:
        decided = decisions_for(db, actor, at, borrower_ids)
    if decided.height == 0:
        return []
    policy = page_policy()  # the one the decision table was decided with
    borrower_of = dict(zip(decided["loan_id"].to_list(), decided["borrower_id"].to_list(), strict=True))
    rows = []
    for d in decision_rows(decided, policy):
        pack = policy.packs[d.policy.pack]
        rows.append({
            **d.as_json(),
            "borrower_id": borrower_of[d.loan_id],
            "ref": f"decision:{d.loan_id}:{at.date().isoformat()}",
            "summary": f"{d.action} ({', '.join(d.reasons)}); policy {d.policy.version}",
            "blocked_by": [{**b.model_dump(), "text": _rule_text(pack, b.rule)} for b in d.blocked_by],
            "rule_line": _ladder_line(policy, d.ladder_line, d.variant),
            "risk": _risk(d.features),
        })
    return rows


def _risk(features: dict[str, Any]) -> dict[str, Any] | None:
    """The model's score, band and adverse-action reasons (zh and en), when a model scored the loan."""
    if features.get("risk_score") is None:
        return None
    from duecare.risk.labels import reason_text

    codes = list(features.get("reason_codes") or [])
    return {"score": features["risk_score"], "band": features.get("risk_band"), "codes": codes,
            "reasons": [{"code": c, "en": reason_text(c, "en"), "zh": reason_text(c, "zh")} for c in codes]}


def _rule_text(pack: Pack, rule_id: str) -> dict[str, str]:
    try:
        return dict(pack.rule(rule_id).description)
    except KeyError:
        return {}


def _ladder_line(policy: Policy, line_id: str | None, variant: str) -> dict[str, Any] | None:
    """The deciding line: its condition as written (`dpd > {call_max_dpd}`) and as applied with the parameters of
    the decision's variant (`dpd > 29`), which is what a reader of the case needs."""
    line = policy.strategy.ladder_line(line_id)
    if line is None:
        return None
    applied = line.when.format(**policy.strategy.variant_params(variant).as_dict())
    return {"id": line.id, "when": line.when, "applied": applied, "strategy": policy.strategy.strategy,
            "version": policy.strategy.version}


def borrower_explanations(db: Session, actor: Actor, at: datetime) -> list[dict[str, Any]]:
    return explanations(db, actor, at, [actor.id])
