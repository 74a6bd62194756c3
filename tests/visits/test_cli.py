"""The command line runs the same workflow, held to the same permission matrix."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from duecare.cli import app
from duecare.kit.db import unit_of_work
from duecare.kit.errors import UserError

from .factories import AS_OF, assign, eligible_borrower, team

runner = CliRunner()


@pytest.fixture
def env(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DUECARE_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("DUECARE_DEMO", "1")  # a pinned clock is honoured only in a demo run
    monkeypatch.setenv("DUECARE_DEMO_NOW", AS_OF.isoformat())
    with unit_of_work(sqlite_url) as s:
        team(s)
        eligible_borrower(s)
        assign(s, "B1", "A1")
    return sqlite_url


def run(*args: str) -> dict[str, object]:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_every_step_runs_from_the_command_line(env: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    vid = str(run("visits", "propose", "L1", "--as", "A1")["id"])
    notice = run("visits", "notice", vid, "--as", "A1")["notice"]
    version = notice["version_hash"]  # type: ignore[index]
    pdf = tmp_path / "notice.pdf"
    assert runner.invoke(app, ["visits", "show-notice", vid, "--as", "S1", "--format", "pdf", "--out", str(pdf)]
                         ).exit_code == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    monkeypatch.setenv("DUECARE_DEMO_NOW", (AS_OF + timedelta(hours=3)).isoformat())
    typed = runner.invoke(app, ["visits", "answer", vid, "--as", "A1", "--decision", "granted", "--channel",
                                "letter", "--evidence", "FORM-1", "--version", version])
    assert isinstance(typed.exception, UserError) and "borrower's own act" in str(typed.exception)
    form = tmp_path / "signed.pdf"
    form.write_bytes(b"%PDF signed by the borrower")
    uploaded = run("visits", "consent-form", vid, "--as", "A1", "--file", str(form),
                   "--signed-at", (AS_OF + timedelta(hours=2)).isoformat())
    assert uploaded["status"] == "pending"
    assert run("visits", "show", vid, "--as", "S1")["state"] == "notice_sent"  # nothing granted yet
    monkeypatch.setenv("DUECARE_DEMO_NOW", (AS_OF + timedelta(hours=4)).isoformat())
    assert run("visits", "verify-form", str(uploaded["form_id"]), "--as", "S2", "--accept")["state"] == "consented"
    refused = runner.invoke(app, ["visits", "approve", vid, "--as", "A1", "--comment", "mine"])
    assert isinstance(refused.exception, UserError)  # `duecare` turns it into a message and exit code 2
    assert "may not visits.approve" in str(refused.exception)
    monkeypatch.setenv("DUECARE_DEMO_NOW", (AS_OF + timedelta(days=3, hours=1)).isoformat())
    assert run("visits", "approve", vid, "--as", "S1", "--comment", "ok")["state"] == "approved"
    monkeypatch.setenv("DUECARE_DEMO_NOW", (AS_OF + timedelta(days=4)).isoformat())
    scheduled = run("visits", "schedule", vid, "--as", "S1", "--agents", "F1,F3")
    assert scheduled["state"] == "scheduled" and scheduled["agents"] == ["F1", "F3"]
    start = datetime.fromisoformat(scheduled["window"]["start"])  # type: ignore[index]
    monkeypatch.setenv("DUECARE_DEMO_NOW", (start + timedelta(minutes=1)).isoformat())
    assert run("visits", "check-in", vid, "--as", "F1", "--partner", "F3")["state"] == "in_progress"
    monkeypatch.setenv("DUECARE_DEMO_NOW", (start + timedelta(minutes=20)).isoformat())
    run("visits", "check-out", vid, "--as", "F3", "--partner", "F1")
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"outcome": "not_home", "recording_ref": "REC-7",
                                  "arrived_at": (start + timedelta(minutes=2)).isoformat(),
                                  "left_at": (start + timedelta(minutes=15)).isoformat()}), encoding="utf-8")
    assert run("visits", "report", vid, "--as", "F3", "--file", str(report))["state"] == "reported"
    assert run("visits", "review", vid, "--as", "C1", "--comment", "fine")["state"] == "reviewed"
    evidence = run("consent", "evidence", "B1", "--as", "C1")
    assert evidence["records"][0]["evidence"].startswith("signed_form:")  # type: ignore[index]
    assert "verified_by:S2" in evidence["records"][0]["evidence"]  # type: ignore[index]
    reg = runner.invoke(app, ["visits", "register", "--as", "C1"])
    assert reg.exit_code == 0 and vid in reg.stdout


def test_a_gate_that_closed_exits_3_after_committing_the_cancellation(
    env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    vid = str(run("visits", "propose", "L1", "--as", "A1")["id"])
    # six weeks on, the failed attempts are older than the 30-day window: remote channels are not exhausted
    monkeypatch.setenv("DUECARE_DEMO_NOW", (AS_OF + timedelta(days=42)).isoformat())
    result = runner.invoke(app, ["visits", "notice", vid, "--as", "A1"])
    assert result.exit_code == 3
    assert run("visits", "show", vid, "--as", "S1")["state"] == "cancelled"


def test_a_dispute_cancels_an_open_visit_in_the_commit_that_records_it(env: str) -> None:
    from duecare.ledger.models import Borrower

    vid = str(run("visits", "propose", "L1", "--as", "A1")["id"])
    with unit_of_work(env) as s:
        s.get(Borrower, "B1").dispute_open = True  # type: ignore[union-attr]
    shown = run("visits", "show", vid, "--as", "S1")
    assert shown["state"] == "cancelled" and shown["close_reason"] == "hold_active"


def test_the_sweep_re_checks_every_open_visit_when_time_closed_its_gate(
    env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    vid = str(run("visits", "propose", "L1", "--as", "A1")["id"])
    assert run("visits", "sweep", "--as", "S1")["changed"] == []  # nothing changed: the gate holds
    monkeypatch.setenv("DUECARE_DEMO_NOW", (AS_OF + timedelta(days=42)).isoformat())
    swept = run("visits", "sweep", "--as", "S1")
    assert swept["changed"] == [{"visit_id": vid, "from": "proposed", "to": "cancelled",
                                 "reasons": ["remote_channels_not_exhausted"]}]


def test_the_nightly_run_re_checks_the_open_visits_of_the_store(
    env: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    vid = str(run("visits", "propose", "L1", "--as", "A1")["id"])
    portfolio = tmp_path / "portfolio"
    assert runner.invoke(app, ["generate", "--accounts", "20", "--out", str(portfolio), "--seed", "3"]).exit_code == 0
    monkeypatch.setenv("DUECARE_DEMO_NOW", (AS_OF + timedelta(days=42)).isoformat())
    out = run("run", "--as-of", "2026-11-25", "--input", str(portfolio), "--out", str(tmp_path / "out"))
    assert out["visits_rechecked"] == {"changed": 1, "by_state": {"cancelled": 1}}
    assert run("visits", "show", vid, "--as", "S1")["state"] == "cancelled"
