"""The audit chain: append-only events, each an HMAC of its content and the previous event's hash.

`record_audit(session, ...)` is the one way to append; it never commits (the boundary does). The event is
linked into the chain when its transaction commits (a `before_commit` hook): only then is the append lock taken
(PostgreSQL: an advisory lock, then the single `audit_head` row; SQLite: the database write lock), the events
get their `seq`, `prev_hash` and HMAC, and the head moves. So the lock is held for the few milliseconds of the
commit, not for the whole request that audited a read (one global lock held across every audited page would
serialise them all). An event recorded inside a savepoint that is rolled back is dropped with it. The HMAC key is derived from the key store (outside the database), so whoever can write the
database cannot recompute a valid chain; after each commit the new head is signed and appended to the
checkpoint file (privacy/checkpoints.py), so deleting the last events or emptying the chain is found too.
`verify_chain` recomputes every link, compares the chain with every checkpoint and names the first problem.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select, text, update
from sqlalchemy.orm import Session, SessionTransaction

from duecare.kit import clock
from duecare.privacy.checkpoints import (
    Checkpoint,
    chain_label,
    checkpoint_after_commit,
    derive_key,
    forget_pending,
    read_checkpoints,
)
from duecare.privacy.models import AuditEvent, AuditHead
from duecare.privacy.permissions import Actor

GENESIS = "0" * 64
AUDIT_LOCK_KEY = 0x6475_6563  # "duec": the advisory lock id of audit appends
HASHED_FIELDS = (
    "seq", "at", "actor", "action", "subject", "rule_id", "legal_basis", "trace_id",
    "before_digest", "after_digest", "prev_hash",
)  # fmt: skip


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 kept: the same value always gives the same bytes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def digest(value: Any) -> str | None:
    """SHA-256 of a state (dict, list, scalar) in canonical JSON; None stays None (nothing before/after)."""
    if value is None:
        return None
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()


def chain_key() -> bytes:
    """The HMAC key of the chain (derived from the key store's lookup key; never stored in the database)."""
    return derive_key(b"audit-chain-v1")


def event_hash(fields: dict[str, Any], key: bytes | None = None) -> str:
    message = canonical_json({k: fields[k] for k in HASHED_FIELDS}).encode()
    return hmac.new(key if key is not None else chain_key(), message, hashlib.sha256).hexdigest()


PENDING = "duecare_audit_pending"  # session.info: [(savepoint or None, fields)] awaiting the commit


def _link_pending(session: Session) -> None:
    """`before_commit` of the outermost transaction: link the events this transaction recorded, in order."""
    if session.in_nested_transaction():
        return  # a savepoint released: its events wait for the outer commit
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    head = _lock_head(session)
    key = chain_key()
    for _savepoint, fields in pending:
        fields = {**fields, "seq": head.seq + 1, "prev_hash": head.hash}
        ev = AuditEvent(**fields, hash=event_hash(fields, key))
        session.add(ev)
        head.seq, head.hash = ev.seq, ev.hash
    session.flush()
    # the committed head, checkpointed after the commit (no second connection: the values are known here)
    session.info["duecare_audit_head"] = (chain_label(session), head.seq, head.hash)


def _drop_rolled_back(session: Session, transaction: SessionTransaction) -> None:
    """`after_soft_rollback`: a savepoint rolled back takes the events recorded inside it (and inside its
    own savepoints); the outermost transaction rolled back takes them all."""
    pending = session.info.get(PENDING)
    if not pending:
        return
    if transaction.parent is None:
        session.info.pop(PENDING, None)
        return

    def inside(savepoint: SessionTransaction | None) -> bool:
        while savepoint is not None:
            if savepoint is transaction:
                return True
            savepoint = savepoint.parent
        return False

    session.info[PENDING] = [(sp, f) for sp, f in pending if not inside(sp)]


def _forget_on_close(session: Session, transaction: SessionTransaction) -> None:
    """`after_transaction_end` of the outermost transaction: nothing recorded in it survives it unlinked."""
    if transaction.parent is None:
        session.info.pop(PENDING, None)


event.listen(Session, "before_commit", _link_pending)
event.listen(Session, "after_soft_rollback", _drop_rolled_back)
event.listen(Session, "after_transaction_end", _forget_on_close)
# After a commit that appended events, the new head is checkpointed outside the database.
event.listen(Session, "after_commit", checkpoint_after_commit)
event.listen(Session, "after_rollback", forget_pending)


def _actor_label(actor: Actor | str) -> str:
    return actor.label if isinstance(actor, Actor) else actor


def _lock_head(session: Session) -> AuditHead:
    """Take the append lock and return the head, creating it on first use.

    PostgreSQL: a transaction-scoped advisory lock (also covers the very first append, when no head row exists
    yet to lock). SQLite: the UPDATE takes the database write lock; there is one writer at a time.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": AUDIT_LOCK_KEY})
    res = session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq))
    if res.rowcount == 0:  # type: ignore[attr-defined]
        session.add(AuditHead(id=1, seq=0, hash=GENESIS))
        session.flush()
    head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
    session.refresh(head)
    return head


def record_audit(
    session: Session,
    *,
    actor: Actor | str,
    action: str,
    subject: str,
    rule_id: str | None = None,
    legal_basis: str | None = None,
    before: Any = None,
    after: Any = None,
    trace_id: str | None = None,
    at: datetime | None = None,
) -> None:
    """Record one event, linked into the chain when the transaction commits (not before: see the module).
    `before`/`after` are states; only their digests are stored (no personal data)."""
    when = (at or clock.now()).astimezone(UTC).isoformat(timespec="microseconds")
    fields: dict[str, Any] = {
        "at": when,
        "actor": _actor_label(actor),
        "action": action,
        "subject": subject,
        "rule_id": rule_id,
        "legal_basis": legal_basis,
        "trace_id": trace_id,
        "before_digest": digest(before),
        "after_digest": digest(after),
    }
    if session.get_transaction() is None:
        session.begin()  # the event belongs to this transaction: a rollback before any statement drops it too
    session.info.setdefault(PENDING, []).append((session.get_nested_transaction(), fields))


@dataclass(frozen=True)
class Entry:
    """One event for `record_audits` (the same fields as `record_audit`'s arguments)."""

    actor: Actor | str
    action: str
    subject: str
    rule_id: str | None = None
    legal_basis: str | None = None
    before: Any = None
    after: Any = None
    trace_id: str | None = None


def record_audits(session: Session, entries: list[Entry], at: datetime | None = None) -> None:
    """Append several events under one take of the append lock: the chain `record_audit` would build, in order."""
    if not entries:
        return
    head = _lock_head(session)
    when = (at or clock.now()).astimezone(UTC).isoformat(timespec="microseconds")
    key = chain_key()
    seq, prev = head.seq, head.hash
    events = []
    for e in entries:
        seq += 1
        fields: dict[str, Any] = {
            "seq": seq, "at": when, "actor": _actor_label(e.actor), "action": e.action, "subject": e.subject,
            "rule_id": e.rule_id, "legal_basis": e.legal_basis, "trace_id": e.trace_id,
            "before_digest": digest(e.before), "after_digest": digest(e.after), "prev_hash": prev,
        }
        prev = event_hash(fields, key)
        events.append(AuditEvent(**fields, hash=prev))
    session.add_all(events)
    head.seq, head.hash = seq, prev
    session.flush()
    session.info["duecare_audit_head"] = chain_label(session)


def audit_read(
    session: Session,
    actor: Actor | str,
    subject: str,
    fields: Iterable[str] = (),
    *,
    purpose: str | None = None,
) -> None:
    """Record that personal data was read (who, whose, which fields, for what purpose)."""
    names = sorted(set(fields))
    record_audit(
        session,
        actor=actor,
        action="read_personal",
        subject=subject,
        legal_basis=purpose,
        after={"fields": names} if names else None,
    )


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    problem: str

    def __str__(self) -> str:
        return f"audit event seq {self.seq}: {self.problem}"


def _rows(session: Session, batch: int = 5000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = (
            session.execute(
                select(AuditEvent).where(AuditEvent.seq > last).order_by(AuditEvent.seq).limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def verify_chain(session: Session, *, checkpoints: bool = True) -> tuple[int, ChainProblem | None]:
    """Check every link and every signed checkpoint; return (events checked, first problem or None).

    Altered content -> its HMAC no longer matches; deleted -> a gap in seq (or a prev_hash that does not match);
    inserted -> a seq or prev_hash that does not fit; reordered -> prev_hash/hash mismatch at the first moved
    event; a deleted tail -> the head row is ahead of the last event, or a checkpoint is; a chain rewritten
    from some event on -> that event differs from a checkpoint; emptied -> a checkpoint names events.
    """
    key = chain_key()
    marks: dict[int, Checkpoint] = {}
    if checkpoints:
        found, bad_lines = read_checkpoints(chain_label(session))
        if bad_lines:
            return 0, ChainProblem(0, f"checkpoint file: {bad_lines[0]}")
        for cp in found:
            marks.setdefault(cp.seq, cp)
    prev, expected_seq, count = GENESIS, 1, 0
    for ev in _rows(session):
        fields = {k: getattr(ev, k) for k in HASHED_FIELDS}
        if ev.seq != expected_seq:
            return count, ChainProblem(expected_seq, f"missing (next event found is seq {ev.seq}): deleted")
        if ev.prev_hash != prev:
            return count, ChainProblem(
                ev.seq, "does not link to the previous event: deleted, inserted or reordered"
            )
        if not hmac.compare_digest(event_hash(fields, key), ev.hash):
            return count, ChainProblem(ev.seq, "content does not match its hash: altered")
        mark = marks.get(ev.seq)
        if mark is not None and mark.hash != ev.hash:
            return count, ChainProblem(ev.seq, f"differs from the signed checkpoint of {mark.at}: the chain "
                                               "was rewritten from here on")
        prev, expected_seq, count = ev.hash, ev.seq + 1, count + 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != count or head.hash != prev):
        return count, ChainProblem(
            min(head.seq, count) + 1,
            f"the head records {head.seq} events but the chain has {count}: events deleted from the end "
            "or appended without the head",
        )
    beyond = [cp for cp in marks.values() if cp.seq > count]
    if beyond:
        last = max(beyond, key=lambda cp: cp.seq)
        return count, ChainProblem(count + 1, f"the signed checkpoint of {last.at} records {last.seq} events but "
                                              f"the chain has {count}: events deleted from the end or emptied")
    return count, None


def checkpoint_now(session: Session) -> tuple[int, str]:
    """Sign the current head into the checkpoint file (e.g. from cron); returns (seq, hash)."""
    from duecare.privacy.checkpoints import append_checkpoint

    head = session.get(AuditHead, 1)
    seq, value = (head.seq, head.hash) if head is not None else (0, GENESIS)
    append_checkpoint(chain_label(session), seq, value)
    return seq, value
