"""Signed checkpoints of the audit chain's head, appended to a file outside the database (as transparency logs do).

Someone with write access to the database can drop the append-only triggers, delete the last events and rewind
the head, or empty the chain. They cannot change what was already written here: each line is a head
(`chain`, `seq`, `hash`, `at`) signed with an Ed25519 key derived from the key store (never in the database),
so `duecare audit verify` finds a chain that is shorter than, or differs from, any checkpoint.

The file is `DUECARE_AUDIT_CHECKPOINTS` or `<data dir>/audit-checkpoints.jsonl`; keep it on storage the
database's users cannot write (or ship it to an external store). One file may hold several databases' chains:
`chain` names the database (`DUECARE_AUDIT_CHAIN`, default its URL without password).
"""

from __future__ import annotations

import base64
import json
import logging
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from duecare.kit import clock
from duecare.kit.fields import get_keyring
from duecare.kit.settings import get_settings

log = logging.getLogger("duecare.audit")
PATH_ENV = "DUECARE_AUDIT_CHECKPOINTS"
CHAIN_ENV = "DUECARE_AUDIT_CHAIN"


def derive_key(info: bytes) -> bytes:
    """A 32-byte key for the audit trail, derived from the key store's lookup key (which never rotates)."""
    return _derive(get_keyring().lookup, info)


@lru_cache(maxsize=8)
def _derive(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"duecare-audit", info=info).derive(secret)


def _signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(derive_key(b"audit-checkpoint-v1"))


def public_key() -> Ed25519PublicKey:
    return _signing_key().public_key()


def checkpoint_path() -> Path:
    s = get_settings()
    return s.audit_checkpoints or s.data_dir / "audit-checkpoints.jsonl"


def chain_label(session: Session) -> str:
    """Which database's chain: `DUECARE_AUDIT_CHAIN`, else the database URL without its password."""
    return get_settings().audit_chain or session.get_bind().engine.url.render_as_string(hide_password=True)


def _payload(chain: str, seq: int, head: str, at: str) -> bytes:
    return json.dumps({"at": at, "chain": chain, "hash": head, "seq": seq}, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class Checkpoint:
    line: int
    chain: str
    seq: int
    hash: str
    at: str


def append_checkpoint(chain: str, seq: int, head: str, path: Path | None = None) -> Checkpoint:
    """Sign a head and append it as one line (a single write on an O_APPEND file: whole lines only)."""
    at = clock.now().isoformat(timespec="microseconds")
    sig = base64.b64encode(_signing_key().sign(_payload(chain, seq, head, at))).decode()
    record = {"chain": chain, "seq": seq, "hash": head, "at": at, "sig": sig}
    target = path or checkpoint_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(record, ensure_ascii=False) + "\n").encode()
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)
    return Checkpoint(0, chain, seq, head, at)


def read_checkpoints(chain: str, path: Path | None = None) -> tuple[list[Checkpoint], list[str]]:
    """The checkpoints of one chain whose signatures verify, and a problem for each line that does not."""
    target = path or checkpoint_path()
    if not target.exists():
        return [], []
    key = public_key()
    found: list[Checkpoint] = []
    problems: list[str] = []
    with target.open(encoding="utf-8") as fh:
        for number, text in enumerate(fh, start=1):
            if not text.strip():
                continue
            try:
                rec = json.loads(text)
                mine = rec["chain"] == chain
                if not mine:
                    continue
                seq, head, at = int(rec["seq"]), str(rec["hash"]), str(rec["at"])
                key.verify(base64.b64decode(rec["sig"], validate=True), _payload(chain, seq, head, at))
            except InvalidSignature:
                problems.append(f"{target.name} line {number}: signature does not verify (the line was altered)")
                continue
            except (ValueError, KeyError, TypeError):
                problems.append(f"{target.name} line {number}: not a checkpoint record")
                continue
            found.append(Checkpoint(number, chain, seq, head, at))
    return found, problems


def checkpoint_after_commit(session: Session) -> None:
    """After a commit that appended audit events, checkpoint the committed head (never fails the commit).

    The head was computed under the append lock just before the commit (privacy/audit.py), so no second
    connection is needed here: a request holding its own connection never waits for another one. (A writer
    that left only the chain's name has the committed head read back on a fresh connection.)"""
    committed = session.info.pop("duecare_audit_head", None)
    if committed is None:
        return
    try:
        if isinstance(committed, str):  # only the chain's name: read the committed head back
            from duecare.privacy.models import AuditHead

            with session.get_bind().engine.connect() as conn:
                row = conn.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
            if row is not None:
                append_checkpoint(committed, row.seq, row.hash)
            return
        chain, seq, head = committed
        append_checkpoint(chain, seq, head)
    except (OSError, SQLAlchemyError) as exc:  # the commit stands; a later commit or `audit checkpoint` catches up
        log.warning("audit checkpoint not written (%s): run `duecare audit checkpoint`", type(exc).__name__)


def forget_pending(session: Session, *_args: object) -> None:
    session.info.pop("duecare_audit_head", None)
