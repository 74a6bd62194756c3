"""A borrower's repayment-plan proposals in the store. The rules PL01-PL05 and the evaluation are policy's
(`policy.plans`, one implementation for the portal and `duecare policy test`); here a proposal is recorded, and
an accepted plan becomes promises to pay (one per instalment, `policy.promises.record_promise`) and a hold, in
the caller's transaction.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from duecare.kit.i18n import N_
from duecare.ledger import models as m
from duecare.policy.plans import (
    Affordability,
    Evaluation,
    Instalment,
    add_months,
    committed_by_month,
    evaluate,
    free_for_plan,
    plan_rules,
)
from duecare.policy.promises import record_promise
from duecare.portal.models import PlanProposal
from duecare.privacy.audit import record_audit

# plan_rules.yaml's `source`, as a message id: the plan page shows it in the reader's language
# (tests/web/test_terms_and_help.py checks it is the file's).
RULES_SOURCE = N_("duecare standard plan rules (lender choice; forbearance per CONC 7.3.4R, CCD2 Art. 35)")

# The portal's plan page reads the rules and the evaluation through this module (one implementation: policy.plans).
__all__ = ["Affordability", "Evaluation", "Instalment", "accept_plan", "add_months", "committed_by_month", "evaluate",
           "free_for_plan", "plan_rules", "record_proposal"]


def record_proposal(db: Session, borrower_id: str, loan_id: str, proposed: list[Instalment],
                    result: Evaluation, now: datetime) -> PlanProposal:
    row = PlanProposal(
        borrower_id=borrower_id, loan_id=loan_id, proposed=json.dumps([i.as_json() for i in proposed]),
        outcome=result.outcome, reasons=json.dumps(result.reasons),
        counter=json.dumps([i.as_json() for i in result.counter]) if result.counter else None,
        rules_version=plan_rules().version, created_at=now,
    )
    db.add(row)
    db.flush()
    record_audit(db, actor=f"borrower:{borrower_id}", action=f"plan_{result.outcome}",
                 subject=f"borrower:{borrower_id}", rule_id=",".join(result.reasons) or None,
                 after={"proposal": row.id, "loan": loan_id, "outcome": result.outcome})
    return row


def accept_plan(db: Session, borrower_id: str, loan_id: str, plan: list[Instalment], now: datetime,
                proposal_id: int) -> list[str]:
    """Promises to pay (one per instalment) and a hold while the plan runs; returns the promise ids."""
    ids = [record_promise(db, borrower_id=borrower_id, loan_id=loan_id, promised_date=inst.date,
                          amount_minor=inst.amount_minor, channel="portal_plan", today=None, made_at=now,
                          promise_id=f"PTP-P{proposal_id}-{uuid.uuid4().hex[:8]}") for inst in plan]
    db.add(m.Hold(id=f"HOLD-P{proposal_id}-{uuid.uuid4().hex[:8]}", borrower_id=borrower_id, loan_id=loan_id,
                  kind=m.HoldKind.HARDSHIP_OPEN, opened_at=now,
                  reason=f"repayment plan {proposal_id} accepted; ends {plan[-1].date.isoformat()}"))
    db.flush()
    record_audit(db, actor=f"borrower:{borrower_id}", action="plan_promises_created",
                 subject=f"borrower:{borrower_id}", rule_id="ptp_pending",
                 after={"proposal": proposal_id, "promises": ids})
    return ids
