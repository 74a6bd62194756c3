"""Data scope as query filters: who may read which borrowers. Never an `if` after the query."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, exists, false, select
from sqlalchemy.orm import Session

from duecare.privacy.models import Assignment
from duecare.privacy.permissions import Actor

S = TypeVar("S", bound=Select[Any])

ALL_BORROWERS = frozenset({"supervisor", "compliance", "admin"})
ASSIGNED_ONLY = frozenset({"agent", "field_agent"})


def borrower_filter(actor: Actor, borrower_id: ColumnElement[str] | Any) -> ColumnElement[bool] | None:
    """The WHERE clause that limits `borrower_id` to what the actor may read (None: no limit)."""
    if actor.role == "borrower":
        return borrower_id == actor.id
    if actor.role in ASSIGNED_ONLY:
        return exists().where(Assignment.borrower_id == borrower_id, Assignment.agent_id == actor.id)
    if actor.role in ALL_BORROWERS or actor.kind == "system":
        return None
    return false()  # analysts work on pseudonymous aggregates, never on a borrower's records


def readable_borrowers(stmt: S, actor: Actor, borrower_id: Any = None) -> S:
    """Narrow a SELECT to the borrowers the actor may read; `borrower_id` defaults to `borrowers.id`."""
    if borrower_id is None:
        from duecare.ledger.models import Borrower

        borrower_id = Borrower.id
    clause = borrower_filter(actor, borrower_id)
    return stmt if clause is None else stmt.where(clause)


def can_read_borrower(db: Session, actor: Actor, borrower_id: str) -> bool:
    from duecare.ledger.models import Borrower

    stmt = readable_borrowers(select(Borrower.id).where(Borrower.id == borrower_id), actor)
    return db.execute(stmt).first() is not None
