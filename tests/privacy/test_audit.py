"""The audit chain: every kind of tampering is detected and the first bad event is named."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from duecare.cli import app as cli_app
from duecare.kit.db import get_engine, session_factory
from duecare.privacy.audit import Entry, record_audit, record_audits, verify_chain


def _chain(db: Session, n: int = 5) -> None:
    for i in range(n):
        record_audit(db, actor="staff:S1", action="read_personal", subject=f"borrower:B{i}", rule_id="pipl_rights",
                     before={"v": i}, after={"v": i + 1})  # fmt: skip
    db.commit()


def _attack(url: str, *statements: str) -> None:
    """What someone with database access can do: drop the append-only triggers and rewrite rows."""
    with get_engine(url).begin() as c:
        if url.startswith("sqlite"):
            c.exec_driver_sql("DROP TRIGGER IF EXISTS audit_events_no_update")
            c.exec_driver_sql("DROP TRIGGER IF EXISTS audit_events_no_delete")
        else:
            c.exec_driver_sql("DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events")
        for s in statements:
            c.exec_driver_sql(s)


@pytest.fixture
def chain_url(db_url: str) -> str:
    with session_factory(db_url)() as db:
        _chain(db)
    return db_url


def _first_bad(url: str) -> int | None:
    with session_factory(url)() as db:
        _, problem = verify_chain(db)
    return problem.seq if problem else None


class TestAuditChain:
    def test_an_untouched_chain_verifies(self, chain_url: str) -> None:
        with session_factory(chain_url)() as db:
            assert verify_chain(db) == (5, None)

    def test_events_link_to_their_predecessor(self, chain_url: str) -> None:
        with get_engine(chain_url).connect() as c:
            rows = c.execute(text("SELECT seq, prev_hash, hash FROM audit_events ORDER BY seq")).all()
        assert rows[0].prev_hash == "0" * 64
        assert all(rows[i].prev_hash == rows[i - 1].hash for i in range(1, len(rows)))

    def test_a_batch_appended_under_one_lock_continues_the_chain_and_verifies(self, chain_url: str) -> None:
        with session_factory(chain_url)() as db:
            record_audits(db, [Entry(actor="system:outbox", action="contact_sent", subject=f"borrower:B{i}",
                                     trace_id=f"k{i}", after={"task": i}) for i in range(3)])
            record_audit(db, actor="staff:S1", action="read_personal", subject="borrower:B9")
            db.commit()
            assert verify_chain(db) == (9, None)
        with get_engine(chain_url).connect() as c:
            rows = c.execute(text("SELECT seq, subject, prev_hash, hash FROM audit_events ORDER BY seq")).all()
        assert [r.subject for r in rows[5:]] == ["borrower:B0", "borrower:B1", "borrower:B2", "borrower:B9"]
        assert all(rows[i].prev_hash == rows[i - 1].hash for i in range(1, len(rows)))
        assert _first_bad(chain_url) is None

    def test_the_database_refuses_updates_and_deletes(self, chain_url: str) -> None:
        for stmt in ("UPDATE audit_events SET actor = 'x' WHERE seq = 2", "DELETE FROM audit_events WHERE seq = 2"):
            with pytest.raises(DatabaseError, match="append-only"), get_engine(chain_url).begin() as c:
                c.exec_driver_sql(stmt)

    def test_an_altered_event_is_named(self, chain_url: str) -> None:
        _attack(chain_url, "UPDATE audit_events SET actor = 'staff:S9' WHERE seq = 3")
        assert _first_bad(chain_url) == 3

    def test_a_deleted_event_is_named(self, chain_url: str) -> None:
        _attack(chain_url, "DELETE FROM audit_events WHERE seq = 2")
        assert _first_bad(chain_url) == 2

    def test_a_deleted_last_event_is_noticed(self, chain_url: str) -> None:
        _attack(chain_url, "DELETE FROM audit_events WHERE seq = 5")
        assert _first_bad(chain_url) == 5

    def test_an_inserted_event_is_named(self, chain_url: str) -> None:
        # Make room at seq 3 by shifting later events, then insert a forged event with a self-consistent hash.
        _attack(
            chain_url,
            "UPDATE audit_events SET seq = seq + 100 WHERE seq >= 3",
            "UPDATE audit_events SET seq = seq - 99 WHERE seq >= 103",
            "INSERT INTO audit_events (seq, at, actor, action, subject, prev_hash, hash) "
            "SELECT 3, at, 'staff:S9', 'export', subject, hash, 'x' || substr(hash, 2) FROM audit_events WHERE seq = 2",
        )
        assert _first_bad(chain_url) == 3

    def test_reordered_events_are_named(self, chain_url: str) -> None:
        _attack(
            chain_url,
            "UPDATE audit_events SET seq = 100 WHERE seq = 2",
            "UPDATE audit_events SET seq = 2 WHERE seq = 4",
            "UPDATE audit_events SET seq = 4 WHERE seq = 100",
        )
        assert _first_bad(chain_url) == 2

    def test_appending_continues_the_chain_after_verification(self, chain_url: str) -> None:
        with session_factory(chain_url)() as db:
            record_audit(db, actor="system", action="x", subject="y")
            db.commit()
            assert verify_chain(db) == (6, None)


class TestAuditVerifyCommand:
    def test_exit_0_when_intact_and_1_naming_the_event_when_broken(
        self, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("DUECARE_DATABASE_URL", sqlite_url)
        with session_factory(sqlite_url)() as db:
            _chain(db)
        ok = CliRunner().invoke(cli_app, ["audit", "verify"])
        assert ok.exit_code == 0, ok.output
        assert '"ok": true' in ok.stdout
        _attack(sqlite_url, "UPDATE audit_events SET subject = 'borrower:B9' WHERE seq = 4")
        bad = CliRunner().invoke(cli_app, ["audit", "verify"])
        assert bad.exit_code == 1
        assert '"first_bad_seq": 4' in bad.stdout
        assert "seq 4" in bad.stderr and "altered" in bad.stderr


def test_concurrent_appends_never_fork_the_chain(db_url: str) -> None:
    """Writers in parallel threads (own sessions, own transactions) still build one unbroken chain."""
    from concurrent.futures import ThreadPoolExecutor

    factory = session_factory(db_url)

    def writer(n: int) -> None:
        for i in range(8):
            with factory() as db:
                record_audit(db, actor=f"staff:W{n}", action="note", subject=f"borrower:B{i}")
                db.commit()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(writer, range(4)))
    with factory() as db:
        assert verify_chain(db) == (32, None)


class TestLinkedAtCommit:
    """Events are linked into the chain when their transaction commits: the append lock is held for the commit
    only, so one request that audited a read and is still working never holds up another's audit."""

    def test_an_open_transaction_that_audited_does_not_block_another_commit(self, db_url: str) -> None:
        make = session_factory(db_url)
        with make() as slow, make() as quick:
            record_audit(slow, actor="staff:S1", action="read_personal", subject="borrower:B1")
            slow.flush()  # still open, as a page that audited first and renders next
            if db_url.startswith("postgresql"):
                quick.execute(text("SET LOCAL lock_timeout = '2s'"))  # on main this waited for `slow`
            record_audit(quick, actor="staff:S2", action="read_personal", subject="borrower:B2")
            quick.commit()
            slow.commit()
        with make() as db:
            assert verify_chain(db) == (2, None)
            subjects = db.execute(text("SELECT subject FROM audit_events ORDER BY seq")).scalars().all()
        assert subjects == ["borrower:B2", "borrower:B1"]  # in commit order

    def test_a_rolled_back_savepoint_takes_its_events_and_a_released_one_keeps_them(self, db_url: str) -> None:
        with session_factory(db_url)() as db:
            record_audit(db, actor="staff:S1", action="a", subject="kept-before")
            try:
                with db.begin_nested():
                    record_audit(db, actor="staff:S1", action="a", subject="dropped")
                    with db.begin_nested():
                        record_audit(db, actor="staff:S1", action="a", subject="dropped-inner")
                    raise ValueError("refused")
            except ValueError:
                pass
            with db.begin_nested():
                record_audit(db, actor="staff:S1", action="a", subject="kept-savepoint")
            db.commit()
            record_audit(db, actor="staff:S1", action="a", subject="rolled-back")
            db.rollback()
            record_audit(db, actor="staff:S1", action="a", subject="second-commit")
            db.commit()
        with session_factory(db_url)() as db:
            assert verify_chain(db) == (3, None)
            subjects = db.execute(text("SELECT subject FROM audit_events ORDER BY seq")).scalars().all()
        assert subjects == ["kept-before", "kept-savepoint", "second-commit"]
