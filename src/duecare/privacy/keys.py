"""`duecare keys rotate`: add a key, make it active, re-encrypt every PersonalText column in batches.

Old keys stay in the key file, so every row stays readable while the rotation runs (and if it is interrupted:
running it again continues, skipping rows already under the active key). `retire_old_keys` removes keys no
row uses any more.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, Table, Text, func, select, tuple_, type_coerce
from sqlalchemy.engine import Connection

from duecare.kit.db import Base, require_all_models
from duecare.kit.fields import KeyError_ as KeyFileError
from duecare.kit.fields import (
    Keyring,
    decrypt_text,
    encrypt_text,
    get_keyring,
    key_source,
    new_key,
    personal_columns,
    reset_keyring,
    stored_key_id,
    write_key_file,
)


@dataclass
class RotationReport:
    new_key_id: str
    tables: dict[str, int] = field(default_factory=dict)  # table -> rows re-encrypted
    values: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "active_key": self.new_key_id,
            "rows_by_table": self.tables,
            "values_reencrypted": self.values,
        }


def add_active_key() -> Keyring:
    """Write a key file with a new active key (old keys kept, the lookup key pinned) and reload it."""
    kind, path = key_source()
    if kind == "env" or path is None:
        raise KeyFileError(
            "keys come from DUECARE_KEYS; rotate by adding a key there and making it active, "
            "or use a key file (DUECARE_KEY_FILE)"
        )
    ring = get_keyring()
    n = len(ring.keys) + 1
    while f"k{n}" in ring.keys:
        n += 1
    new_id = f"k{n}"
    updated = Keyring(
        active=new_id, keys={**ring.keys, new_id: new_key()}, lookup=ring.lookup, source=ring.source
    )
    write_key_file(path, updated)
    reset_keyring()
    return get_keyring()


def _tables() -> dict[Table, list[str]]:
    require_all_models()
    found: dict[Table, list[str]] = {}
    for table, column in personal_columns(Base.metadata):
        found.setdefault(table, []).append(column.name)
    return found


def _batches(conn: Connection, table: Table, cols: list[str], size: int) -> Iterator[Sequence[Any]]:
    """Keyset pagination over the primary key, reading raw ciphertext (no decryption on read)."""
    pk = list(table.primary_key.columns)
    raw = [type_coerce(table.c[c], Text).label(c) for c in cols]
    last: tuple[Any, ...] | None = None
    while True:
        stmt = select(*pk, *raw).order_by(*pk).limit(size)
        if last is not None:
            stmt = stmt.where(tuple_(*pk) > tuple_(*last)) if len(pk) > 1 else stmt.where(pk[0] > last[0])
        rows = conn.execute(stmt).all()
        if not rows:
            return
        yield rows
        last = tuple(rows[-1][: len(pk)])


def count_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return sum(conn.execute(select(func.count()).select_from(t)).scalar_one() for t in _tables())


def reencrypt_all(
    engine: Engine, batch: int = 500, advance: Callable[[int], None] | None = None
) -> RotationReport:
    """Re-encrypt every value not under the active key; one transaction per batch."""
    ring = get_keyring()
    report = RotationReport(new_key_id=ring.active)
    for table, cols in _tables().items():
        pk = list(table.primary_key.columns)
        done = 0
        with engine.connect() as reader:
            for rows in _batches(reader, table, cols, batch):
                with engine.begin() as conn:
                    for row in rows:
                        changes = {}
                        for c in cols:
                            value = row._mapping[c]
                            if value is not None and stored_key_id(value) != ring.active:
                                changes[c] = type_coerce(encrypt_text(decrypt_text(value, ring), ring), Text)
                        if changes:
                            where = [col == row._mapping[col.name] for col in pk]
                            conn.execute(table.update().where(*where).values(changes))
                            done += 1
                            report.values += len(changes)
                if advance:
                    advance(len(rows))
        report.tables[table.name] = done
    return report


def keys_in_use(engine: Engine) -> dict[str, int]:
    """How many stored values each key id encrypts (a full scan)."""
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        for table, cols in _tables().items():
            for rows in _batches(conn, table, cols, 2000):
                for row in rows:
                    for c in cols:
                        value = row._mapping[c]
                        if value is not None:
                            kid = stored_key_id(value)
                            counts[kid] = counts.get(kid, 0) + 1
    return counts


def retire_old_keys(engine: Engine) -> list[str]:
    """Drop keys that no stored value uses; refuses while any value still needs one."""
    kind, path = key_source()
    ring = get_keyring()
    used = keys_in_use(engine)
    stale = [k for k in used if k != ring.active]
    if stale:
        raise KeyFileError(
            f"keys {stale} still encrypt {sum(used[k] for k in stale)} values; run keys rotate first"
        )
    if kind == "env" or path is None:
        raise KeyFileError("keys come from DUECARE_KEYS; remove old keys there")
    retired = [k for k in ring.keys if k != ring.active]
    write_key_file(path, Keyring(active=ring.active, keys={ring.active: ring.keys[ring.active]},
                                 lookup=ring.lookup, source=ring.source))  # fmt: skip
    reset_keyring()
    return retired
