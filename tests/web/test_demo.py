"""`duecare demo` from an empty directory: portfolio, batch, staff, a visit case, printed sign-ins."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from duecare.web.demo import duecare_command

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
