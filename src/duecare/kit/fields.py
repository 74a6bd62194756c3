"""Encryption at rest for personal fields, and keyed hashes for lookups.

`PersonalText` is a column type: values are encrypted with AES-256-GCM when written and decrypted when read.
The stored form is ``v1:<key_id>:<base64(nonce + ciphertext + tag)>``. Encryption uses a random nonce, so two
equal values never look equal in the database: do not filter on a `PersonalText` column; keep a
`keyed_hash(...)` column next to it for lookups (phone -> borrower).

Keys come from the environment variable ``DUECARE_KEYS`` or from ``Settings.key_file`` (created with 0600
permissions on first use). Both hold the same JSON::

    {"active": "k1", "keys": {"k1": "<base64 of 32 bytes>"}, "lookup": "<base64 of 32 bytes>"}

``lookup`` is the HMAC key for `keyed_hash`; it never changes when encryption keys rotate. If it is absent it
is derived (HKDF-SHA256) from the lowest-named key, and written into the key file at the next rotation.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from duecare.kit.errors import UserError
from duecare.kit.settings import get_settings

FORMAT_VERSION = "v1"
NONCE_BYTES = 12
KEY_BYTES = 32
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-]{5,}$")


class KeyError_(UserError):
    """A key file or DUECARE_KEYS value that cannot be used."""


class DecryptionError(Exception):
    """A stored value that does not decrypt with any known key (tampered, or a key is missing)."""


@dataclass
class Keyring:
    """Encryption keys by id, the active id, and the lookup (HMAC) key."""

    active: str
    keys: dict[str, bytes]
    lookup: bytes
    source: str  # "env" or the key file path, for messages
    lookup_derived: bool = False
    _aead: dict[str, AESGCM] = field(default_factory=dict, repr=False)

    def aead(self, key_id: str) -> AESGCM:
        if key_id not in self._aead:
            if key_id not in self.keys:
                raise DecryptionError(f"unknown key id {key_id!r} (key source: {self.source})")
            self._aead[key_id] = AESGCM(self.keys[key_id])
        return self._aead[key_id]

    def to_json(self) -> dict[str, Any]:
        return {
            "active": self.active,
            "keys": {k: base64.b64encode(v).decode() for k, v in self.keys.items()},
            "lookup": base64.b64encode(self.lookup).decode(),
        }


def _derive_lookup(keys: dict[str, bytes]) -> bytes:
    root = keys[min(keys)]
    return HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=b"duecare-lookup", info=b"keyed-hash-v1"
    ).derive(root)


def parse_keyring(raw: str, source: str) -> Keyring:
    """Parse and check key JSON; every problem is a UserError that says how to fix it."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise KeyError_(f"keys are not valid JSON ({exc.msg})", place=source) from None
    if not isinstance(data, dict) or not isinstance(data.get("keys"), dict) or not data["keys"]:
        raise KeyError_(
            'keys must look like {"active": "k1", "keys": {"k1": "<base64 32 bytes>"}}', place=source
        )
    keys: dict[str, bytes] = {}
    for key_id, b64 in data["keys"].items():
        if not _KEY_ID.match(str(key_id)):
            raise KeyError_(f"key id {key_id!r} must be 1-32 letters, digits, '_' or '-'", place=source)
        try:
            key = base64.b64decode(b64, validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise KeyError_(f"key {key_id!r} is not base64", place=source) from None
        if len(key) != KEY_BYTES:
            raise KeyError_(f"key {key_id!r} must be {KEY_BYTES} bytes, found {len(key)}", place=source)
        keys[key_id] = key
    active = data.get("active")
    if active not in keys:
        raise KeyError_(f"active key {active!r} is not among the keys {sorted(keys)}", place=source)
    lookup_b64 = data.get("lookup")
    derived = lookup_b64 is None
    if derived:
        lookup = _derive_lookup(keys)
    else:
        try:
            lookup = base64.b64decode(str(lookup_b64), validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise KeyError_("lookup key is not base64", place=source) from None
        if len(lookup) != KEY_BYTES:
            raise KeyError_(f"lookup key must be {KEY_BYTES} bytes", place=source)
    return Keyring(active=active, keys=keys, lookup=lookup, source=source, lookup_derived=derived)


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def write_key_file(path: Path, ring: Keyring) -> None:
    """Write atomically with 0600 permissions (the temp file is created 0600, then renamed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(ring.to_json(), fh, indent=2)
            fh.write("\n")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _create_key_file(path: Path) -> None:
    ring = Keyring(active="k1", keys={"k1": new_key()}, lookup=new_key(), source=str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: two processes starting at once must not each write a different key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(ring.to_json(), fh, indent=2)
        fh.write("\n")


def key_source() -> tuple[str, Path | None]:
    """Where keys come from now: ("env", None) or ("file", path)."""
    s = get_settings()
    return ("env", None) if s.keys else ("file", s.key_file)


def load_keyring() -> Keyring:
    kind, path = key_source()
    if kind == "env":
        return parse_keyring(get_settings().keys or "", "DUECARE_KEYS")
    assert path is not None
    if not path.exists():
        _create_key_file(path)
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise KeyError_(
            f"key file is readable by others (mode {mode:o}); run: chmod 600 {path}", place=str(path)
        )
    return parse_keyring(path.read_text(encoding="utf-8"), str(path))


_lock = threading.Lock()
_cached: dict[tuple[str, str], Keyring] = {}


def get_keyring() -> Keyring:
    """The cached keyring for the current key source (env value or key file path)."""
    kind, path = key_source()
    ident = (kind, (get_settings().keys or "") if kind == "env" else str(path))
    ring = _cached.get(ident)
    if ring is None:
        with _lock:
            ring = _cached.get(ident)
            if ring is None:
                ring = load_keyring()
                _cached[ident] = ring
    return ring


def reset_keyring() -> None:
    """Forget cached keys (tests; after a rotation wrote a new key file)."""
    with _lock:
        _cached.clear()


def encrypt_text(plain: str, ring: Keyring | None = None, key_id: str | None = None) -> str:
    ring = ring or get_keyring()
    key_id = key_id or ring.active
    nonce = secrets.token_bytes(NONCE_BYTES)
    aad = f"{FORMAT_VERSION}:{key_id}".encode()
    sealed = ring.aead(key_id).encrypt(nonce, plain.encode("utf-8"), aad)
    return f"{FORMAT_VERSION}:{key_id}:{base64.b64encode(nonce + sealed).decode()}"


def stored_key_id(stored: str) -> str:
    parts = stored.split(":", 2)
    if len(parts) != 3 or parts[0] != FORMAT_VERSION:
        raise DecryptionError("value is not in the v1:<key_id>:<data> format")
    return parts[1]


def decrypt_text(stored: str, ring: Keyring | None = None) -> str:
    ring = ring or get_keyring()
    key_id = stored_key_id(stored)
    try:
        blob = base64.b64decode(stored.split(":", 2)[2], validate=True)
    except (binascii.Error, ValueError):
        raise DecryptionError("ciphertext is not base64") from None
    if len(blob) < NONCE_BYTES + 16:
        raise DecryptionError("ciphertext too short")
    aad = f"{FORMAT_VERSION}:{key_id}".encode()
    try:
        return ring.aead(key_id).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad).decode("utf-8")
    except InvalidTag:
        raise DecryptionError(
            f"value does not authenticate under key {key_id!r} (altered or wrong key)"
        ) from None


class PersonalText(TypeDecorator[str]):
    """Text encrypted at rest. Python side: `str | None`; database side: ``v1:<key_id>:<base64>``.

    Not usable in WHERE/ORDER BY (ciphertexts are randomised); pair it with a keyed-hash column for lookups.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise TypeError(f"PersonalText takes str, got {type(value).__name__}")
        return encrypt_text(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return decrypt_text(value)

    def process_literal_param(self, value: Any, dialect: Dialect) -> str:
        # Literal SQL (e.g. offline migrations) must never carry personal text in clear.
        raise TypeError("PersonalText values cannot be rendered as SQL literals (they are encrypted per row)")


def normalise_phone(value: str) -> str:
    """Digits only: '+86 138-0013-8000' -> '8613800138000'."""
    return re.sub(r"\D", "", value)


def normalise_for_hash(value: str, kind: Literal["auto", "phone", "text"] = "auto") -> str:
    if kind == "phone" or (kind == "auto" and _PHONE_LIKE.match(value.strip())):
        return normalise_phone(value)
    return " ".join(value.split()).casefold()


def keyed_hash(value: str, kind: Literal["auto", "phone", "text"] = "auto") -> str:
    """HMAC-SHA256 (hex) of a normalised value, with the lookup key (never an encryption key).

    Phones (or anything that looks like one with kind="auto") keep digits only; other text is
    whitespace-collapsed and case-folded, so emails compare case-insensitively.
    """
    ring = get_keyring()
    norm = normalise_for_hash(value, kind)
    return hmac.new(ring.lookup, norm.encode("utf-8"), hashlib.sha256).hexdigest()


def hmac_hex_many(key: bytes, texts: Iterable[str], prefix: bytes = b"") -> list[str]:
    """HMAC-SHA256 (hex) of prefix + each text: the same values as `hmac.new`, with the key's pads hashed once
    (~0.8 µs a value against ~1.7 µs for `hmac.digest` per value)."""
    block = key if len(key) <= 64 else hashlib.sha256(key).digest()
    block = block.ljust(64, b"\0")
    inner0 = hashlib.sha256(bytes(b ^ 0x36 for b in block))
    outer0 = hashlib.sha256(bytes(b ^ 0x5C for b in block))
    inner0.update(prefix)
    out: list[str] = []
    append = out.append
    for text in texts:
        inner = inner0.copy()
        inner.update(text.encode("utf-8"))
        outer = outer0.copy()
        outer.update(inner.digest())
        append(outer.hexdigest())
    return out


def keyed_hashes(values: Iterable[str], kind: Literal["auto", "phone", "text"] = "auto") -> list[str]:
    """`keyed_hash` of each value, in order, the lookup key fetched once (bulk indexing)."""
    return hmac_hex_many(get_keyring().lookup, (normalise_for_hash(v, kind) for v in values))


def personal_columns(metadata: Any) -> list[tuple[Any, Any]]:
    """Every (table, column) in a MetaData whose type is PersonalText (for rotation and checks)."""
    found = []
    for table in metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, PersonalText):
                found.append((table, column))
    return found
