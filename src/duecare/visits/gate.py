"""Re-evaluate the home-visit gate on a loan's current facts, with the same `decide` the batch uses.

Beyond the gate, a visit is also stopped by anything that changed since its notice: a payment on the loan or
a right-party contact (either direction, any remote channel). Promises, disputes and vulnerability are holds
the gate already reads.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.ledger.models import ContactEvent, Loan, Notice, Payment
from duecare.ledger.repository import borrower_frames
from duecare.policy.evaluator import Policy, decide
from duecare.policy.output import decision_json
from duecare.visits.scope import VisitPolicy

RPC_OUTCOMES = ("rpc", "ptp", "refused", "dispute")
# Gate codes that only say the workflow has not reached a later step yet (not a reason to stop the visit).
STEP_CODES = frozenset({"notice_not_sent", "notice_period_running", "consent_missing", "approval_missing"})


@dataclass(frozen=True)
class GateEvaluation:
    """The decision for one loan at one moment, plus what changed since the notice."""

    at: datetime
    decision: dict[str, Any]
    changes_since_notice: list[str] = field(default_factory=list)

    @property
    def action(self) -> str:
        return str(self.decision["action"])

    @property
    def unmet(self) -> list[str]:
        return list(self.decision["visit_gate"]["unmet"])

    @property
    def preconditions_unmet(self) -> list[str]:
        """Unmet codes that forbid the visit outright (everything but 'a later step is still to come')."""
        return [c for c in self.unmet if c not in STEP_CODES]

    def stop_reasons(self, allowed_steps: frozenset[str] = frozenset()) -> list[str]:
        """Why the visit must stop now: unmet conditions not excused at this step, and changes since notice."""
        return [c for c in self.unmet if c not in allowed_steps] + self.changes_since_notice

    def as_json(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "decision": self.decision,
                "changes_since_notice": self.changes_since_notice}

    @property
    def digest(self) -> str:
        text = json.dumps(self.as_json(), sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def _changes_since(session: Session, notice: Notice | None, loan: Loan, at: datetime) -> list[str]:
    if notice is None:
        return []
    since = notice.sent_at
    found = []
    paid = session.scalar(select(Payment.id).where(Payment.loan_id == loan.id, Payment.paid_at > since,
                                                   Payment.paid_at <= at).limit(1))
    if paid is not None:
        found.append("payment_since_notice")
    rpc = session.scalar(select(ContactEvent.id).where(
        ContactEvent.borrower_id == loan.borrower_id, ContactEvent.at > since, ContactEvent.at <= at,
        ContactEvent.outcome.in_(RPC_OUTCOMES), ContactEvent.channel != "visit").limit(1))
    if rpc is not None:
        found.append("rpc_since_notice")
    return found


def evaluate(session: Session, loan_id: str, at: datetime, policy: VisitPolicy,
             notice_id: str | None = None, exclude_visit_ids: tuple[str, ...] = ()) -> GateEvaluation:
    """The gate for `loan_id` on the store's facts as of `at` (the workflow's own ledger visit left out)."""
    loan = session.get(Loan, loan_id)
    if loan is None:
        raise LookupError(f"loan {loan_id} not found")
    frames = borrower_frames(session, loan.borrower_id, exclude_visit_ids=exclude_visit_ids)
    pol = Policy(packs=policy.packs, strategy=policy.strategy)
    decisions = decide(frames, at, pol)
    rows = list(decision_json(decisions.filter(decisions["loan_id"] == loan_id), pol))
    if not rows:
        raise LookupError(f"loan {loan_id} has no schedule to decide on")
    decision = rows[0]
    pack = decision["policy"]["pack"]
    decision["gate_detail"] = [
        {"code": line["code"], "met": line["code"] not in decision["visit_gate"]["unmet"],
         "condition": line["unmet_when"],
         "rules": [r.model_dump() for r in policy.gate_rules(line["code"], pack)]}
        for line in policy.strategy.raw["visit_gate"]
    ]
    notice = session.get(Notice, notice_id) if notice_id else None
    return GateEvaluation(at=at, decision=decision, changes_since_notice=_changes_since(session, notice, loan, at))
