"""The smallest promise to pay that counts: a promise pauses reminders, so a token 0.01 must not.

The strategy's `promise_min_amount` (units of currency) and `promise_min_share` (of the loan's overdue amount)
set it: at least the larger of the two, but never more than what is overdue (promising all of it is always
enough). Amounts stay within the edge bounds (kit.bounds), so no promise can overflow a column.

`record_promise` is the one way a promise to pay enters the store, whatever the channel, with one horizon rule
(the strategy's `promise_horizon_days`).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, Decimal, InvalidOperation

from sqlalchemy.orm import Session

from duecare.kit import clock
from duecare.kit.bounds import MAX_AMOUNT
from duecare.kit.errors import UserError
from duecare.kit.money import from_minor, to_minor
from duecare.ledger.models import Promise, PromiseStatus
from duecare.policy.loader import load_strategy
from duecare.policy.model import Params
from duecare.privacy.audit import record_audit
from duecare.privacy.permissions import Actor


def minimum_promise_minor(params: Params, overdue_minor: int | None) -> int:
    """The least amount, in minor units, that a promise on a loan with this overdue amount may name."""
    floor = to_minor(Decimal(str(params.promise_min_amount)))
    if overdue_minor is None or overdue_minor <= 0:
        return max(1, floor)
    share = Decimal(str(params.promise_min_share))
    by_share = int((Decimal(overdue_minor) * share).to_integral_value(rounding=ROUND_CEILING))
    return max(1, min(overdue_minor, max(floor, by_share)))


def promise_amount_minor(text: str, params: Params, overdue_minor: int | None) -> int:
    """A promised amount typed by a person, in minor units; ValueError says what is wrong in words."""
    try:
        amount = Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        raise ValueError("a number such as 500") from None
    if not amount.is_finite() or amount > MAX_AMOUNT:
        raise ValueError("a number such as 500")
    minor = to_minor(amount)
    least = minimum_promise_minor(params, overdue_minor)
    if minor < least:
        raise ValueError(f"at least {from_minor(least)}")
    return minor


def horizon_end(params: Params, today: date) -> date:
    """The furthest date a promise made today may name (the strategy's `promise_horizon_days`)."""
    return today + timedelta(days=params.promise_horizon_days)


def check_promised_date(params: Params, today: date, promised: date) -> None:
    """The one horizon rule: from today up to `promise_horizon_days` ahead; UserError in words otherwise."""
    if not today <= promised <= horizon_end(params, today):
        raise UserError(f"date: from today up to {params.promise_horizon_days} days ahead", place="promised_date")


def record_promise(session: Session, *, borrower_id: str, loan_id: str | None, promised_date: date,
                   amount_minor: int | None, channel: str, today: date | None,
                   actor: Actor | str | None = None, params: Params | None = None,
                   promise_id: str | None = None, made_at: datetime | None = None) -> str:
    """A promise to pay, made on any channel (portal, console call, call analysis, visit report, plan), in the
    caller's transaction; returns its id. While open and not yet due it holds further collection (ptp_pending).

    `today` (the borrower's local date the promise was made) subjects it to the strategy's horizon; None only for
    the instalments of a repayment plan, which the plan rules PL01-PL05 bound instead. With `actor` the promise is
    audited on its own; without, the caller audits the act that made it (the call analysis, the report, the plan).
    `made_at`: when the promise was made (the call, the visit, the page), else now on the current clock.
    """
    if today is not None:
        check_promised_date(params or load_strategy("standard").params, today, promised_date)
    if amount_minor is not None and amount_minor <= 0:
        raise UserError("amount: more than 0", place="amount")
    pid = promise_id or f"PTP-{uuid.uuid4().hex[:12]}"
    session.add(Promise(id=pid, borrower_id=borrower_id, loan_id=loan_id, promised_date=promised_date,
                        amount_minor=amount_minor, status=PromiseStatus.OPEN,
                        made_at=made_at or clock.now()))
    session.flush()
    if actor is not None:
        record_audit(session, actor=actor, action="promise_recorded", subject=f"borrower:{borrower_id}",
                     rule_id="ptp_pending", after={"promise": pid, "channel": channel})
    return pid
