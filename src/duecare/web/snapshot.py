"""The operational store as the columnar frames the batch reads, for the borrowers an actor may read.

Pages and the nightly batch share one code path: a page loads the frames of the borrowers in its scope (the
scope is a filter in the query, `privacy.scope.readable_borrowers`) and calls the same ageing, feature and
policy functions. Only non-personal columns are read, so nothing here decrypts personal data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from duecare.ledger import models as m
from duecare.ledger.frames import Frames
from duecare.privacy.permissions import Actor
from duecare.privacy.scope import readable_borrowers


def _ids(actor: Actor, borrower_ids: Sequence[str] | None) -> Select[Any]:
    stmt = readable_borrowers(select(m.Borrower.id), actor)
    if borrower_ids is not None:
        stmt = stmt.where(m.Borrower.id.in_(list(borrower_ids)))
    return stmt


def load_frames(db: Session, actor: Actor, borrower_ids: Sequence[str] | None = None) -> Frames:
    """Frames (docs/data-format.md, normalised) of the readable borrowers, optionally narrowed to some ids."""
    from duecare.ledger.repository import store_frames

    return store_frames(db, _ids(actor, borrower_ids))


def decisions_for(db: Session, actor: Actor, as_of: datetime,
                  borrower_ids: Sequence[str] | None = None) -> pl.DataFrame:
    """Today's decision rows (the batch's code path) for the readable borrowers, with risk scores if a model
    is registered."""
    from duecare.policy.evaluator import Policy, decide
    from duecare.risk.batch import production_scorer

    frames = load_frames(db, actor, borrower_ids)
    if frames["loans"].height == 0:
        return pl.DataFrame()
    decided = decide(frames, as_of, Policy.default(), production_scorer())  # the batch's scorer
    return decided.join(frames["loans"].select("loan_id", "currency"), on="loan_id", how="left")
