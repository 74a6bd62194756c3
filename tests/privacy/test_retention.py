"""Retention: anonymise borrowers past their pack's schedule, unless held, owing or asking."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from importlib import resources

import pytest
import yaml
from sqlalchemy import func, select
from typer.testing import CliRunner

from duecare.cli import app as cli_app
from duecare.kit.db import session_factory
from duecare.ledger.models import Borrower, BorrowerPhone, Installment, Payment
from duecare.privacy.models import LegalHold
from duecare.privacy.retention import run_retention, schedules

from .factories import NAMES, add_borrower

AS_OF = date(2029, 6, 1)


@pytest.fixture
def portfolio(sqlite_url: str) -> str:
    with session_factory(sqlite_url)() as db:
        add_borrower(db, "B1", "cn", last_day=date(2026, 1, 1))  # paid, 2y passed on 2028-01-01: anonymise
        add_borrower(db, "B2", "cn", last_day=date(2026, 1, 1))  # same, but a legal hold: keep
        add_borrower(db, "B3", "us", last_day=date(2026, 12, 1))  # us: 3 years, until 2029-12-01: keep
        add_borrower(db, "B4", "cn", paid=False, last_day=date(2026, 1, 1))  # still owing: keep
        db.add(LegalHold(borrower_id="B2", reason="litigation", placed_by="C1", placed_at=datetime.now(UTC)))
        db.commit()
    return sqlite_url


def test_every_schedule_names_its_source_and_confidence() -> None:
    raw = yaml.safe_load((resources.files("duecare.privacy") / "retention.yaml").read_text(encoding="utf-8"))
    assert set(raw["schedules"]) == {"cn", "us", "uk"}
    for s in raw["schedules"].values():
        assert s["source"] and s["confidence"] in {"P", "Q", "S", "U"} and s["rule_id"]
    assert (schedules()["cn"].keep_years, schedules()["us"].keep_years, schedules()["uk"].keep_years) == (2, 3, 6)


def test_only_borrowers_past_retention_and_free_of_holds_and_debt_are_anonymised(portfolio: str) -> None:
    with session_factory(portfolio)() as db:
        verdicts = {v.borrower_id: v for v in run_retention(db, AS_OF)}
        db.commit()
    assert verdicts["B1"].action == "anonymise"
    assert verdicts["B2"].reasons == ["legal hold open"]
    assert verdicts["B3"].reasons == ["retention period running until 2029-12-01 (us_retention)"]
    assert verdicts["B4"].reasons == ["debt outstanding: records are needed to collect or settle it"]
    with session_factory(portfolio)() as db:
        b1, b2 = db.get(Borrower, "B1"), db.get(Borrower, "B2")
        assert b1 is not None and b2 is not None
        assert (b1.name, b1.phones, b1.email, b1.address) == ("[anonymised]", [], None, None)
        assert b2.name == NAMES["B2"]
        assert db.execute(select(BorrowerPhone).where(BorrowerPhone.borrower_id == "B1")).first() is None
        # aggregates stay: the loan's schedule and payments are still there
        assert db.execute(select(func.count()).select_from(Installment)).scalar_one() == 4
        assert db.execute(select(func.count()).select_from(Payment)).scalar_one() == 3
    with session_factory(portfolio)() as db:  # a second run does nothing new
        again = {v.borrower_id: v.action for v in run_retention(db, AS_OF)}
    assert again["B1"] == "already_anonymised"


def test_dry_run_reports_and_changes_nothing(portfolio: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUECARE_DATABASE_URL", portfolio)
    result = CliRunner().invoke(cli_app, ["retention", "run", "--as-of", AS_OF.isoformat(), "--dry-run"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["borrower_id"] for line in lines if "borrower_id" in line] == ["B1"]
    assert lines[-1]["by_jurisdiction"]["cn"] == {"anonymise": 1, "keep": 2, "already_anonymised": 0}
    with session_factory(portfolio)() as db:
        b1 = db.get(Borrower, "B1")
        assert b1 is not None and b1.name == NAMES["B1"]


def test_a_bad_as_of_date_is_a_user_error(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUECARE_DATABASE_URL", sqlite_url)
    result = CliRunner().invoke(cli_app, ["retention", "run", "--as-of", "June"])
    assert result.exit_code != 0 and "YYYY-MM-DD" in str(result.exception)
