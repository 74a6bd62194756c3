"""The hardship questionnaire: short, adaptive, kind. Answers are stored encrypted with their purpose.

Adaptive: the income amount is asked only when there is a regular income; the dependants' question only
matters for the allowance; everything except the reason category is optional ("prefer not to say" is fine).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.kit.errors import Message, NotFound, UserError
from duecare.kit.i18n import N_
from duecare.kit.money import to_minor
from duecare.ledger.models import Borrower
from duecare.portal.models import HardshipAnswers
from duecare.portal.plans import Affordability
from duecare.privacy.audit import record_audit

PURPOSE = "repayment_plan_affordability"
# No health category (PIPL Art. 28): "unable_to_work" says what matters for a plan, not why. A stored
# "illness" (before migration visits_0005) reads as "unable_to_work".
REASONS = ("income_reduced", "job_loss", "unable_to_work", "family_change", "business_difficulty",
           "unexpected_expense", "other", "prefer_not_to_say")
LEGACY_REASONS = {"illness": "unable_to_work"}
TIMES = ("morning", "afternoon", "evening")
CHANNELS = ("sms", "email", "call", "portal")
MAX_MONTHLY = 10_000_000
# The form's published rules: an amount 0..MAX_MONTHLY with at most two decimals (or left empty), and the
# number of dependants 0..20 (or left empty).
MONTHLY_PATTERN = r"^(?:0*(?:[0-9]{1,7}(?:\.[0-9]{1,2})?|\.[0-9]{1,2}|10000000(?:\.0{1,2})?))?$"
DEPENDANTS_PATTERN = r"^(?:0*(?:1?[0-9]|20))?$"


@dataclass(frozen=True)
class Answers:
    reason: str
    has_income: bool
    income_minor: int
    expenses_minor: int
    dependants: int
    contact_times: list[str]
    contact_channels: list[str]

    def affordability(self) -> Affordability:
        return Affordability(self.income_minor if self.has_income else 0, self.expenses_minor, self.dependants)


# The amounts' field names as the error messages name them.
_AMOUNT_NAMES = {"income": N_("income"), "expenses": N_("expenses")}


def _amount(text: str, name: str) -> int:
    text = (text or "").strip().replace(",", "")
    if not text:
        return 0
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise UserError(N_("{name}: enter a number, for example 3000"), place=name,
                        name=Message(_AMOUNT_NAMES.get(name, name))) from None
    if value < 0 or value > MAX_MONTHLY:
        raise UserError(N_("{name}: enter an amount between 0 and {max_monthly:,}"), place=name,
                        name=Message(_AMOUNT_NAMES.get(name, name)), max_monthly=MAX_MONTHLY)
    return to_minor(value)


def parse(form: dict[str, str | list[str]]) -> Answers:
    """Answers from a submitted form; skipped questions take neutral values."""
    def one(key: str) -> str:
        v = form.get(key, "")
        return v[0] if isinstance(v, list) else v

    def many(key: str, allowed: tuple[str, ...]) -> list[str]:
        v = form.get(key, [])
        values = v if isinstance(v, list) else [v]
        return [x for x in values if x in allowed]

    reason = LEGACY_REASONS.get(one("reason"), one("reason"))
    if reason not in REASONS:
        raise UserError(N_("reason: choose one of the options (or 'prefer not to say')"), place="reason")
    has_income = one("has_income") == "yes"
    dependants_text = one("dependants").strip() or "0"
    if not dependants_text.isdigit() or int(dependants_text) > 20:
        raise UserError(N_("dependants: enter a whole number from 0 to 20"), place="dependants")
    return Answers(
        reason=reason, has_income=has_income,
        income_minor=_amount(one("income"), "income") if has_income else 0,
        expenses_minor=_amount(one("expenses"), "expenses"),
        dependants=int(dependants_text),
        contact_times=many("contact_times", TIMES), contact_channels=many("contact_channels", CHANNELS),
    )


def save(db: Session, borrower_id: str, answers: Answers, now: datetime) -> HardshipAnswers:
    if db.get(Borrower, borrower_id) is None:  # a portal account without a ledger row: no loan to plan for
        raise NotFound(N_("no borrower record for this account"), place="borrower")
    row = HardshipAnswers(borrower_id=borrower_id, purpose=PURPOSE,
                          answers=json.dumps(asdict(answers), ensure_ascii=False), created_at=now)
    db.add(row)
    db.flush()
    record_audit(db, actor=f"borrower:{borrower_id}", action="hardship_answers_saved",
                 subject=f"borrower:{borrower_id}", legal_basis=PURPOSE, after={"answers_id": row.id})
    return row


def latest(db: Session, borrower_id: str) -> Answers | None:
    row = db.scalars(select(HardshipAnswers).where(HardshipAnswers.borrower_id == borrower_id)
                     .order_by(HardshipAnswers.id.desc()).limit(1)).first()
    if row is None:
        return None
    stored = json.loads(row.answers)
    stored["reason"] = LEGACY_REASONS.get(stored.get("reason", ""), stored.get("reason", ""))
    return Answers(**stored)
