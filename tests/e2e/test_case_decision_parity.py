"""The console case page reads the borrower's store frames once and ages them once (web/casepage.case_snapshot):
what it shows must be exactly what the one decision code path gives when each part is computed on its own.

On a copy of the demo data (E2E_DEMO_DATA reuses a prebuilt one), at one pinned moment, for a sample of demo
borrowers and the demo's visit borrowers:
- every decision the case page shows (action, channel, not_before, reasons, unmet gate codes, blocking rules,
  policy version, variant, risk score) equals `web.explain.explanations` run from scratch for that borrower, the
  code path of the portal's decisions page, the REST explanations and the nightly batch's `decide`;
- every loan row (days overdue, overdue amount, balance, bucket) equals `portal.account.my_loans` run from scratch
  (its own read and its own ageing);
- the borrower's own decisions page (/portal/decisions) shows the same loans, days overdue and policy versions.
"""

from __future__ import annotations

import html
import json
import random
import re
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from duecare.kit import clock

SAMPLE = 24


class _Marked(HTMLParser):
    """The attributes of every element with a data-testid of interest."""

    def __init__(self, wanted: str) -> None:
        super().__init__()
        self.wanted = wanted
        self.found: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if a.get("data-testid") == self.wanted:
            self.found.append(a)


def marked(page: str, wanted: str) -> list[dict[str, str]]:
    parser = _Marked(wanted)
    parser.feed(page)
    return parser.found


@pytest.fixture
def demo_app(demo_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    from fastapi.testclient import TestClient

    from duecare.app.factory import create_app

    target = tmp_path / "demo"
    shutil.copytree(demo_data, target, ignore=shutil.ignore_patterns("portfolio", "*.lock"))
    for name in ("DUECARE_DATABASE_URL", "DUECARE_DEMO_NOW"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DUECARE_DATA_DIR", str(target))
    monkeypatch.setenv("DUECARE_DEMO", "1")
    monkeypatch.setenv("DUECARE_DEMO_CODES", "1")
    url = f"sqlite:///{target / 'duecare.db'}"
    app = create_app(url)
    app.state.clock = clock.PinnedClock(clock.from_settings().now())  # one moment for the page and the check
    with TestClient(app, headers={"accept": "text/html", "accept-language": "en"}) as client:
        yield client, url


def test_the_case_page_shows_what_the_decision_code_path_gives_for_demo_borrowers(demo_app: tuple[Any, str],
                                                                                   demo_data: Path) -> None:
    from duecare.kit.db import unit_of_work
    from duecare.ledger import models as m
    from duecare.portal import account
    from duecare.privacy.permissions import Actor
    from duecare.privacy.sessions import SESSION_COOKIE, create_session
    from duecare.web.explain import explanations

    client, url = demo_app
    moment = client.app.state.clock.now()
    people = json.loads((demo_data / "demo-people.json").read_text(encoding="utf-8"))
    with unit_of_work(url) as db:
        everyone = list(db.scalars(select(m.Borrower.id).order_by(m.Borrower.id)))
        chosen = sorted({*random.Random(16).sample(everyone, SAMPLE), people["visit_borrower"][0],
                         people["plan_borrower"][0], *(b for b, _ in people["visit_candidates"])})
        supervisor = create_session(db, kind="staff", subject_id="demo-supervisor", role="supervisor")
        borrower_sessions = {b: create_session(db, kind="borrower", subject_id=b, role="borrower") for b in chosen}
    staff = Actor(kind="staff", id="demo-supervisor", role="supervisor")
    actions: set[str] = set()
    for b in chosen:
        client.cookies.set(SESSION_COOKIE, supervisor)
        page = client.get(f"/console/cases/{b}")
        assert page.status_code == 200, (b, page.text[:300])
        shown = {d["data-loan"]: d for d in marked(page.text, "decision")}
        rows = {r["data-loan"]: r for r in marked(page.text, "loan-row")}
        with unit_of_work(url) as db:  # each part on its own: its own read, its own ageing, its own decision
            expected = {e["loan_id"]: e for e in explanations(db, staff, moment, [b])}
            loans = {ln.loan_id: ln for ln in account.my_loans(db, b, moment)}
        assert expected and set(shown) == set(expected) == set(rows) == set(loans), b
        for loan_id, e in expected.items():
            d = {k: html.unescape(v) for k, v in shown[loan_id].items()}
            risk = e["risk"]["score"] if e["risk"] else ""
            assert (d["data-action"], d["data-channel"], d["data-not-before"], d["data-reasons"].split(),
                    d["data-unmet"].split(), d["data-blocked"].split(), d["data-policy"], d["data-variant"],
                    d["data-risk"]) == (
                e["action"], e["channel"], str(e["not_before"]), list(e["reasons"]), list(e["visit_gate"]["unmet"]),
                [x["rule"] for x in e["blocked_by"]], e["policy"]["version"], e["variant"], str(risk)), (b, loan_id)
            actions.add(e["action"])
            ln, r = loans[loan_id], rows[loan_id]
            assert (r["data-dpd"], r["data-overdue"], r["data-balance"], r["data-bucket"]) == (
                str(ln.dpd), str(ln.overdue_minor), str(ln.balance_minor), ln.bucket), (b, loan_id)
        client.cookies.set(SESSION_COOKIE, borrower_sessions[b])
        mine = client.get("/portal/decisions")
        assert mine.status_code == 200, (b, mine.text[:300])
        portal = re.findall(r"<h2>Loan (\S+)</h2>.*?Days overdue: (\d+) · Policy version: ([^<]+)</p>", mine.text,
                            flags=re.DOTALL)
        assert {(loan, int(dpd), html.unescape(pv).strip()) for loan, dpd, pv in portal} == {
            (loan_id, int(rows[loan_id]["data-dpd"]), e["policy"]["version"]) for loan_id, e in expected.items()}, b
    assert len(actions) >= 2, actions  # the sample is not one kind of case only


def test_a_queue_search_decides_only_the_borrowers_it_found_and_shows_the_same_rows(demo_app: tuple[Any, str],
                                                                                     demo_data: Path) -> None:
    """A search reads and decides only the borrowers it matched: its rows are exactly the rows the whole
    scope's decisions give for those borrowers (the queue before the narrowing), for an id, a loan id and a phone."""
    from duecare.console import search
    from duecare.console.queue import Filters, apply_filters, queue_frame, work_queue
    from duecare.kit.db import unit_of_work
    from duecare.ledger import models as m
    from duecare.privacy.permissions import Actor
    from duecare.web.snapshot import decisions_for

    client, url = demo_app
    moment = client.app.state.clock.now()
    people = json.loads((demo_data / "demo-people.json").read_text(encoding="utf-8"))
    staff = Actor(kind="staff", id="demo-supervisor", role="supervisor")
    with unit_of_work(url) as db:
        whole = queue_frame(decisions_for(db, staff, moment))
        some_loan = db.scalars(select(m.Loan.id).order_by(m.Loan.id).offset(7)).first()
        assert some_loan is not None
        for q in (people["visit_borrower"][0], some_loan, people["plan_borrower"][1], "B00000001", "nobody-here"):
            matched = tuple(search.matching_borrowers(db, staff, q))
            f = Filters(q=q, matched=matched, include_idle=True)
            rows, total = work_queue(db, staff, moment, f)
            before = apply_filters(whole, f)
            cols = list(rows[0]) if rows else []
            assert total == before.height, q
            assert rows == before.head(200).select(cols).to_dicts(), q
            assert (total > 0) == (q != "nobody-here"), q
