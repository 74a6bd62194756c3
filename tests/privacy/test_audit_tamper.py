"""The keyed chain and its signed checkpoints: truncation, emptying and rewriting are all detected."""

from __future__ import annotations

import hashlib
import json

import pytest
from alembic import command
from sqlalchemy import text

from duecare.kit.db import alembic_config, get_engine, session_factory
from duecare.privacy.audit import (
    HASHED_FIELDS,
    canonical_json,
    chain_key,
    event_hash,
    record_audit,
    verify_chain,
)
from duecare.privacy.checkpoints import checkpoint_path, read_checkpoints

from .test_audit import _attack


def _chain(url: str, n: int = 5) -> None:
    """n events, each committed on its own (so each commit leaves a signed checkpoint)."""
    with session_factory(url)() as db:
        for i in range(n):
            record_audit(db, actor="staff:S1", action="read_personal", subject=f"borrower:B{i}")
            db.commit()


def _verify(url: str, checkpoints: bool = True) -> tuple[int, int | None, str]:
    with session_factory(url)() as db:
        count, problem = verify_chain(db, checkpoints=checkpoints)
    return count, problem.seq if problem else None, str(problem)


def _rows(url: str) -> list[dict[str, object]]:
    with get_engine(url).connect() as c:
        return [dict(r._mapping) for r in c.execute(text("SELECT * FROM audit_events ORDER BY seq"))]


def _rewrite_from(url: str, seq: int, hasher) -> None:  # type: ignore[no-untyped-def]
    """Edit event `seq` and recompute every later link and the head with `hasher`: what a forger does."""
    rows = _rows(url)
    prev = rows[seq - 2]["hash"] if seq > 1 else "0" * 64
    statements = []
    for row in rows[seq - 1:]:
        fields = {k: row[k] for k in HASHED_FIELDS}
        if row["seq"] == seq:
            fields["actor"] = "staff:S9"
        fields["prev_hash"] = prev
        new = hasher(fields)
        statements.append(f"UPDATE audit_events SET actor = '{fields['actor']}', prev_hash = '{prev}', "
                          f"hash = '{new}' WHERE seq = {row['seq']}")
        prev = new
    statements.append(f"UPDATE audit_head SET hash = '{prev}' WHERE id = 1")
    _attack(url, *statements)


@pytest.fixture
def url(db_url: str) -> str:
    _chain(db_url)
    return db_url


class TestTheChainIsKeyed:
    def test_every_commit_leaves_a_signed_checkpoint_of_the_head(self, url: str) -> None:
        with session_factory(url)() as db:
            from duecare.privacy.checkpoints import chain_label

            found, problems = read_checkpoints(chain_label(db))
        assert problems == [] and [cp.seq for cp in found] == [1, 2, 3, 4, 5]
        assert found[-1].hash == _rows(url)[-1]["hash"]

    def test_hashes_need_the_key(self, url: str) -> None:
        row = _rows(url)[0]
        fields = {k: row[k] for k in HASHED_FIELDS}
        assert row["hash"] == event_hash(fields, chain_key())
        assert row["hash"] != hashlib.sha256(canonical_json(fields).encode()).hexdigest()

    def test_an_untouched_chain_verifies_with_its_checkpoints(self, url: str) -> None:
        assert _verify(url) == (5, None, "None")


class TestTamperingIsDetected:
    def test_truncation_with_the_head_rewound(self, url: str) -> None:
        third = _rows(url)[2]["hash"]
        _attack(url, "DELETE FROM audit_events WHERE seq > 3", f"UPDATE audit_head SET seq = 3, hash = '{third}'")
        assert _verify(url, checkpoints=False)[1] is None  # the database alone cannot tell
        count, seq, message = _verify(url)
        assert (count, seq) == (3, 4) and "records 5 events" in message

    def test_emptying_the_chain_and_its_head(self, url: str) -> None:
        _attack(url, "DELETE FROM audit_events", f"UPDATE audit_head SET seq = 0, hash = '{'0' * 64}'")
        assert _verify(url, checkpoints=False)[1] is None
        count, seq, message = _verify(url)
        assert (count, seq) == (0, 1) and "emptied" in message

    def test_a_rewrite_with_recomputed_plain_hashes(self, url: str) -> None:
        _rewrite_from(url, 2, lambda f: hashlib.sha256(canonical_json(f).encode()).hexdigest())
        assert _verify(url, checkpoints=False)[1] == 2
        assert _verify(url)[1] == 2

    def test_a_rewrite_by_someone_holding_the_chain_key(self, url: str) -> None:
        key = chain_key()
        _rewrite_from(url, 3, lambda f: event_hash(f, key))
        assert _verify(url, checkpoints=False)[1] is None  # a valid chain again, but not the one signed
        count, seq, message = _verify(url)
        assert seq == 3 and "signed checkpoint" in message

    def test_an_edited_checkpoint_line(self, url: str) -> None:
        path = checkpoint_path()
        lines = path.read_text(encoding="utf-8").splitlines()
        record = json.loads(lines[-1])
        record["seq"] = 2
        path.write_text("\n".join([*lines[:-1], json.dumps(record)]) + "\n", encoding="utf-8")
        count, seq, message = _verify(url)
        assert seq == 0 and "signature does not verify" in message


class TestTheMigration:
    def test_old_plain_chains_are_relinked_under_the_key_and_still_match_their_checkpoints(self, url: str) -> None:
        cfg = alembic_config(url)
        command.downgrade(cfg, "privacy_0001")
        plain = _rows(url)
        assert plain[0]["hash"] == hashlib.sha256(
            canonical_json({k: plain[0][k] for k in HASHED_FIELDS}).encode()).hexdigest()
        assert _verify(url, checkpoints=False)[1] == 1  # plain links do not verify under the key
        command.upgrade(cfg, "heads")
        assert _verify(url) == (5, None, "None")

    def test_the_first_broken_event_of_an_old_chain_is_still_named(self, url: str) -> None:
        cfg = alembic_config(url)
        command.downgrade(cfg, "privacy_0001")
        _attack(url, "UPDATE audit_events SET actor = 'staff:S9' WHERE seq = 4")
        command.upgrade(cfg, "heads")
        assert _verify(url, checkpoints=False)[1] == 4


def test_the_checkpoint_file_lives_outside_the_database(url: str) -> None:
    assert checkpoint_path().exists() and str(checkpoint_path()) not in url
