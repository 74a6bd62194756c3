"""The operational store as the columnar frames the batch reads, for the borrowers an actor may read.

Pages and the nightly batch share one code path: a page loads the frames of the borrowers in its scope (the
scope is a filter in the query, `privacy.scope.readable_borrowers`) and calls the same ageing, feature and
policy functions. Only non-personal columns are read, so nothing here decrypts personal data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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
    from duecare.web.coalesce import Coalescer


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


@dataclass(frozen=True)
class CaseSnapshot:
    """One borrower's frames, read once, and their decision table and schedule coverage at `as_of`, computed
    once: what a case page shows (loans, ageing figures, the decision and its explanation) is read from here."""

    frames: Frames
    decided: pl.DataFrame
    as_of: datetime
    covered: pl.DataFrame
    paid: pl.DataFrame


CaseTables = tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]  # decide_frames, then loan_coverage's two
_TOGETHER: list[Coalescer[CaseTables]] = []


def ageing_and_coverage(frames: Frames, as_of: datetime) -> CaseTables:
    """`loan_ageing` and `loan_coverage` of the same frames at one moment, their common parts computed once (the
    portal's loan pages)."""
    parts = ageing_parts(frames, as_of)
    return (loan_ageing(frames, as_of, parts=parts), *loan_coverage(frames, as_of, parts))


def case_tables(frames: Frames, as_of: datetime) -> CaseTables:
    return (decide_frames(frames, as_of), *loan_coverage(frames, as_of))


def case_decisions() -> Coalescer[CaseTables]:
    """The process's one desk where concurrent case pages decide together (web/coalesce.py)."""
    if not _TOGETHER:
        from duecare.web.coalesce import Coalescer, rows_of_loans

        def share(t: CaseTables, loans: pl.Series) -> CaseTables:
            return (rows_of_loans(t[0], loans), rows_of_loans(t[1], loans), rows_of_loans(t[2], loans))

        _TOGETHER.append(Coalescer(case_tables, share))
    return _TOGETHER[0]


def case_snapshot(db: Session, actor: Actor, borrower_id: str) -> CaseSnapshot:
    """The borrower's frames, read in this request, and their decision: the standing one the work queue shows
    (`web.standing.borrower_rows`: every write of the borrower seen, at most the max age old; `as_of` is when it
    was decided, and the loans are aged at that moment too), or, when no current standing table can give it, the
    borrower decided now (`as_of`: the moment of the decision run, on the current clock), together with the other
    case pages asking at the same moment."""
    from duecare.kit import clock
    from duecare.web.standing import borrower_rows

    frames = load_frames(db, actor, [borrower_id])
    standing = borrower_rows(db, borrower_id, clock.now()) if frames["loans"].height else None
    if standing is not None:
        decided, as_of = standing
        covered, paid = loan_coverage(frames, as_of)
        return CaseSnapshot(frames=frames, decided=decided, as_of=as_of, covered=covered, paid=paid)
    (decided, covered, paid), as_of = case_decisions().decide(frames, clock.current())
    return CaseSnapshot(frames=frames, decided=decided, as_of=as_of, covered=covered, paid=paid)
