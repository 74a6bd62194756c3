"""`duecare run` killed with SIGKILL mid-run resumes at the partitions it had not written, with identical output;
`--memory-limit` picks the partition count."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

ROOT = Path(__file__).resolve().parents[2]
PARTS = 8


def _env(tmp: Path) -> dict[str, str]:
    # no registered model, no operational store: the run is files in, files out
    return {**os.environ, "DUECARE_DATA_DIR": str(tmp / "data"), "PYTHONPATH": str(ROOT / "src")}


def cli(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "duecare.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=600, check=False, env=_env(tmp))


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("portfolio")
    proc = cli(out, "generate", "--accounts", "1500", "--seed", "11", "--out", str(out), "--as-of", "2026-11-20",
               "--jurisdiction", "mixed")
    assert proc.returncode == 0, proc.stderr
    return out


def _run(tmp: Path, portfolio: Path, out: Path, *extra: str) -> dict[str, object]:
    proc = cli(tmp, "run", "--as-of", "2026-11-20T03:00:00+00:00", "--input", str(portfolio), "--out", str(out),
               "--no-recheck-visits", *extra)
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout))


def _same(a: Path, b: Path) -> None:
    for name in ("decisions", "features"):
        left = pl.read_parquet(a / f"{name}.parquet").sort("loan_id")
        right = pl.read_parquet(b / f"{name}.parquet").sort("loan_id")
        assert left.schema == right.schema
        assert left.equals(right), name


def test_a_run_killed_mid_partition_resumes_and_gives_the_uninterrupted_output(portfolio, tmp_path):
    whole = tmp_path / "whole"
    _run(tmp_path, portfolio, whole, "--partitions", "1")
    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "duecare.cli", "run", "--as-of", "2026-11-20T03:00:00+00:00",
                             "--input", str(portfolio), "--out", str(out), "--partitions", str(PARTS),
                             "--no-recheck-visits"], cwd=ROOT, env=_env(tmp_path),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    written = out / "_parts" / "decisions"
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if written.exists() and any(written.glob("part-*.parquet")):
                break
            time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    done = len(list(written.glob("part-*.parquet")))
    assert 1 <= done < PARTS, "the kill must land after the first partition and before the last"
    assert not (out / "decisions.parquet").exists()

    summary = _run(tmp_path, portfolio, out, "--partitions", str(PARTS))
    assert summary["resumed_partitions"] == done
    assert not (out / "_parts").exists()
    _same(whole, out)


def test_partitioned_and_whole_runs_give_identical_features_and_decisions(portfolio, tmp_path):
    _run(tmp_path, portfolio, tmp_path / "one", "--partitions", "1")
    summary = _run(tmp_path, portfolio, tmp_path / "five", "--partitions", "5")
    assert summary["partitions"] == 5 and summary["resumed_partitions"] == 0
    _same(tmp_path / "one", tmp_path / "five")


def test_leftovers_of_another_run_are_never_resumed(portfolio, tmp_path):
    out = tmp_path / "out"
    _run(tmp_path, portfolio, out, "--partitions", "3")
    (out / "_parts" / "decisions").mkdir(parents=True)  # leftovers of an interrupted run of another night
    (out / "_parts" / "manifest.json").write_text("{}")
    summary = _run(tmp_path, portfolio, out, "--partitions", "3")
    assert summary["resumed_partitions"] == 0


def test_memory_limit_picks_more_partitions_for_less_memory(portfolio, tmp_path):
    roomy = _run(tmp_path, portfolio, tmp_path / "a", "--memory-limit", "8GB")
    tight = _run(tmp_path, portfolio, tmp_path / "b", "--memory-limit", "455MB")
    assert roomy["partitions"] == 1
    assert int(tight["partitions"]) > 1  # type: ignore[call-overload]
    _same(tmp_path / "a", tmp_path / "b")


def test_an_unreadable_memory_limit_is_exit_2(portfolio, tmp_path):
    proc = cli(tmp_path, "run", "--as-of", "2026-11-20", "--input", str(portfolio), "--out", str(tmp_path / "x"),
               "--memory-limit", "lots")
    assert proc.returncode == 2
    assert "--memory-limit" in proc.stderr and "Traceback" not in proc.stderr
