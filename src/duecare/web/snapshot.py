"""The operational store as the columnar frames the batch reads, for the borrowers an actor may read.

Pages and the nightly batch share one code path: a page loads the frames of the borrowers in its scope (the
scope is a filter in the query, `privacy.scope.readable_borrowers`) and calls the same ageing, feature and
policy functions. Only non-personal columns are read, so nothing here decrypts personal data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import polars as pl
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from duecare.ageing.ageing import Parts, ageing_parts, loan_ageing
from duecare.ledger import models as m
from duecare.ledger.frames import Frames
from duecare.privacy.permissions import Actor
from duecare.privacy.scope import readable_borrowers

if TYPE_CHECKING:
    from duecare.policy.evaluator import Policy


def _ids(actor: Actor, borrower_ids: Sequence[str] | None) -> Select[Any]:
    stmt = readable_borrowers(select(m.Borrower.id), actor)
    if borrower_ids is not None:
        stmt = stmt.where(m.Borrower.id.in_(list(borrower_ids)))
    return stmt


# What ageing reads (`ageing.loan_ageing`): a page that shows loans, not a decision, reads only these.
LEDGER = ("borrowers", "loans", "installments", "payments")


def load_frames(db: Session, actor: Actor, borrower_ids: Sequence[str] | None = None,
                tables: Sequence[str] | None = None) -> Frames:
    """Frames (docs/data-format.md, normalised) of the readable borrowers, optionally narrowed to some ids and to
    some frames (`tables`, e.g. `LEDGER`; None: every frame a decision reads)."""
    from duecare.ledger.repository import store_frames

    return store_frames(db, _ids(actor, borrower_ids), tables=tables)


def decisions_for(db: Session, actor: Actor, as_of: datetime,
                  borrower_ids: Sequence[str] | None = None) -> pl.DataFrame:
    """Today's decision rows (the batch's code path) for the readable borrowers, with risk scores if a model
    is registered."""
    return decide_frames(load_frames(db, actor, borrower_ids), as_of)


_POLICY: list[tuple[tuple[object, ...], Policy]] = []


def page_policy() -> Policy:
    """`Policy.default()`: the loaded packs and the standard strategy. Building it validates them (every rule a
    line names, every column a condition reads), a pure function of those objects, which the loader keeps
    (functools.cache); so a page builds it once per loaded set instead of on every request."""
    from duecare.policy.evaluator import Policy
    from duecare.policy.loader import all_packs, load_strategy

    packs, strategy = all_packs(), load_strategy("standard")
    key = (*packs.keys(), *packs.values(), strategy)
    if _POLICY and len(_POLICY[0][0]) == len(key) and all(a is b for a, b in zip(_POLICY[0][0], key, strict=True)):
        return _POLICY[0][1]
    policy = Policy(packs=packs, strategy=strategy)
    _POLICY[:] = [(key, policy)]
    return policy


def decide_frames(frames: Frames, as_of: datetime) -> pl.DataFrame:
    """The decision table of frames already read (the batch's code path and scorer), with each loan's currency.
    It carries `loan_ageing`'s columns (dpd, overdue_minor, bucket, today...): the ageing the decision read."""
    from duecare.policy.evaluator import decide
    from duecare.risk.batch import production_scorer

    if frames["loans"].height == 0:
        return pl.DataFrame()
    decided = decide(frames, as_of, page_policy(), production_scorer())  # the batch's policy and scorer
    return decided.join(frames["loans"].select("loan_id", "currency"), on="loan_id", how="left")


def loan_coverage(frames: Frames, as_of: datetime, parts: Parts | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Each installment with what has been paid towards it (`paid_minor`, FIFO), and the payments up to `as_of`
    (the ageing functions of the batch: a loan page's schedule and payments). `parts`: `ageing_parts` at as_of."""
    _, paid, coverage = ageing_parts(frames, as_of) if parts is None else parts
    covered = (
        coverage
        .join(paid.group_by("loan_id").agg(total_paid=pl.col("amount_minor").sum()), on="loan_id", how="left")
        .with_columns(
            paid_minor=pl.min_horizontal(
                pl.max_horizontal(pl.col("total_paid").fill_null(0) - (pl.col("cum_due") - pl.col("amount_minor")),
                                  pl.lit(0)),
                pl.col("amount_minor"),
            )
        )
    )
    return covered, paid


def ageing_and_coverage(frames: Frames, as_of: datetime) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """`loan_ageing` and `loan_coverage` of the same frames at one moment, their common parts computed once (the
    portal's loan pages)."""
    parts = ageing_parts(frames, as_of)
    return (loan_ageing(frames, as_of, parts=parts), *loan_coverage(frames, as_of, parts))
