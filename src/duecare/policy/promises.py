"""The smallest promise to pay that counts: a promise pauses reminders, so a token 0.01 must not.

The strategy's `promise_min_amount` (units of currency) and `promise_min_share` (of the loan's overdue amount)
set it: at least the larger of the two, but never more than what is overdue (promising all of it is always
enough). Amounts stay within the edge bounds (kit.bounds), so no promise can overflow a column.

`record_promise` is the one way a promise to pay enters the store, whatever the channel, with one horizon rule
(the strategy's `promise_horizon_days`).

`settle_frame` is the one rule that decides whether a promise made here was kept, broken or is still open, from
the payments and the borrower-local day: the payments on its loan (any loan of the borrower when it names none)
received from the moment it was made up to the end of the promised day in the borrower's zone count towards it.
Promises are served in the order of their dates (then the order they were made), each payment's money going to
the earliest promise it can still serve, so one payment never keeps two promises. A promise is `kept` once that
money reaches its amount (a promise without an amount: once any money came), `broken` when its day has passed
without it, `open` until then. A promise learnt from the lender's promises file (no `made_at`) keeps the status
the lender states; it is never guessed here.

`settle_store` writes the answer back (status, `paid_minor`, `kept_on`), so the decisions (`ptp_pending` in
policy/facts.py, the visit gate) and every page read one stored status. It runs in the transaction that records
a payment or a promise (a `before_commit` listener, so no writer can forget it; the bulk ingest marks its session
with `ledger.promises.SETTLE_ALL`) and in the nightly `duecare run` before the decisions are made. Each change of
status is an audit event (`promise_kept`, `promise_broken`, `promise_open`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from itertools import chain
from typing import Any

import polars as pl
from sqlalchemy import ColumnElement, event, select, update
from sqlalchemy.orm import Session

from duecare.kit import clock
from duecare.kit.bounds import MAX_AMOUNT
from duecare.kit.errors import Message, UserError
from duecare.kit.i18n import N_
from duecare.kit.localtime import local_date
from duecare.kit.money import from_minor, to_minor
from duecare.ledger.changes import note as note_changes
from duecare.ledger.frames import UTC_TS
from duecare.ledger.models import Borrower, Loan, Payment, Promise, PromiseStatus
from duecare.ledger.promises import SETTLE_ALL
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


class PromiseTooLarge(ValueError):
    """A promised amount above what is still to repay."""


def promise_amount_minor(text: str, params: Params, overdue_minor: int | None,
                         most_minor: int | None = None) -> int:
    """A promised amount typed by a person, in minor units; ValueError says what is wrong in words.

    `most_minor`: what is still to repay on the loan (or the borrower's loans): a promise of more is no promise
    (the console once took 99,999,999 on a loan 27,420.91 overdue, which the borrower then saw as "not kept")."""
    try:
        amount = Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        raise ValueError(Message(N_("a number such as 500"))) from None
    if not amount.is_finite() or amount > MAX_AMOUNT:
        raise ValueError(Message(N_("a number such as 500")))
    minor = to_minor(amount)
    least = minimum_promise_minor(params, overdue_minor)
    if minor < least:
        raise ValueError(Message(N_("at least {amount}"), amount=from_minor(least)))
    if most_minor is not None and minor > max(most_minor, least):
        raise PromiseTooLarge(Message(N_("at most {amount}, what is still to repay"), amount=from_minor(most_minor)))
    return minor


def horizon_end(params: Params, today: date) -> date:
    """The furthest date a promise made today may name (the strategy's `promise_horizon_days`)."""
    return today + timedelta(days=params.promise_horizon_days)


def check_promised_date(params: Params, today: date, promised: date) -> None:
    """The one horizon rule: from today up to `promise_horizon_days` ahead; UserError in words otherwise."""
    if not today <= promised <= horizon_end(params, today):
        raise UserError(N_("date: from today up to {promise_horizon_days} days ahead"),
                        place="promised_date", promise_horizon_days=params.promise_horizon_days)


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
        raise UserError(N_("amount: more than 0"), place="amount")
    pid = promise_id or f"PTP-{uuid.uuid4().hex[:12]}"
    session.add(Promise(id=pid, borrower_id=borrower_id, loan_id=loan_id, promised_date=promised_date,
                        amount_minor=amount_minor, status=PromiseStatus.OPEN, paid_minor=0,
                        made_at=made_at or clock.now()))  # settled before the commit (settle_store)
    session.flush()
    if actor is not None:
        record_audit(session, actor=actor, action="promise_recorded", subject=f"borrower:{borrower_id}",
                     rule_id="ptp_pending", after={"promise": pid, "channel": channel})
    return pid


# --- kept, broken or open: the one rule, on frames --------------------------------------------------------------

PROMISE_SCHEMA = {"promise_id": pl.String(), "borrower_id": pl.String(), "loan_id": pl.String(),
                  "promised_date": pl.Date(), "amount_minor": pl.Int64(), "made_at": UTC_TS,
                  "timezone": pl.String()}
PAYMENT_SCHEMA = {"payment_id": pl.String(), "borrower_id": pl.String(), "loan_id": pl.String(),
                  "paid_at": UTC_TS, "amount_minor": pl.Int64()}
SETTLED_SCHEMA = {"promise_id": pl.String(), "status": pl.String(), "paid_minor": pl.Int64(),
                  "kept_on": pl.Date()}


def settle_frame(promises: pl.DataFrame, payments: pl.DataFrame, at: datetime) -> pl.DataFrame:
    """Each promise made here (`made_at` set) → `status` (kept | broken | open), `paid_minor` (the money that
    went to it) and `kept_on` (the borrower-local day that money reached its amount), at the moment `at`.

    `promises` has the columns of PROMISE_SCHEMA (one borrower's or a whole store's; `timezone` is the
    borrower's), `payments` those of PAYMENT_SCHEMA. Payments after `at` have not happened yet and count for
    nothing. Vectorised over borrowers: the loop runs once per rank of a promise within its borrower (the
    first promise of every borrower together, then the second...), never once per row; each round gives every
    borrower's promise of that rank the money still left, oldest payment first, exactly as the rule says.
    """
    moment = at.astimezone(UTC)
    ours = promises.filter(pl.col("made_at").is_not_null()).with_columns(pl.col("timezone").fill_null("UTC"))
    if ours.is_empty():
        return pl.DataFrame(schema=SETTLED_SCHEMA)
    zones = sorted(ours.get_column("timezone").unique().to_list())
    ours = (
        ours.sort("borrower_id", "promised_date", "made_at", "promise_id")
        .with_columns(rank=pl.int_range(pl.len()).over("borrower_id"),
                      today=local_date(pl.lit(moment, dtype=UTC_TS), pl.col("timezone"), zones))
    )
    money = (
        payments.rename({"loan_id": "pay_loan_id", "amount_minor": "left"})
        .join(ours.select("borrower_id", "timezone").unique("borrower_id"), on="borrower_id", how="inner")
        .filter((pl.col("paid_at") <= moment) & (pl.col("left") > 0))
        .with_columns(pay_day=local_date(pl.col("paid_at"), pl.col("timezone"), zones))
        .select("payment_id", "borrower_id", "pay_loan_id", "paid_at", "pay_day", "left")
    )
    want, left = pl.col("amount_minor"), pl.col("left")
    before = pl.col("before")
    rounds = []
    for rank in range(int(ours.get_column("rank").max() or 0) + 1):  # type: ignore[arg-type]
        these = ours.filter(pl.col("rank") == rank).select(
            "promise_id", "borrower_id", "loan_id", "promised_date", "amount_minor", "made_at")
        serving = (
            these.join(money.filter(left > 0), on="borrower_id", how="inner")
            .filter((pl.col("paid_at") >= pl.col("made_at")) & (pl.col("pay_day") <= pl.col("promised_date"))
                    & (pl.col("loan_id").is_null() | (pl.col("pay_loan_id") == pl.col("loan_id"))))
            .sort("borrower_id", "paid_at", "payment_id")
            .with_columns(before=(left.cum_sum() - left).over("borrower_id"),
                          first=pl.int_range(pl.len()).over("borrower_id") == 0)
            .with_columns(
                take=pl.when(want.is_null()).then(pl.when(pl.col("first")).then(left).otherwise(0))
                .otherwise(pl.min_horizontal(left, pl.max_horizontal(want - before, pl.lit(0)))),
                reached=pl.when(want.is_null()).then(pl.col("first")).otherwise(before + left >= want),
            )
        )
        rounds.append(serving.group_by("promise_id").agg(
            paid_minor=pl.col("take").sum(), kept_on=pl.col("pay_day").filter(pl.col("reached")).min()))
        taken = serving.filter(pl.col("take") > 0).select("payment_id", "take")
        money = (money.join(taken, on="payment_id", how="left")
                 .with_columns(left=left - pl.col("take").fill_null(0)).drop("take"))
    served = pl.concat(rounds) if rounds else pl.DataFrame(schema={"promise_id": pl.String(),
                                                                   "paid_minor": pl.Int64(), "kept_on": pl.Date()})
    return (
        ours.join(served, on="promise_id", how="left")
        .with_columns(paid_minor=pl.col("paid_minor").fill_null(0).cast(pl.Int64))
        .with_columns(status=pl.when(pl.col("kept_on").is_not_null()).then(pl.lit("kept"))
                      .when(pl.col("promised_date") < pl.col("today")).then(pl.lit("broken"))
                      .otherwise(pl.lit("open")))
        .select(*SETTLED_SCHEMA)
    )


# --- written back to the store --------------------------------------------------------------------------------

SETTLER = "system:promises"  # the audit actor of a settlement nobody asked for by hand
CHUNK = 500  # borrower ids per IN list


def _frame(rows: Iterable[Any], schema: dict[str, Any]) -> pl.DataFrame:
    data = [tuple(getattr(v, "value", v) for v in r) for r in rows]
    return pl.DataFrame(data, schema=schema, orient="row")


def _chunks(ids: Collection[str] | None) -> list[ColumnElement[bool] | None]:
    if ids is None:
        return [None]
    ordered = sorted(set(ids))
    return [Promise.borrower_id.in_(ordered[i:i + CHUNK]) for i in range(0, len(ordered), CHUNK)]


STORED = {"status": pl.String(), "paid_before": pl.Int64(), "kept_before": pl.Date()}


def settle_store(session: Session, at: datetime, borrower_ids: Collection[str] | None = None,
                 actor: Actor | str = SETTLER) -> pl.DataFrame:
    """Settle the promises made here of these borrowers (None: every borrower with one) at `at`, write back
    what changed (status, paid_minor, kept_on) and audit each change of status; never commits. Returns the
    changed rows (promise_id, borrower_id, before, status, paid_minor, kept_on)."""
    own = Promise.made_at.is_not(None) & (Promise.status != PromiseStatus.CANCELLED)
    found, paid = [], []
    for where in _chunks(borrower_ids):
        cond = own if where is None else own & where
        rows = session.execute(
            select(Promise.id, Promise.borrower_id, Promise.loan_id, Promise.promised_date, Promise.amount_minor,
                   Promise.made_at, Borrower.timezone, Promise.status, Promise.paid_minor, Promise.kept_on)
            .join(Borrower, Borrower.id == Promise.borrower_id).where(cond)).all()
        if not rows:
            continue
        found.append(_frame(rows, PROMISE_SCHEMA | {"before": pl.String(), "paid_before": pl.Int64(),
                                                    "kept_before": pl.Date()}))
        since = min(r[5] for r in rows if r[5] is not None)
        paid.append(_frame(session.execute(
            select(Payment.id, Loan.borrower_id, Payment.loan_id, Payment.paid_at, Payment.amount_minor)
            .join(Loan, Loan.id == Payment.loan_id)
            .where(Loan.borrower_id.in_(select(Promise.borrower_id).where(cond)), Payment.paid_at >= since)),
            PAYMENT_SCHEMA))
    empty = pl.DataFrame(schema={"promise_id": pl.String(), "borrower_id": pl.String(), "before": pl.String(),
                                 **SETTLED_SCHEMA})
    if not found:
        return empty.select("promise_id", "borrower_id", "before", "status", "paid_minor", "kept_on")
    promises = pl.concat(found)
    settled = settle_frame(promises.drop("before", "paid_before", "kept_before"),
                           pl.concat(paid) if paid else pl.DataFrame(schema=PAYMENT_SCHEMA), at)
    changed = (
        promises.select("promise_id", "borrower_id", "before", "paid_before", "kept_before")
        .join(settled, on="promise_id", how="inner")
        .filter(pl.col("before").ne_missing(pl.col("status")) | pl.col("paid_before").ne_missing(pl.col("paid_minor"))
                | pl.col("kept_before").ne_missing(pl.col("kept_on")))
        .select("promise_id", "borrower_id", "before", "status", "paid_minor", "kept_on")
        .sort("promise_id")  # one lock order for concurrent settlements of the same borrower
    )
    if changed.is_empty():
        return changed
    session.execute(update(Promise), [
        {"id": pid, "status": PromiseStatus(status), "paid_minor": paid_minor, "kept_on": kept_on}
        for pid, status, paid_minor, kept_on in changed.select("promise_id", "status", "paid_minor", "kept_on")
        .iter_rows()])
    note_changes(session, changed.get_column("borrower_id").to_list())  # a bulk update: no ORM change log
    ids = set(changed.get_column("promise_id").to_list())
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Promise) and obj.id in ids:
            session.expire(obj)
    for pid, bid, before_status, status, paid_minor, kept_on in changed.filter(
            pl.col("before") != pl.col("status")).iter_rows():
        record_audit(session, actor=actor, action=f"promise_{status}", subject=f"borrower:{bid}",
                     rule_id="ptp_pending", before={"promise": pid, "status": before_status},
                     after={"promise": pid, "status": status, "paid_minor": paid_minor,
                            "kept_on": None if kept_on is None else kept_on.isoformat()}, at=at)
    return changed


# --- the trigger: a payment or a promise written in a session settles its borrower before the commit ----------

_TOUCHED = "duecare.promises.touched"  # session.info: borrower ids whose promises were written
_TOUCHED_LOANS = "duecare.promises.touched_loans"  # loan ids whose payments were written
_BUSY = "duecare.promises.busy"
CLOCK_KEY = "duecare.clock"  # session.info: the app's clock (privacy/deps.py sets it for each request)


def _session_now(session: Session) -> datetime:
    found: Callable[[], datetime] | None = session.info.get(CLOCK_KEY)
    return found() if found is not None else clock.now()


def _collect(session: Session, _flush_context: object, _instances: object) -> None:
    if session.info.get(_BUSY):
        return
    for obj in chain(session.new, session.dirty, session.deleted):
        if obj in session.dirty and not session.is_modified(obj):
            continue
        if isinstance(obj, Promise):
            session.info.setdefault(_TOUCHED, set()).add(obj.borrower_id)
        elif isinstance(obj, Payment):
            session.info.setdefault(_TOUCHED_LOANS, set()).add(obj.loan_id)


def _settle_before_commit(session: Session) -> None:
    if session.info.get(_BUSY) or session.in_nested_transaction():
        return
    session.flush()  # the last writes are noted before we look
    every = session.info.pop(SETTLE_ALL, False)
    borrowers: set[str] = set(session.info.pop(_TOUCHED, set()))
    loans = session.info.pop(_TOUCHED_LOANS, set())
    if loans:
        borrowers |= set(session.scalars(select(Loan.borrower_id).where(Loan.id.in_(sorted(loans)))))
    if not every and not borrowers:
        return
    session.info[_BUSY] = True
    try:
        settle_store(session, _session_now(session), None if every else borrowers)
        session.flush()
    finally:
        session.info[_BUSY] = False


def _forget(session: Session) -> None:
    for key in (_TOUCHED, _TOUCHED_LOANS, _BUSY, SETTLE_ALL):
        session.info.pop(key, None)


event.listen(Session, "before_flush", _collect)
# First of the before_commit listeners: the audit chain links this settlement's events, and the visit gate's
# re-check (visits/recheck.py) reads the settled status, in the same commit.
event.listen(Session, "before_commit", _settle_before_commit, insert=True)
event.listen(Session, "after_rollback", _forget)

