"""`duecare demo` from an empty directory: portfolio, batch, staff, a visit case, printed sign-ins."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from duecare.demo.run import duecare_command

pytestmark = pytest.mark.slow


def test_demo_prepares_everything_and_prints_the_sign_ins(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DUECARE_DATABASE_URL"}
    env["DUECARE_DATA_DIR"] = str(tmp_path / "demo")
    done = subprocess.run([*duecare_command(), "demo", "--accounts", "60", "--dir", str(tmp_path / "demo"),
                           "--no-serve"], env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    for expected in ("/portal", "/console", "demo-supervisor", "demo-field-agent-2", "duecare-demo-2026"):
        assert expected in done.stdout
    assert (tmp_path / "demo" / "duecare.db").exists()
    assert (tmp_path / "demo" / "out" / "decisions.parquet").exists()
    assert (tmp_path / "demo" / "SIGN-INS.txt").read_text(encoding="utf-8") in done.stdout
    # pages name staff by id (a visit's agents, the audit trail): each id is the name one signs in with
    with sqlite3.connect(tmp_path / "demo" / "duecare.db") as db:
        staff = db.execute("SELECT id, username FROM staff_users ORDER BY id").fetchall()
    assert ("demo-field-agent", "demo-field-agent") in staff and all(i == u for i, u in staff), staff


def test_demo_runs_on_its_own_clock_from_as_of_and_advance_moves_it(tmp_path: Path) -> None:
    import json
    from datetime import UTC, datetime, timedelta

    env = {k: v for k, v in os.environ.items() if k not in ("DUECARE_DATABASE_URL", "DUECARE_DEMO_NOW")}
    env["DUECARE_DATA_DIR"] = str(tmp_path / "demo")
    done = subprocess.run([*duecare_command(), "demo", "--accounts", "60", "--dir", str(tmp_path / "demo"),
                           "--no-serve", "--as-of", "2026-11-20T10:00:00+08:00"], env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    marker = json.loads((tmp_path / "demo" / "portfolio" / "demo.json").read_text())
    assert marker["day"] == "2026-11-20"  # generated and decided on the demo's day, not today
    moved = subprocess.run([*duecare_command(), "demo", "advance", "--days", "3", "--dir", str(tmp_path / "demo")],
                           env=env, capture_output=True, text=True, timeout=120, check=False)
    assert moved.returncode == 0, moved.stderr
    demo_now = datetime.fromisoformat(json.loads(moved.stdout)["demo_now"])
    expected = datetime(2026, 11, 23, 2, tzinfo=UTC)
    assert abs(demo_now - expected) < timedelta(minutes=10)


def test_a_second_demo_points_to_the_same_visit_and_its_batch_sees_the_notice(tmp_path: Path) -> None:
    """Run twice, as `make demo` run again: the second run's sign-ins name the visit the first opened (not a new
    one), and its nightly batch, decided at the demo clock's moment, sees that visit's notice: the loan no longer
    decides `visit_notice` (decided at the day's 00:00 UTC it did, the notice being sent later that day)."""
    import json
    import re

    import polars as pl

    env = {k: v for k, v in os.environ.items() if k not in ("DUECARE_DATABASE_URL", "DUECARE_DEMO_NOW")}
    env["DUECARE_DATA_DIR"] = str(tmp_path / "demo")
    args = [*duecare_command(), "demo", "--accounts", "300", "--dir", str(tmp_path / "demo"), "--no-serve"]
    visits = []
    for _ in range(2):
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600, check=False)
        assert done.returncode == 0, done.stderr[-2000:]
        found = re.search(r"visit awaiting consent: borrower (\S+) \(/console/visits/(V-[0-9a-f]+)", done.stdout)
        assert found, done.stdout[-1500:]
        visits.append(found.groups())
    assert visits[0] == visits[1]
    people = json.loads((tmp_path / "demo" / "demo-people.json").read_text(encoding="utf-8"))
    assert people["visit_id"] == visits[0][1]
    decided = pl.read_parquet(tmp_path / "demo" / "out" / "decisions.parquet")
    of_visit = decided.filter(pl.col("borrower_id") == visits[0][0])
    assert of_visit.height >= 1
    assert "visit_notice" not in of_visit["action"].to_list()
