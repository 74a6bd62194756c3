"""Outbox queries: claiming due tasks under a lease, fenced updates, staff views. The caller commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from duecare.contacts.models import ContactTask, Suppression, TaskStatus
from duecare.kit.fields import keyed_hash
from duecare.kit.phones import e164_or_none, e164_readings
from duecare.privacy.permissions import Actor
from duecare.privacy.scope import readable_borrowers

LEASED = (TaskStatus.CLAIMED, TaskStatus.SENDING)


def due_filter(now: datetime) -> Any:
    """Pending tasks whose time has come, and leased tasks whose lease ran out (their worker is gone)."""
    return or_(
        and_(ContactTask.status == TaskStatus.PENDING, ContactTask.next_attempt_at <= now),
        and_(ContactTask.status.in_(LEASED), ContactTask.lease_expires_at < now),
    )


def claim(session: Session, owner: str, now: datetime, lease: timedelta, limit: int) -> list[int]:
    """Lease up to `limit` due tasks to `owner` in one statement.

    PostgreSQL: the inner SELECT takes row locks with FOR UPDATE SKIP LOCKED, so concurrent workers claim
    disjoint tasks without waiting. SQLite: the UPDATE takes the database's single write lock (busy_timeout
    waits for it), which serialises claims. A task in `sending` stays `sending`: its new owner must first
    find out whether the interrupted attempt was delivered.
    """
    inner = (select(ContactTask.id).where(due_filter(now)).order_by(ContactTask.next_attempt_at, ContactTask.id)
             .limit(limit).with_for_update(skip_locked=True))
    status = case((ContactTask.status == TaskStatus.SENDING, TaskStatus.SENDING.value),
                  else_=TaskStatus.CLAIMED.value)
    stmt = (update(ContactTask).where(ContactTask.id.in_(inner.scalar_subquery()), due_filter(now))
            .values(status=status, lease_owner=owner, lease_expires_at=now + lease, updated_at=now)
            .returning(ContactTask.id).execution_options(synchronize_session=False))
    return sorted(session.execute(stmt).scalars().all())


def fenced(session: Session, task_id: int, *, owner: str, fence: str | None = None, **values: Any) -> bool:
    """Update a task only while `owner` still holds its lease (and, if given, the same delivery attempt)."""
    conds = [ContactTask.id == task_id, ContactTask.lease_owner == owner]
    if fence is not None:
        conds.append(ContactTask.attempt_id == fence)
    res = session.execute(update(ContactTask).where(*conds).values(**values)
                          .execution_options(synchronize_session=False))
    return bool(res.rowcount)  # type: ignore[attr-defined]


def address_hash(channel: str, address: str) -> str:
    """The keyed hash a suppression is stored under: an SMS number in E.164 (stored phones already are; a
    national form takes its first valid reading, kit.phones), an email case-folded."""
    if channel == "sms":
        # A number with its country code reads the same in every jurisdiction: parse it once, not per region.
        readings = [r for r in [e164_or_none(address, "cn")] if r] if address.startswith("+") else \
            e164_readings(address)
        return keyed_hash((readings or [address])[0], "phone")
    return keyed_hash(address.strip().lower() if channel == "email" else address, "text")


def suppressed(session: Session, channel: str, addresses: Sequence[str]) -> set[str]:
    """The addresses among these that must not be used on the channel."""
    if not addresses:
        return set()
    by_hash = {address_hash(channel, a): a for a in addresses}
    rows = session.scalars(select(Suppression.address_hash).where(Suppression.channel == channel,
                                                                   Suppression.address_hash.in_(list(by_hash))))
    return {by_hash[h] for h in rows}


def status_counts(session: Session) -> dict[str, dict[str, int]]:
    """{channel: {status: tasks}} for the staff overview and `duecare outbox status`."""
    out: dict[str, dict[str, int]] = {}
    for channel, status, n in session.execute(select(ContactTask.channel, ContactTask.status, func.count())
                                              .group_by(ContactTask.channel, ContactTask.status)):
        out.setdefault(channel, {})[str(status)] = int(n)
    return out


def tasks_for_staff(actor: Actor, status: str | None = None, limit: int = 100) -> Select[Any]:
    """Tasks the actor may see (agents: assigned borrowers only), newest first."""
    stmt = select(ContactTask).order_by(ContactTask.updated_at.desc(), ContactTask.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(ContactTask.status == status)
    return readable_borrowers(stmt, actor, ContactTask.borrower_id)
