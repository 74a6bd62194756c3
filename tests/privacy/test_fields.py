"""Encryption at rest and keyed hashes."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, select, text

from duecare.kit.errors import UserError
from duecare.kit.fields import (
    DecryptionError,
    PersonalText,
    decrypt_text,
    encrypt_text,
    get_keyring,
    keyed_hash,
    reset_keyring,
)


def _table() -> tuple[Table, object]:
    md = MetaData()
    t = Table("people", md, Column("id", Integer, primary_key=True), Column("name", PersonalText))
    engine = create_engine("sqlite://")
    md.create_all(engine)
    return t, engine


class TestPersonalText:
    def test_values_are_stored_encrypted_and_read_back_in_clear(self, own_keys: Path) -> None:
        t, engine = _table()
        with engine.begin() as c:  # type: ignore[attr-defined]
            c.execute(t.insert(), [{"id": 1, "name": "王芳"}, {"id": 2, "name": None}])
            raw = c.execute(text("SELECT name FROM people ORDER BY id")).scalars().all()
            clear = c.execute(select(t.c.name).order_by(t.c.id)).scalars().all()
        assert raw[0].startswith("v1:k1:") and "王芳" not in raw[0]
        assert raw[1] is None
        assert clear == ["王芳", None]

    def test_equal_values_encrypt_differently(self, own_keys: Path) -> None:
        assert encrypt_text("13800138000") != encrypt_text("13800138000")

    def test_an_altered_ciphertext_is_refused(self, own_keys: Path) -> None:
        stored = encrypt_text("王芳")
        blob = bytearray(base64.b64decode(stored.split(":", 2)[2]))
        blob[-1] ^= 1
        with pytest.raises(DecryptionError):
            decrypt_text("v1:k1:" + base64.b64encode(bytes(blob)).decode())

    def test_a_value_moved_to_another_key_id_is_refused(self, own_keys: Path) -> None:
        ring = get_keyring()
        ring.keys["k2"] = ring.keys["k1"]  # same bytes, other id: the key id is authenticated data
        stored = encrypt_text("王芳").replace("v1:k1:", "v1:k2:")
        with pytest.raises(DecryptionError):
            decrypt_text(stored)

    def test_non_text_is_rejected(self, own_keys: Path) -> None:
        t, engine = _table()
        with pytest.raises(Exception, match="PersonalText takes str"), engine.begin() as c:  # type: ignore[attr-defined]
            c.execute(t.insert(), [{"id": 1, "name": 42}])


class TestKeyring:
    def test_key_file_is_created_private_on_first_use(self, own_keys: Path) -> None:
        assert not own_keys.exists()
        get_keyring()
        assert stat.S_IMODE(own_keys.stat().st_mode) == 0o600
        data = json.loads(own_keys.read_text())
        assert data["active"] == "k1" and len(base64.b64decode(data["keys"]["k1"])) == 32

    def test_a_key_file_readable_by_others_is_refused(self, own_keys: Path) -> None:
        get_keyring()
        os.chmod(own_keys, 0o644)
        reset_keyring()
        with pytest.raises(UserError, match="chmod 600"):
            get_keyring()

    def test_keys_can_come_from_the_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        key = base64.b64encode(b"\x01" * 32).decode()
        monkeypatch.setenv("DUECARE_KEYS", json.dumps({"active": "e1", "keys": {"e1": key}}))
        reset_keyring()
        try:
            assert encrypt_text("x").startswith("v1:e1:")
        finally:
            monkeypatch.delenv("DUECARE_KEYS")
            reset_keyring()

    def test_bad_key_json_says_what_to_fix(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("DUECARE_KEYS", json.dumps({"active": "x", "keys": {"x": "c2hvcnQ="}}))
        reset_keyring()
        try:
            with pytest.raises(UserError, match="must be 32 bytes"):
                get_keyring()
        finally:
            monkeypatch.delenv("DUECARE_KEYS")
            reset_keyring()


class TestKeyedHash:
    def test_phones_compare_by_digits(self, own_keys: Path) -> None:
        assert keyed_hash("138-0013 8000") == keyed_hash("13800138000")
        assert keyed_hash("13800138000") != keyed_hash("13800138001")

    def test_text_compares_case_insensitively(self, own_keys: Path) -> None:
        assert keyed_hash("Wang@Example.com") == keyed_hash("wang@example.com")

    def test_hash_is_keyed_not_a_plain_sha256(self, own_keys: Path) -> None:
        import hashlib

        assert keyed_hash("13800138000") != hashlib.sha256(b"13800138000").hexdigest()
