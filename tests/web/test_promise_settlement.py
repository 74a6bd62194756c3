"""A promise's kept/broken status is decided once (policy/promises.py) and written back, so the decisions
(`ptp_pending`) and the pages read the same answer (issue 14): a promise made in the console whose day passes
without the money is `broken` after the nightly `duecare run` and no longer holds collection; a payment that
covers it (the payment provider's confirmation, or a payments file ingested) keeps it at once. Both databases."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import web_factories as f
from sqlalchemy import select
from test_pages import staff_signs_in, token
from typer.testing import CliRunner

from duecare.kit.db import unit_of_work
from duecare.ledger import models as m
from duecare.privacy import auth
from duecare.privacy.models import AuditEvent
from duecare.privacy.permissions import SYSTEM
from duecare.privacy.security import reset_limits
from duecare.web.snapshot import decisions_for

runner = CliRunner()


@pytest.fixture
def store(db_url: str) -> str:
    reset_limits()
    with unit_of_work(db_url) as db:
        f.staff(db, "agent")
        f.in_arrears(db, "B2", "13800000002")
        f.assign(db, "B2", "web-agent")
    return db_url


@pytest.fixture
def client(store: str) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from duecare.app.factory import create_app

    auth.set_code_sender(auth.demo_code_sender)
    with TestClient(create_app(store), headers={"accept": "text/html"}) as c:
        yield c
    auth.set_code_sender(None)


def _promise_in_the_console(client: Any, days_ahead: int) -> str:
    staff_signs_in(client, "web-agent")
    client.get("/lang/en?next=/console")
    page = client.get("/console/cases/B2").text
    when = (f.today() + timedelta(days=days_ahead)).isoformat()
    r = client.post("/console/cases/B2/promises", data={"promised_date": when, "amount": "700", "loan_id": "L-B2",
                                                         "csrf_token": token(page)})
    assert r.status_code == 200 and "done=promise" in str(r.url)
    found = re.findall(r'data-testid="promise-([^"]+)" data-status="([a-z]+)"', r.text)
    assert len(found) == 1 and found[0][1] == "open"
    return found[0][0]


def _stored(url: str, pid: str) -> tuple[str, int | None, Any]:
    with unit_of_work(url) as db:
        p = db.get(m.Promise, pid)
        assert p is not None
        return p.status.value, p.paid_minor, p.kept_on


def _ptp_pending(url: str, at: datetime) -> bool:
    with unit_of_work(url) as db:
        row = decisions_for(db, SYSTEM, at, ["B2"]).filter(loan_id="L-B2")
    return bool(row["ptp_pending"].item())


def _audited(url: str, action: str) -> int:
    with unit_of_work(url) as db:
        return len(db.scalars(select(AuditEvent).where(AuditEvent.action == action,
                                                       AuditEvent.subject == "borrower:B2")).all())


def _case_status(client: Any, pid: str) -> tuple[str, str]:
    page = client.get("/console/cases/B2").text
    listed = re.search(rf'data-testid="promise-{pid}" data-status="([a-z]+)"', page)
    assert listed, "the case page lists the promise"
    timeline = re.search(r"Promise to pay [^:<]*: ([A-Za-z ,]+)", page)
    assert timeline, "the timeline shows the promise"
    return listed.group(1), timeline.group(1).strip()


def test_a_console_promise_whose_day_passed_unpaid_is_broken_after_the_nightly_run(
    client: Any, store: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pid = _promise_in_the_console(client, days_ahead=2)
    now = datetime.now(UTC)
    assert _stored(store, pid) == ("open", 0, None)
    assert _ptp_pending(store, now)  # an open promise not yet due holds collection

    later = datetime.combine(f.today() + timedelta(days=3), time(12), f.SHANGHAI)  # its day has passed
    monkeypatch.setenv("DUECARE_DATABASE_URL", store)
    monkeypatch.setenv("DUECARE_DEMO", "1")  # a pinned clock is honoured only in a demo run
    monkeypatch.setenv("DUECARE_DEMO_NOW", later.isoformat())
    from duecare.cli import app

    portfolio = tmp_path / "portfolio"
    assert runner.invoke(app, ["generate", "--accounts", "20", "--out", str(portfolio), "--seed", "3"]).exit_code == 0
    done = runner.invoke(app, ["run", "--as-of", later.date().isoformat(), "--input", str(portfolio),
                               "--out", str(tmp_path / "out"), "--no-recheck-visits"])
    assert done.exit_code == 0, done.output
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["promises_settled"] == {"changed": 1, "by_status": {"broken": 1}}

    assert _stored(store, pid) == ("broken", 0, None)
    assert not _ptp_pending(store, later)
    assert _audited(store, "promise_broken") == 1
    assert _case_status(client, pid) == ("broken", "Broken")  # the list and the timeline read the stored status
    again = runner.invoke(app, ["run", "--as-of", later.date().isoformat(), "--input", str(portfolio),
                                "--out", str(tmp_path / "out2"), "--no-recheck-visits"])
    assert json.loads(again.stdout.strip().splitlines()[-1])["promises_settled"] == {"changed": 0, "by_status": {}}


def test_a_confirmed_payment_that_covers_the_promise_keeps_it_at_once(client: Any, store: str) -> None:
    from duecare.payments import service
    from duecare.payments.models import PaymentIntent

    pid = _promise_in_the_console(client, days_ahead=5)
    now = datetime.now(UTC)
    assert _ptp_pending(store, now)
    with unit_of_work(store) as db:
        db.add(PaymentIntent(id="PI-settle", borrower_id="B2", loan_id="L-B2", amount_minor=70000, currency="CNY",
                             state="pending", provider="sandbox", created_at=now, updated_at=now))
    with unit_of_work(store) as db:  # what the signed callback route does with the provider's body
        confirmed = service.confirm(db, {"event_id": "EV-1", "reference": "PI-settle", "status": "succeeded",
                                         "amount_minor": 70000, "currency": "CNY"}, now)
        assert confirmed.recorded
    assert _stored(store, pid) == ("kept", 70000, f.today())
    assert not _ptp_pending(store, now)  # kept before its date: it no longer holds collection
    assert _audited(store, "promise_kept") == 1
    assert _case_status(client, pid) == ("kept", "Kept")


def test_a_payments_file_ingested_keeps_the_promise(client: Any, store: str, tmp_path: Path) -> None:
    from duecare.ledger.ingest import ingest_directory

    pid = _promise_in_the_console(client, days_ahead=5)
    drop = tmp_path / "drop"
    drop.mkdir()
    paid_at = datetime.now(UTC).isoformat()  # after the promise was made
    (drop / "payments.csv").write_text(f"payment_id,loan_id,paid_at,amount\nPAY-file-1,L-B2,{paid_at},400\n"
                                       f"PAY-file-2,L-B2,{paid_at},300\n", encoding="utf-8")
    with unit_of_work(store) as db:
        ingest_directory(db, drop)
    assert _stored(store, pid) == ("kept", 70000, f.today())
    assert _audited(store, "promise_kept") == 1


def test_the_demo_clock_moved_past_its_day_settles_the_promise_broken(
    client: Any, store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from duecare.kit import democlock

    pid = _promise_in_the_console(client, days_ahead=2)
    monkeypatch.setenv("DUECARE_DEMO", "1")
    monkeypatch.delenv("DUECARE_DEMO_NOW", raising=False)
    try:
        page = client.get("/console/queue").text
        r = client.post("/console/demo/clock", data={"days": "3", "next": "/console/cases/B2",
                                                      "csrf_token": token(page)})
        assert r.status_code == 200
        assert _stored(store, pid) == ("broken", 0, None)
        assert _case_status(client, pid) == ("broken", "Broken")
    finally:
        democlock.clock_file().unlink(missing_ok=True)


def test_a_plans_instalments_read_the_same_settlement_on_the_portal_and_the_console(client: Any, store: str) -> None:
    from duecare.policy.plans import Instalment
    from duecare.policy.promises import settle_store
    from duecare.portal.commitments import commitments_of
    from duecare.portal.models import PlanProposal
    from duecare.portal.plans import accept_plan

    t, now = f.today(), datetime.now(UTC)
    plan = [Instalment(t + timedelta(days=1), 100000), Instalment(t + timedelta(days=3), 100000)]
    with unit_of_work(store) as db:
        row = PlanProposal(borrower_id="B2", loan_id="L-B2", proposed=json.dumps([i.as_json() for i in plan]),
                           outcome="accepted", reasons="[]", rules_version="test", created_at=now)
        db.add(row)
        db.flush()
        first, second = accept_plan(db, "B2", "L-B2", plan, now, row.id)
    with unit_of_work(store) as db:  # the first instalment paid in time, plus 300 towards the second
        db.add(m.Payment(id="PAY-plan", loan_id="L-B2", paid_at=datetime.now(UTC), amount_minor=130000))

    def portal() -> list[tuple[str, int]]:
        with unit_of_work(store) as db:
            (view,) = commitments_of(db, "B2", t).plans
        return [(i.status, i.paid_minor) for i in view.instalments]

    assert portal() == [("paid", 100000), ("part_paid", 30000)]
    staff_signs_in(client, "web-agent")
    page = client.get("/console/cases/B2").text
    assert re.search(rf'data-testid="promise-{first}" data-status="kept"', page)
    assert re.search(rf'data-testid="promise-{second}" data-status="open"', page)
    with unit_of_work(store) as db:  # the night after the second date, still short of its amount
        settle_store(db, datetime.combine(t + timedelta(days=4), time(12), f.SHANGHAI))
    assert portal() == [("paid", 100000), ("missed", 30000)]
    page = client.get("/console/cases/B2").text
    assert re.search(rf'data-testid="promise-{second}" data-status="broken"', page)


def test_before_the_next_settlement_a_promise_whose_day_passed_shows_not_settled_yet(
    client: Any, store: str
) -> None:
    # written past the session's trigger (as a promise left open by a settlement on an earlier day would stand)
    with unit_of_work(store) as db:
        db.execute(m.Promise.__table__.insert(), [{
            "id": "PTP-stale", "borrower_id": "B2", "loan_id": "L-B2", "promised_date": f.today() - timedelta(days=1),
            "amount_minor": 50000, "status": m.PromiseStatus.OPEN, "paid_minor": 0,
            "made_at": datetime.now(UTC) - timedelta(days=4)}])
    staff_signs_in(client, "web-agent")
    client.get("/lang/en?next=/console")
    assert _case_status(client, "PTP-stale") == ("unsettled", "Date passed, not settled yet")
    assert not _ptp_pending(store, datetime.now(UTC))  # its day has passed: it holds nothing
