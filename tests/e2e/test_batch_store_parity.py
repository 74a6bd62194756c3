"""The nightly batch and the store decide on the same facts (issue 14).

`duecare run --input DIR` reads the lender's files; a promise recorded in the console lives only in the store. On a
copy of the demo data (E2E_DEMO_DATA reuses a prebuilt one), at one pinned moment: an agent records a promise to
pay through the console for a borrower the demo would call; the case page's decision changes (a hold); the next
`duecare run` over the demo's own portfolio and the copy's store gives that borrower's loans exactly the case
page's decision (action, channel, not_before, reasons, unmet gate codes, blocking rules, policy version), and a
`--files-only` run still gives the decision from before the promise.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from duecare.demo.run import duecare_command
from duecare.kit import clock

pytestmark = pytest.mark.slow


def _marked(page: str, wanted: str) -> dict[str, dict[str, str]]:
    found = {}
    for tag in re.findall(r"<[a-z]+\b[^>]*data-testid=\"" + wanted + r"\"[^>]*>", page):
        attrs = {k: html.unescape(v) for k, v in re.findall(r'([a-z-]+)="([^"]*)"', tag)}
        found[attrs["data-loan"]] = attrs
    return found


def _token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]*)"', page)
    assert found, "the page has no form token"
    return found.group(1)


@pytest.fixture
def demo_copy(demo_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Path]]:
    from fastapi.testclient import TestClient

    from duecare.app.factory import create_app

    target = tmp_path / "demo"
    shutil.copytree(demo_data, target, ignore=shutil.ignore_patterns("portfolio", "out", "*.lock"))
    for name in ("DUECARE_DATABASE_URL", "DUECARE_DEMO_NOW"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DUECARE_DATA_DIR", str(target))
    monkeypatch.setenv("DUECARE_DEMO", "1")
    monkeypatch.setenv("DUECARE_DEMO_CODES", "1")
    app = create_app(f"sqlite:///{target / 'duecare.db'}")
    app.state.clock = clock.PinnedClock(clock.from_settings().now())
    with TestClient(app, headers={"accept": "text/html", "accept-language": "en"}) as client:
        yield client, target


def _run(demo_data: Path, target: Path, out: Path, moment: datetime, *extra: str) -> pl.DataFrame:
    env = {k: v for k, v in os.environ.items() if k not in ("DUECARE_DATABASE_URL", "DUECARE_DEMO_NOW")}
    env.update(DUECARE_DATA_DIR=str(target), DUECARE_DEMO="1", DUECARE_DEMO_CODES="1")
    done = subprocess.run([*duecare_command(), "run", "--as-of", moment.isoformat(), "--input",
                           str(demo_data / "portfolio"), "--out", str(out), "--no-recheck-visits", *extra],
                          env=env, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return pl.read_parquet(out / "decisions.parquet")


def _as_run_row(d: dict[str, str]) -> tuple[Any, ...]:
    return (d["data-action"], d["data-channel"], datetime.fromisoformat(d["data-not-before"]),
            d["data-reasons"].split(), d["data-unmet"].split(), d["data-policy"])


def _run_rows(decisions: pl.DataFrame, borrower: str) -> dict[str, tuple[Any, ...]]:
    # the case page shows not_before to the second
    return {r["loan_id"]: (r["action"], r["channel"], r["not_before"].replace(microsecond=0), r["reasons"],
                           r["visit_unmet"], r["policy_version"])
            for r in decisions.filter(pl.col("borrower_id") == borrower).to_dicts()}


def _blocked(page: str, decisions: pl.DataFrame, borrower: str) -> None:
    """The guardrails the run names are the page's; the page adds the rules of a stopping reason (a hold's)."""
    shown = {k: set(v["data-blocked"].split()) for k, v in _marked(page, "decision").items()}
    for r in decisions.filter(pl.col("borrower_id") == borrower).to_dicts():
        assert set(r["blocked_rules"]) <= shown[r["loan_id"]], (r["loan_id"], r["blocked_rules"])


def test_a_console_promise_changes_the_next_nightly_run_as_it_changes_the_case_page(
        demo_copy: tuple[Any, Path], demo_data: Path, tmp_path: Path) -> None:
    from duecare.kit.db import unit_of_work
    from duecare.privacy.sessions import SESSION_COOKIE, create_session

    client, target = demo_copy
    moment = client.app.state.clock.now()
    with unit_of_work(f"sqlite:///{target / 'duecare.db'}") as db:
        client.cookies.set(SESSION_COOKIE, create_session(db, kind="staff", subject_id="demo-supervisor",
                                                          role="supervisor"))
    before_run = _run(demo_data, target, tmp_path / "before", moment)
    called = before_run.filter(pl.col("action") == "call").sort("borrower_id")
    assert called.height, "the demo has no borrower to call"
    borrower = called.item(0, "borrower_id")
    page = client.get(f"/console/cases/{borrower}")
    assert page.status_code == 200
    shown = {k: _as_run_row(v) for k, v in _marked(page.text, "decision").items()}
    assert shown == _run_rows(before_run, borrower)  # the same facts before the promise: the same decision

    loan = called.item(0, "loan_id")
    due = (moment + timedelta(days=5)).date().isoformat()
    r = client.post(f"/console/cases/{borrower}/promises", data={
        "promised_date": due, "amount": "100.00", "loan_id": loan, "csrf_token": _token(page.text)},
        follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    page = client.get(f"/console/cases/{borrower}")
    after = {k: _as_run_row(v) for k, v in _marked(page.text, "decision").items()}
    assert after[loan][0] != "call" and "ptp_pending" in " ".join(after[loan][3]), after[loan]

    merged = _run(demo_data, target, tmp_path / "after", moment)
    assert _run_rows(merged, borrower) == after
    _blocked(page.text, merged, borrower)
    assert "ptp_hold" in _marked(page.text, "decision")[loan]["data-blocked"].split()
    files_only = _run(demo_data, target, tmp_path / "files", moment, "--files-only")
    assert _run_rows(files_only, borrower) == _run_rows(before_run, borrower)
    # every other borrower's decision is what it was: the promise is the only new fact of the night
    others = pl.col("borrower_id") != borrower
    assert merged.filter(others).sort("loan_id").equals(before_run.filter(others).sort("loan_id"))
