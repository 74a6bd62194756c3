"""`duecare calls analyze --transcript FOLDER`: one JSON line per transcript, in one process (models load once)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.speech.conftest import OPEN, call

PROMISE = call("zh", f"A: {OPEN['zh']}", "B: 我最近被裁员了，下周三我先还一千。")
REFUSAL = call("en", f"A: {OPEN['en']}", "B: I'm not paying you anything.")


def _duecare(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from duecare.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=300, check=False)


def _write(folder: Path, name: str, data: object) -> Path:
    path = folder / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_folder_gives_one_line_per_transcript_equal_to_the_single_file_analysis(tmp_path: Path) -> None:
    one = _write(tmp_path, "b-promise.json", PROMISE)
    _write(tmp_path, "a-refusal.json", REFUSAL)
    _write(tmp_path, "a-refusal.expected.json", {"intents": ["refusal"]})  # an expected output is not a call
    done = _duecare("calls", "analyze", "--transcript", str(tmp_path))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line.pop("transcript") for line in lines] == ["a-refusal.json", "b-promise.json"]
    single = _duecare("calls", "analyze", "--transcript", str(one))
    assert lines[1] == json.loads(single.stdout)
    assert lines[1]["promise"] == {"date": "2026-11-18", "amount": 1000}


def test_a_bad_file_in_the_folder_is_named_before_anything_is_printed(tmp_path: Path) -> None:
    _write(tmp_path, "a.json", PROMISE)
    (tmp_path / "b.json").write_text("{not json", encoding="utf-8")
    done = _duecare("calls", "analyze", "--transcript", str(tmp_path))
    assert done.returncode == 2
    assert "b.json:1: not valid JSON" in done.stderr and done.stdout == ""


def test_save_takes_one_transcript_not_a_folder(tmp_path: Path) -> None:
    _write(tmp_path, "a.json", PROMISE)
    done = _duecare("calls", "analyze", "--transcript", str(tmp_path), "--borrower", "B1", "--save")
    assert done.returncode == 2 and "pass one --transcript file" in done.stderr


def test_an_empty_folder_is_a_user_error(tmp_path: Path) -> None:
    done = _duecare("calls", "analyze", "--transcript", str(tmp_path))
    assert done.returncode == 2 and "no transcript *.json files" in done.stderr
