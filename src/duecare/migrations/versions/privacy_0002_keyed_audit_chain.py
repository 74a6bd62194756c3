"""privacy: the audit chain becomes keyed (HMAC-SHA256 with a key derived from the key store)

Revision ID: privacy_0002
Revises: privacy_0001

Existing events were linked with plain SHA-256. This re-links the part of the old chain that still verifies
under the new keyed hash (prev_hash and hash rewritten, content unchanged) and moves the head with it. Events
from the first one that did not verify are left exactly as they are, so `duecare audit verify` still names the
same first bad event. The append-only triggers are lifted for this one rewrite and put back.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "privacy_0002"
down_revision: str | Sequence[str] | None = "privacy_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
# Copied, not imported: a migration must keep meaning the same thing when the models change.
FIELDS = ("seq", "at", "actor", "action", "subject", "rule_id", "legal_basis", "trace_id",
          "before_digest", "after_digest", "prev_hash")
SQLITE_TRIGGERS = [
    ("CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"),
    ("CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"),
]
Hasher = Callable[[dict[str, Any]], str]


def _canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps({k: fields[k] for k in FIELDS}, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False, default=str).encode()


def _plain(fields: dict[str, Any]) -> str:
    return hashlib.sha256(_canonical(fields)).hexdigest()


def _keyed() -> Hasher:
    from duecare.privacy.checkpoints import derive_key

    key = derive_key(b"audit-chain-v1")
    return lambda fields: hmac.new(key, _canonical(fields), hashlib.sha256).hexdigest()


def _relink(old: Hasher, new: Hasher) -> None:
    """Rewrite the links of the prefix that verifies under `old` so that it verifies under `new`."""
    bind = op.get_bind()
    events = sa.table("audit_events", *(sa.column(c) for c in (*FIELDS, "hash")))
    head_t = sa.table("audit_head", sa.column("id"), sa.column("seq"), sa.column("hash"))
    if bind.execute(sa.select(sa.func.count()).select_from(events)).scalar_one() == 0:
        return
    _lift_triggers(bind)
    prev_old = prev_new = GENESIS
    expected, last = 1, 0
    while True:
        rows = bind.execute(sa.select(events).where(events.c.seq > last).order_by(events.c.seq).limit(2000)
                            ).mappings().all()
        if not rows:
            break
        stop = False
        for row in rows:
            fields = dict(row)
            if row["seq"] != expected or row["prev_hash"] != prev_old or old(fields) != row["hash"]:
                stop = True
                break
            fields["prev_hash"] = prev_new
            new_hash = new(fields)
            bind.execute(sa.update(events).where(events.c.seq == row["seq"])
                         .values(prev_hash=prev_new, hash=new_hash))
            prev_old, prev_new, expected = row["hash"], new_hash, row["seq"] + 1
        if stop:
            break
        last = rows[-1]["seq"]
    head = bind.execute(sa.select(head_t.c.seq, head_t.c.hash).where(head_t.c.id == 1)).first()
    if head is not None and head.seq == expected - 1 and head.hash == prev_old:
        bind.execute(sa.update(head_t).where(head_t.c.id == 1).values(hash=prev_new))
    _restore_triggers(bind)


def _lift_triggers(bind: sa.engine.Connection) -> None:
    if bind.dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
    elif bind.dialect.name == "postgresql" and _pg_trigger(bind):
        op.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change")


def _restore_triggers(bind: sa.engine.Connection) -> None:
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    elif bind.dialect.name == "postgresql" and _pg_trigger(bind):
        op.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change")


def _pg_trigger(bind: sa.engine.Connection) -> bool:
    found = bind.execute(sa.text("SELECT 1 FROM pg_trigger WHERE tgname = 'audit_events_no_change'")).first()
    return found is not None


def upgrade() -> None:
    _relink(_plain, _keyed())


def downgrade() -> None:
    _relink(_keyed(), _plain)
