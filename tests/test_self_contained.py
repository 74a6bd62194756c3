"""A clone of the repository is all a user has: nothing points outside it."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_no_tracked_file_points_to_a_shared_folder_beside_the_repository() -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    offenders = [name for name in tracked.splitlines()
                 if name != "tests/test_self_contained.py" and (ROOT / name).is_file()
                 and "../shared" in (ROOT / name).read_text(encoding="utf-8", errors="ignore")]
    assert offenders == []


def test_the_readme_examples_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("examples/case-visit-schedule.json", "examples/transcript-zh.json", "docs/design.md",
                 "docs/architecture.md"):
        assert name in readme and (ROOT / name).exists(), name
