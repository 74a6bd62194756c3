"""Re-evaluate the home-visit gate on a loan's current facts, through the same decision path as the batch.

The facts come from the store's one reader (`ledger.repository.store_frames`), the decision from
`policy.evaluator.decide` with the batch's risk scorer, at the workflow's clock. The workflow adds no stop
reasons of its own: the decision engine and the workflow read the same facts and agree.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from duecare.ledger.models import Loan
from duecare.ledger.repository import borrower_frames
from duecare.policy.evaluator import Policy, Scorer, decide
from duecare.policy.output import Decision, decision_rows
from duecare.visits.scope import RuleRef, VisitPolicy

# Gate codes that only say the workflow has not reached a later step yet (not a reason to stop the visit).
STEP_CODES = frozenset({"notice_not_sent", "notice_period_running", "consent_missing", "approval_missing"})


class GateCheck(BaseModel):
    """One condition of the visit gate for one loan: met or not, what it tests, the rules behind it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    met: bool
    condition: str
    rules: list[RuleRef]


@dataclass(frozen=True)
class GateEvaluation:
    """The decision for one loan at one moment, with each gate condition."""

    at: datetime
    decision: Decision
    gate_detail: list[GateCheck] = field(default_factory=list)
    changes_since_notice: list[str] = field(default_factory=list)  # kept empty: the gate itself decides

    @property
    def action(self) -> str:
        return self.decision.action

    @property
    def unmet(self) -> list[str]:
        return list(self.decision.unmet)

    @property
    def eligible(self) -> bool:
        return not self.unmet

    @property
    def preconditions_unmet(self) -> list[str]:
        """Unmet codes that forbid the visit outright (everything but 'a later step is still to come')."""
        return [c for c in self.unmet if c not in STEP_CODES]

    def stop_reasons(self, allowed_steps: frozenset[str] = frozenset()) -> list[str]:
        """Unmet conditions not excused at this step."""
        return [c for c in self.unmet if c not in allowed_steps]

    def as_json(self) -> dict[str, Any]:
        """As stored with each workflow event: the decision contract plus `gate_detail`."""
        return {"at": self.at.isoformat(), "decision": {**self.decision.as_json(),
                                                         "gate_detail": [c.model_dump() for c in self.gate_detail]}}

    @property
    def digest(self) -> str:
        text = json.dumps(self.as_json(), sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def evaluate(session: Session, loan_id: str, at: datetime, policy: VisitPolicy,
             notice_id: str | None = None, exclude_visit_ids: tuple[str, ...] = (),
             scorer: Scorer | None = None) -> GateEvaluation:
    """The gate for `loan_id` on the store's facts as of `at` (the workflow's own ledger visit left out)."""
    return evaluate_many(session, [loan_id], at, policy, exclude_visit_ids, scorer)[loan_id]


def evaluate_many(session: Session, loan_ids: list[str], at: datetime, policy: VisitPolicy,
                  exclude_visit_ids: tuple[str, ...] = (), scorer: Scorer | None = None) -> dict[str, GateEvaluation]:
    """The gate for several loans of ONE borrower in one vectorised evaluation."""
    loans = [session.get(Loan, lid) for lid in loan_ids]
    if any(ln is None for ln in loans):
        raise LookupError(f"loan {next(lid for lid, ln in zip(loan_ids, loans, strict=True) if ln is None)} "
                          "not found")
    borrower_ids = {ln.borrower_id for ln in loans if ln is not None}
    if len(borrower_ids) != 1:
        raise ValueError("evaluate_many takes the loans of one borrower")
    frames = borrower_frames(session, borrower_ids.pop(), exclude_visit_ids=exclude_visit_ids)
    pol = Policy(packs=policy.packs, strategy=policy.strategy)
    decisions = decide(frames, at, pol, scorer=scorer)
    rows = {d.loan_id: d for d in decision_rows(decisions.filter(decisions["loan_id"].is_in(loan_ids)), pol)}
    out = {}
    for loan_id in loan_ids:
        decision = rows.get(loan_id)
        if decision is None:
            raise LookupError(f"loan {loan_id} has no schedule to decide on")
        pack = decision.policy.pack
        detail = [GateCheck(code=line.code, met=line.code not in decision.unmet, condition=line.unmet_when,
                            rules=policy.gate_rules(line.code, pack))
                  for line in policy.strategy.visit_gate]
        out[loan_id] = GateEvaluation(at=at, decision=decision, gate_detail=detail)
    return out
