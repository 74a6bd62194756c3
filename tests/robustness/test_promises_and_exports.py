"""A token promise (0.01) does not pause collection; exported CSV cells never run as spreadsheet formulas."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select
from tests.privacy.factories import add_borrower

from duecare.kit.db import session_factory
from duecare.ledger import models as m
from duecare.policy.loader import load_strategy
from duecare.policy.promises import minimum_promise_minor, promise_amount_minor
from duecare.visits.register import COLUMNS, to_csv

from .conftest import Client


class TestTheSmallestPromise:
    params = load_strategy("standard").params

    def test_the_strategy_names_the_minimum(self) -> None:
        assert self.params.promise_min_amount == 50 and self.params.promise_min_share == 0.1

    @pytest.mark.parametrize(("overdue", "least"), [(100_000, 10_000), (20_000, 5_000), (3_000, 3_000),
                                                    (None, 5_000)])
    def test_the_least_amount_is_a_share_of_the_overdue_with_a_floor_never_above_all_of_it(
            self, overdue: int | None, least: int) -> None:
        assert minimum_promise_minor(self.params, overdue) == least

    @pytest.mark.parametrize("text", ["0.01", "0", "-5", "abc", "NaN", "Infinity", "1e400", "9" * 30])
    def test_token_and_absurd_amounts_are_refused(self, text: str) -> None:
        with pytest.raises(ValueError):
            promise_amount_minor(text, self.params, 100_000)

    def test_a_promise_of_0_01_on_the_portal_is_refused_and_nothing_is_stored(self, signed_in: Client,
                                                                              sqlite_url: str) -> None:
        with session_factory(sqlite_url)() as db:
            add_borrower(db, "B1", paid=False)
            db.commit()
        client = signed_in("borrower", "B1")
        day = _local_today(sqlite_url) + timedelta(days=3)
        r = client.post("/portal/promise", data={"loan_id": "LB1", "promised_date": day.isoformat(),
                                                 "amount": "0.01"}, headers={"Accept": "text/html"})
        assert r.status_code == 409  # under the least this loan's overdue allows: about the loan, not the form
        ok = client.post("/portal/promise", data={"loan_id": "LB1", "promised_date": day.isoformat(),
                                                  "amount": "1000"}, headers={"Accept": "text/html"},
                         follow_redirects=False)
        assert ok.status_code == 303, ok.text
        with session_factory(sqlite_url)() as db:
            amounts = db.scalars(select(m.Promise.amount_minor)).all()
        assert amounts == [100_000]


def _local_today(url: str):  # type: ignore[no-untyped-def]
    from duecare.kit.clock import now
    from duecare.portal import account

    with session_factory(url)() as db:
        return account.today_for(db, "B1", now())


class TestCsvExports:
    @pytest.mark.parametrize("cell", ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
    def test_a_cell_that_would_be_a_formula_is_kept_as_text(self, cell: str) -> None:
        row = dict.fromkeys(COLUMNS, "")
        row[COLUMNS[1]] = cell
        parsed = next(csv.DictReader(io.StringIO(to_csv([row]), newline="")))
        assert parsed[COLUMNS[1]] == "'" + cell

    def test_ordinary_cells_are_unchanged(self) -> None:
        row = dict.fromkeys(COLUMNS, "plain")
        assert next(csv.DictReader(io.StringIO(to_csv([row])))) == row
