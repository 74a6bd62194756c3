"""The log of borrowers whose decision facts were written (`borrower_changes`), in the transaction of the write.

A decision is a pure function of a borrower's facts and the moment. A page that keeps decisions between
requests (the work queue, `web/standing.py`) must know which borrowers' facts changed since it decided them:
this log tells it, whichever process or worker wrote them.

The trigger is the session itself, so no ORM writer can forget it: an `after_flush` listener logs the borrower of
every row written, changed or deleted in a table the decisions read (`FACT_TABLES`, the tables
`ledger.repository.store_frames` reads). Writers that bypass the ORM call `note` (the outbox's delivered-contact
rows, the settlement's bulk update) or `note_all` (a drop ingested: every borrower may have changed). `at` is
real time (not the demo clock): readers compare it with their own real time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from itertools import chain

from sqlalchemy import delete, event, insert, inspect, or_, select
from sqlalchemy.orm import Session

from duecare.ledger.models import BorrowerChange, Loan

# What `ledger.repository.store_frames` reads (tests/ledger/test_changes.py keeps the two in step).
FACT_TABLES = frozenset({
    "borrowers", "loans", "installments", "payments", "contact_events", "notices", "consents", "approvals",
    "promises", "holds", "visits", "alternatives", "contact_limits", "contact_preferences",
})
KEEP = timedelta(days=1)  # a reader further behind than this re-decides everything anyway


def _now() -> datetime:
    return datetime.now(UTC)


_LOGGED: dict[str, bool] = {}  # database URL -> whether it has the log (a store migrated part-way has not)


def _has_log(session: Session) -> bool:
    conn = session.connection()
    url = conn.engine.url.render_as_string(hide_password=True)
    if not _LOGGED.get(url):  # once the table is there it stays: only its absence is looked up again
        _LOGGED[url] = inspect(conn).has_table(BorrowerChange.__tablename__)
    return _LOGGED[url]


def note(session: Session, borrower_ids: Iterable[str]) -> None:
    """Log that these borrowers' facts were written in the session's transaction."""
    at = _now()
    rows = [{"borrower_id": b, "at": at} for b in sorted(set(borrower_ids))]
    if rows and _has_log(session):
        session.connection().execute(insert(BorrowerChange), rows)


def note_all(session: Session) -> None:
    """Log that any borrower's facts may have changed (a drop ingested); rows older than `KEEP` are pruned."""
    if not _has_log(session):
        return
    at = _now()
    conn = session.connection()
    conn.execute(delete(BorrowerChange).where(BorrowerChange.at < at - KEEP))
    conn.execute(insert(BorrowerChange), [{"borrower_id": None, "at": at}])


def changed_since(session: Session, since: datetime) -> tuple[set[str], bool]:
    """The borrowers logged at or after `since`, and whether every borrower was (a `note_all`)."""
    found = set(session.connection().execute(
        select(BorrowerChange.borrower_id).where(BorrowerChange.at >= since).distinct()).scalars())
    return {b for b in found if b is not None}, None in found


def borrower_changed_since(session: Session, borrower_id: str, since: datetime) -> bool:
    """Whether a write of this borrower, or of every borrower (a `note_all`), was logged at or after `since`."""
    return session.connection().execute(
        select(BorrowerChange.id).where(BorrowerChange.at >= since, or_(
            BorrowerChange.borrower_id == borrower_id, BorrowerChange.borrower_id.is_(None))).limit(1)
    ).first() is not None


@event.listens_for(Session, "after_flush")
def _log_flush(session: Session, _flush_context: object) -> None:
    borrowers: set[str] = set()
    loans: set[str] = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if getattr(obj, "__tablename__", None) not in FACT_TABLES:
            continue
        if obj in session.dirty and not session.is_modified(obj):
            continue
        if obj.__tablename__ == "borrowers":
            borrowers.add(obj.id)
        elif getattr(obj, "borrower_id", None):
            borrowers.add(obj.borrower_id)
        elif getattr(obj, "loan_id", None):  # payments, installments
            loans.add(obj.loan_id)
    if loans:
        borrowers |= set(session.connection().execute(
            select(Loan.borrower_id).where(Loan.id.in_(sorted(loans)))).scalars())
    if borrowers:
        note(session, borrowers)
