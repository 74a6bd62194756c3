"""`duecare demo` from an empty directory: portfolio, batch, staff, a visit case, printed sign-ins."""

from __future__ import annotations

import os
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
