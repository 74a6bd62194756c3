"""The smallest promise to pay that counts: a promise pauses reminders, so a token 0.01 must not.

The strategy's `promise_min_amount` (units of currency) and `promise_min_share` (of the loan's overdue amount)
set it: at least the larger of the two, but never more than what is overdue (promising all of it is always
enough). Amounts stay within the edge bounds (kit.bounds), so no promise can overflow a column.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal, InvalidOperation

from duecare.kit.bounds import MAX_AMOUNT
from duecare.kit.money import from_minor, to_minor
from duecare.policy.model import Params


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
