"""Every failing command path exits non-zero through the real entry point (`duecare.cli.main`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from duecare.kit.db import session_factory
from duecare.policy.loader import PACKAGE
from duecare.privacy.audit import record_audit

from .helpers import run_main


class TestAuditVerifyExitStatus:
    def test_an_intact_chain_exits_zero(self, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("DUECARE_DATABASE_URL", sqlite_url)
        with session_factory(sqlite_url)() as db:
            record_audit(db, actor="staff:S1", action="read_personal", subject="borrower:B1")
            db.commit()
        assert run_main(monkeypatch, "audit", "verify") == 0

    def test_a_broken_chain_exits_one(self, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("DUECARE_DATABASE_URL", sqlite_url)
        with session_factory(sqlite_url)() as db:
            for i in range(3):
                record_audit(db, actor="staff:S1", action="read_personal", subject=f"borrower:B{i}")
            db.commit()
        from duecare.kit.db import get_engine

        with get_engine(sqlite_url).begin() as c:
            c.exec_driver_sql("DROP TRIGGER IF EXISTS audit_events_no_update")
            c.exec_driver_sql("UPDATE audit_events SET actor = 'staff:S9' WHERE seq = 2")
        assert run_main(monkeypatch, "audit", "verify") == 1


class TestPolicyTestExitStatus:
    def test_the_shipped_examples_pass_with_status_zero(self, monkeypatch: pytest.MonkeyPatch) -> None:
        assert run_main(monkeypatch, "policy", "test") == 0

    def test_a_failing_example_exits_one(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        strategies = PACKAGE / "strategies"
        shutil.copy(strategies / "standard.yaml", tmp_path / "standard.yaml")
        examples = yaml.safe_load((strategies / "standard.examples.yaml").read_text(encoding="utf-8"))
        first = examples["examples"][0]
        first["expect"] = {**first.get("expect", {}), "action": "visit_schedule"}
        examples["examples"] = [first]
        (tmp_path / "standard.examples.yaml").write_text(yaml.safe_dump(examples, allow_unicode=True),
                                                         encoding="utf-8")
        assert run_main(monkeypatch, "policy", "test", "--strategy", str(tmp_path / "standard.yaml")) == 1


class TestUserErrorsExitTwo:
    def test_a_missing_case_file_exits_two(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        assert run_main(monkeypatch, "decide", "--case", str(tmp_path / "absent.json")) == 2

    def test_an_unknown_option_exits_two(self, monkeypatch: pytest.MonkeyPatch) -> None:
        assert run_main(monkeypatch, "decide", "--no-such-option") == 2

    def test_a_long_error_message_is_printed_whole(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
        name = "a-case-file-with-a-rather-long-name-" + "x" * 120 + ".json"
        path = tmp_path / name
        path.write_text(json.dumps({"as_of": "2026-11-25T10:00:00+08:00"}), encoding="utf-8")
        assert run_main(monkeypatch, "decide", "--case", str(path)) == 2
        stderr = capsys.readouterr().err
        assert str(path) in stderr  # never wrapped mid-word, whatever the terminal width
        assert "borrower: is required" in stderr


class TestAuditVerifyAgainstCheckpoints:
    def test_a_truncated_chain_with_its_head_rewound_exits_one(self, sqlite_url: str,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
        monkeypatch.setenv("DUECARE_DATABASE_URL", sqlite_url)
        with session_factory(sqlite_url)() as db:
            for i in range(4):
                record_audit(db, actor="staff:S1", action="read_personal", subject=f"borrower:B{i}")
                db.commit()
        assert run_main(monkeypatch, "audit", "checkpoint") == 0
        from duecare.kit.db import get_engine

        with get_engine(sqlite_url).begin() as c:
            second = c.exec_driver_sql("SELECT hash FROM audit_events WHERE seq = 2").scalar_one()
            c.exec_driver_sql("DROP TRIGGER IF EXISTS audit_events_no_delete")
            c.exec_driver_sql("DELETE FROM audit_events WHERE seq > 2")
            c.exec_driver_sql(f"UPDATE audit_head SET seq = 2, hash = '{second}'")
        capsys.readouterr()
        assert run_main(monkeypatch, "audit", "verify") == 1
        out = json.loads(capsys.readouterr().out)
        assert out["ok"] is False and out["first_bad_seq"] == 3 and out["checkpoints"] == 5
