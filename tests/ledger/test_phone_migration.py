"""Migration ledger_0002 rewrites stored phones in E.164 and moves every keyed phone hash with them."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import select

from duecare.contacts.models import Suppression, SuppressionReason
from duecare.kit.db import alembic_config, get_engine, migrate, unit_of_work
from duecare.kit.fields import get_keyring, keyed_hash
from duecare.ledger import repository
from duecare.ledger.models import Borrower, BorrowerPhone

from .factories import borrower

KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _old_hash(phone: str) -> str:
    """How a phone was hashed before E.164: its digits, whatever country they meant."""
    return hmac.new(get_keyring().lookup, re.sub(r"\D", "", phone).encode(), hashlib.sha256).hexdigest()


def _store_as_before(url: str) -> None:
    """Rows as the code before ledger_0002 wrote them: national forms, digit hashes, an SMS STOP."""
    with unit_of_work(url) as s:
        b = borrower("B1", phones=["139 0013 9000", "+86 138 0013 8000", "12345"])
        s.add(b)
        s.add(borrower("B2", phones=[]))
        s.flush()
        s.add_all(BorrowerPhone(borrower_id="B1", phone_hash=_old_hash(p)) for p in b.phones)
        s.add(Suppression(channel="sms", address_hash=_old_hash("139 0013 9000"), borrower_id="B1",
                          reason=SuppressionReason.OPT_OUT, at=datetime(2026, 3, 1, tzinfo=UTC), source="test"))


@pytest.mark.parametrize("kind", KINDS)
def test_stored_phones_become_e164_and_are_found_in_every_form(kind: str,
                                                               new_database: Callable[..., str]) -> None:
    url = new_database(kind, migrated=True)
    cfg = alembic_config(url)
    with get_engine(url).begin() as connection:  # step back over ledger_0002 (its downgrade keeps the data)
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "ledger_0002-1")
    _store_as_before(url)
    migrate(url)
    with unit_of_work(url) as s:
        b1 = s.get_one(Borrower, "B1")
        # an invalid stored number is kept as it was (a migration does not throw data away)
        assert b1.phones == ["+8613900139000", "+8613800138000", "12345"]
        stored = set(s.scalars(select(BorrowerPhone.phone_hash).where(BorrowerPhone.borrower_id == "B1")))
        assert stored == {keyed_hash(p, "phone") for p in b1.phones}
        for form in ("13900139000", "+86 139 0013 9000", "0086 139 0013 9000", "138-0013-8000"):
            assert [b.id for b in repository.borrowers_by_phone(s, form)] == ["B1"], form
        suppression = s.scalars(select(Suppression.address_hash).where(Suppression.channel == "sms")).all()
        assert suppression == [keyed_hash("+8613900139000", "phone")]
