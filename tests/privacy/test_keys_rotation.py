"""`duecare keys rotate` re-encrypts every personal field and keeps every record readable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from duecare.cli import app as cli_app
from duecare.kit.db import get_engine, session_factory
from duecare.kit.fields import reset_keyring
from duecare.ledger import repository
from duecare.ledger.models import Borrower
from duecare.privacy.keys import keys_in_use

from .factories import NAMES, PHONES, add_borrower


def _people(url: str) -> dict[str, tuple[str, list[str], str | None]]:
    reset_keyring()
    with session_factory(url)() as db:
        return {b.id: (b.name, b.phones, b.email) for b in db.execute(select(Borrower)).scalars()}


def test_rotation_reencrypts_everything_and_keeps_it_readable(
    db_url: str, own_keys: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUECARE_DATABASE_URL", db_url)
    with session_factory(db_url)() as db:
        for bid in ("B1", "B2", "B3"):
            add_borrower(db, bid)
        db.commit()
    before = _people(db_url)
    assert keys_in_use(get_engine(db_url)) == {"k1": 12}  # name, phones, email, address of 3 borrowers

    result = CliRunner().invoke(cli_app, ["keys", "rotate", "--batch", "2"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["active_key"] == "k2" and report["rows_by_table"]["borrowers"] == 3
    keys = json.loads(own_keys.read_text())
    assert keys["active"] == "k2" and set(keys["keys"]) == {"k1", "k2"}  # the old key stays readable

    assert _people(db_url) == before
    assert set(keys_in_use(get_engine(db_url))) == {"k2"}
    with session_factory(db_url)() as db:  # lookups survive rotation: the lookup key never changes
        assert [b.id for b in repository.borrowers_by_phone(db, PHONES["B2"])] == ["B2"]
        assert before["B1"][0] == NAMES["B1"]

    retire = CliRunner().invoke(cli_app, ["keys", "rotate", "--retire-old"])
    assert retire.exit_code == 0, retire.output
    assert set(json.loads(own_keys.read_text())["keys"]) == {"k3"}
    assert _people(db_url) == before


def test_rotation_refuses_keys_from_the_environment(monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> None:
    import base64

    monkeypatch.setenv("DUECARE_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("DUECARE_KEYS", json.dumps({"active": "e1", "keys": {"e1": base64.b64encode(b"k" * 32).decode()}}))
    reset_keyring()
    try:
        from duecare.kit.errors import UserError
        from duecare.privacy.keys import add_active_key

        with pytest.raises(UserError, match="DUECARE_KEYS"):
            add_active_key()
    finally:
        monkeypatch.delenv("DUECARE_KEYS")
        reset_keyring()
