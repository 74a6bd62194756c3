"""The console case page's reads: one borrower's frames and decision, read and computed once per page.

The decision is the standing one the work queue shows (web/standing.py) when the kept table can give it, else the
borrower is decided on request together with the other case pages asking at that moment (web/coalesce.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl
from sqlalchemy.orm import Session

from duecare.ledger.frames import Frames
from duecare.privacy.permissions import Actor
from duecare.web.coalesce import Coalescer
from duecare.web.snapshot import decide_frames, load_frames, loan_coverage
from duecare.web.standing import borrower_rows


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


def case_tables(frames: Frames, as_of: datetime) -> CaseTables:
    return (decide_frames(frames, as_of), *loan_coverage(frames, as_of))


def case_decisions() -> Coalescer[CaseTables]:
    """The process's one desk where concurrent case pages decide together (web/coalesce.py)."""
    if not _TOGETHER:
        from duecare.web.coalesce import rows_of_three

        _TOGETHER.append(Coalescer(case_tables, rows_of_three))
    return _TOGETHER[0]


def case_snapshot(db: Session, actor: Actor, borrower_id: str) -> CaseSnapshot:
    """The borrower's frames, read in this request, and their decision: the standing one the work queue shows
    (`web.standing.borrower_rows`: every write of the borrower seen, at most the max age old; `as_of` is when it
    was decided, and the loans are aged at that moment too), or, when no current standing table can give it, the
    borrower decided now (`as_of`: the moment of the decision run, on the current clock), together with the other
    case pages asking at the same moment."""
    from duecare.kit import clock

    frames = load_frames(db, actor, [borrower_id])
    standing = borrower_rows(db, borrower_id, clock.now()) if frames["loans"].height else None
    if standing is not None:
        decided, as_of = standing
        covered, paid = loan_coverage(frames, as_of)
        return CaseSnapshot(frames=frames, decided=decided, as_of=as_of, covered=covered, paid=paid)
    (decided, covered, paid), as_of = case_decisions().decide(frames, clock.current())
    return CaseSnapshot(frames=frames, decided=decided, as_of=as_of, covered=covered, paid=paid)
