"""ledger: phone numbers in E.164 for the borrower's jurisdiction, and every keyed phone hash recomputed

Revision ID: ledger_0002
Revises: 0001_ledger
Create Date: 2026-12-03

Until now a phone was hashed as its digits, so `+86 139…` and `139…` were two people to sign-in, reply
matching and suppression. Each borrower's encrypted phone list is rewritten in E.164 (read for the borrower's
jurisdiction), the lookup index is rebuilt from it, and an SMS suppression recorded under a borrower phone's
old hash moves to the new one. A stored number that is not valid for its jurisdiction is kept as it was
(with its old hash): a migration does not throw data away; `duecare ingest` refuses such numbers from now on.
Runs after the contacts branch's suppressions table exists (depends_on).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ledger_0002"
down_revision: str | Sequence[str] | None = "0001_ledger"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "contacts_0001"

_CHUNK = 1000


def _digest(lookup: bytes, phone: str) -> str:
    """The keyed phone hash as defined when this migration was written: HMAC-SHA256 of the digits."""
    return hmac.new(lookup, re.sub(r"\D", "", phone).encode("utf-8"), hashlib.sha256).hexdigest()


def upgrade() -> None:
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM borrowers LIMIT 1")).first() is None:
        return  # a new store: nothing to rewrite, and no key is needed
    # The keyring and the number parser are the running code's: stored ciphertext can only be read with them.
    from duecare.kit.fields import decrypt_text, encrypt_text, get_keyring
    from duecare.kit.phones import e164_or_none

    lookup = get_keyring().lookup
    moved: dict[str, str] = {}  # old suppression hash -> new
    last = ""
    while True:
        rows = bind.execute(sa.text("SELECT id, phones, jurisdiction FROM borrowers WHERE id > :last "
                                    "ORDER BY id LIMIT :n"), {"last": last, "n": _CHUNK}).all()
        if not rows:
            break
        last = rows[-1][0]
        for borrower_id, stored, jurisdiction in rows:
            phones = list(json.loads(decrypt_text(stored))) if stored else []
            if not phones:
                continue
            new = list(dict.fromkeys(e164_or_none(p, jurisdiction) or p for p in phones))
            for old_phone, new_phone in zip(phones, (e164_or_none(p, jurisdiction) or p for p in phones),
                                            strict=True):
                if old_phone != new_phone:
                    moved[_digest(lookup, old_phone)] = _digest(lookup, new_phone)
            if new != phones:
                bind.execute(sa.text("UPDATE borrowers SET phones = :p WHERE id = :id"),
                             {"p": encrypt_text(json.dumps(new, ensure_ascii=False)), "id": borrower_id})
            bind.execute(sa.text("DELETE FROM borrower_phone_index WHERE borrower_id = :id"), {"id": borrower_id})
            bind.execute(sa.text("INSERT INTO borrower_phone_index (borrower_id, phone_hash) VALUES (:id, :h)"),
                         [{"id": borrower_id, "h": h} for h in dict.fromkeys(_digest(lookup, p) for p in new)])
    for old, new_hash in moved.items():
        if old == new_hash:
            continue
        if bind.execute(sa.text("SELECT 1 FROM contact_suppressions WHERE channel = 'sms' AND address_hash = :h"),
                        {"h": new_hash}).first() is None:
            bind.execute(sa.text("UPDATE contact_suppressions SET address_hash = :new "
                                 "WHERE channel = 'sms' AND address_hash = :old"), {"new": new_hash, "old": old})
        else:  # both forms were suppressed: one row is enough
            bind.execute(sa.text("DELETE FROM contact_suppressions WHERE channel = 'sms' AND address_hash = :old"),
                         {"old": old})


def downgrade() -> None:
    """The national forms are not kept; E.164 numbers stay valid input for every earlier revision."""
