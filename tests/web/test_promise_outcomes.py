"""Promises shown kept, broken or open with their amounts and dates, settled from the ledger's payments (issue 14
b): on the console case page and on the borrower's portal home, for promises made here and for promises whose
status only the lender's file states."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import web_factories as f
from sqlalchemy import select
from test_pages import borrower_signs_in, staff_signs_in, token

from duecare.kit.db import unit_of_work
from duecare.ledger import models as m
from duecare.ledger.promises import outcomes


def _promises(url: str) -> None:
    """On L-B2: kept early, broken (part paid, the money came too late for the rest), open (part paid so far),
    and one from the lender's file that it states as kept."""
    t = f.today()
    now = datetime.now(UTC)
    with unit_of_work(url) as db:
        for pid, made_days_ago, due, amount in [("PTP-kept", 20, t - timedelta(days=12), 50000),
                                                ("PTP-broken", 10, t - timedelta(days=5), 80000),
                                                ("PTP-open", 4, t + timedelta(days=5), 100000)]:
            db.add(m.Promise(id=pid, borrower_id="B2", loan_id="L-B2", promised_date=due, amount_minor=amount,
                             status=m.PromiseStatus.OPEN, made_at=now - timedelta(days=made_days_ago)))
        db.add(m.Promise(id="LENDER-1", borrower_id="B2", loan_id="L-B2", promised_date=t - timedelta(days=40),
                         amount_minor=30000, status=m.PromiseStatus.KEPT))
        f._pay(db, "PAY-a", "L-B2", t - timedelta(days=15), "600")  # 500 keep PTP-kept; 100 left, before the others
        f._pay(db, "PAY-b", "L-B2", t - timedelta(days=8), "300")  # towards PTP-broken
        f._pay(db, "PAY-c", "L-B2", t - timedelta(days=3), "250")  # after PTP-broken's date: goes to PTP-open
        f._pay(db, "PAY-d", "L-B2", t - timedelta(days=1), "150")  # PTP-open


def _rows(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-testid="promise-([^"]+)" data-status="([a-z]+)"', page))


def test_the_payments_settle_each_promise_once(world: Any) -> None:
    _promises(world.url)  # settled and written back when its transaction commits (policy/promises.py)
    with unit_of_work(world.url) as db:
        out = {o.promise_id: o for o in outcomes(db, "B2", f.today())}
    assert (out["PTP-kept"].status, out["PTP-kept"].paid_minor) == ("kept", 50000)
    assert out["PTP-kept"].kept_on == f.today() - timedelta(days=15)
    # the 100 left of PAY-a came before PTP-broken was made; PAY-c came after its date
    assert (out["PTP-broken"].status, out["PTP-broken"].paid_minor) == ("broken", 30000)
    assert (out["PTP-open"].status, out["PTP-open"].paid_minor) == ("open", 40000)
    assert (out["LENDER-1"].status, out["LENDER-1"].source, out["LENDER-1"].paid_minor) == ("kept", "lender", None)


def test_the_case_page_shows_each_promise_with_its_amount_date_and_outcome(client: Any, world: Any) -> None:
    _promises(world.url)
    staff_signs_in(client, "web-agent")
    client.get("/lang/en?next=/console")
    page = client.get("/console/cases/B2").text
    assert _rows(page) == {"PTP-kept": "kept", "PTP-broken": "broken", "PTP-open": "open", "LENDER-1": "kept"}
    section = page.split('data-testid="case-promises"')[1].split("</section>")[0]
    broken = section.split('data-testid="promise-PTP-broken"')[1].split("</tr>")[0]
    assert (f.today() - timedelta(days=5)).isoformat() in broken and "800.00" in broken and "300.00" in broken
    assert "Broken" in broken and "from the payments received" in broken
    lender = section.split('data-testid="promise-LENDER-1"')[1].split("</tr>")[0]
    assert "as the lender&#39;s file states" in lender


def test_the_borrower_sees_kept_broken_and_open_promises_in_the_portal(client: Any, world: Any) -> None:
    _promises(world.url)
    borrower_signs_in(client, world.plan_phone)
    client.get("/lang/en?next=/portal")
    home = client.get("/portal").text
    assert _rows(home) == {"PTP-kept": "kept", "PTP-broken": "broken", "PTP-open": "open", "LENDER-1": "kept"}
    assert "Not kept: the full amount had not arrived by that date" in home
    client.get("/lang/zh_CN?next=/portal")
    assert "未履行" in client.get("/portal").text


def test_a_promise_logged_in_the_console_is_open_then_kept_when_the_money_comes(client: Any, world: Any) -> None:
    staff_signs_in(client, "web-agent")
    page = client.get("/console/cases/B2").text
    when = (f.today() + timedelta(days=3)).isoformat()
    r = client.post("/console/cases/B2/promises", data={"promised_date": when, "amount": "700", "loan_id": "L-B2",
                                                         "csrf_token": token(page)})
    assert r.status_code == 200 and "done=promise" in str(r.url)
    with unit_of_work(world.url) as db:
        p = db.scalars(select(m.Promise).where(m.Promise.borrower_id == "B2")).one()
        assert p.made_at is not None
        pid = p.id
    assert _rows(r.text)[pid] == "open"
    with unit_of_work(world.url) as db:
        db.add(m.Payment(id="PAY-now", loan_id="L-B2", paid_at=datetime.now(UTC), amount_minor=70000))
    assert _rows(client.get("/console/cases/B2").text)[pid] == "kept"


def test_a_promise_of_more_than_is_still_to_repay_is_refused_on_both_sides(client: Any, world: Any) -> None:
    """Found walking the demo: the console took 99,999,999 on a loan 27,420.91 overdue, and the borrower saw it
    as "not kept". The console and the portal bound a promise by what is still to repay."""
    staff_signs_in(client, "web-agent")
    client.get("/lang/en?next=/console")
    page = client.get("/console/cases/B2").text
    when = (f.today() + timedelta(days=3)).isoformat()
    r = client.post("/console/cases/B2/promises", data={"promised_date": when, "amount": "99999999",
                                                         "loan_id": "L-B2", "csrf_token": token(page)})
    assert r.status_code == 409 and "what is still to repay" in r.text
    with unit_of_work(world.url) as db:
        assert db.scalars(select(m.Promise).where(m.Promise.borrower_id == "B2")).all() == []
    client.post("/signout", data={"csrf_token": token(client.get("/console/queue").text)})
    borrower_signs_in(client, world.plan_phone)
    client.get("/lang/en?next=/portal")
    form = client.get("/portal/promise").text
    r = client.post("/portal/promise", data={"loan_id": "L-B2", "promised_date": when, "amount": "99999999",
                                             "csrf_token": token(form)})
    assert r.status_code == 409 and "more than you still have to repay" in r.text
    r = client.post("/portal/promise", data={"loan_id": "L-B2", "promised_date": when, "amount": "NaN",
                                             "csrf_token": token(form)})
    assert r.status_code in (409, 422)
    with unit_of_work(world.url) as db:
        assert db.scalars(select(m.Promise).where(m.Promise.borrower_id == "B2")).all() == []
