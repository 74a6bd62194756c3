"""Two more journeys in the browser on the demo's data: a phone agent works a case (queue search → case →
call → promise → the decision changes at once), and a borrower's complaint and data request travel through
the staff inbox to an answer the borrower reads. Screenshots: test-artifacts/screenshots/."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from e2e_support import PHONE, DemoSite, Tab

pytestmark = pytest.mark.browser


def _user(site: DemoSite, role: str) -> str:
    return next(s["username"] for s in site.people["staff"] if s["role"] == role)


def test_an_agent_logs_a_call_and_a_promise_and_the_decision_changes(browser: Any, demo_site: DemoSite) -> None:
    borrower_id, _ = demo_site.people["plan_borrower"]
    agent = Tab(browser, demo_site)
    agent.staff_signs_in(_user(demo_site, "agent"))
    agent.go(f"/console/queue?q={borrower_id}")
    agent.page.click(f"a[href='/console/cases/{borrower_id}']")
    before = agent.page.inner_text("main")
    assert "Hold" not in before.split("Timeline")[0]
    agent.page.select_option("#outcome", "ptp")
    agent.page.fill("#duration_s", "95")
    agent.page.click("form[action$='/calls'] button[type=submit]")
    agent.page.wait_for_url(re.compile(r".*done=call"))
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    agent.page.fill("#promised_date", tomorrow)
    agent.page.fill("#amount", "300")
    agent.page.click("form[action$='/promises'] button[type=submit]")
    agent.page.wait_for_url(re.compile(r".*done=promise"))
    decision = agent.page.inner_text("main").split("Timeline")[0]
    assert "Hold" in decision and "A promise to pay is open" in decision  # the open promise holds collection
    timeline = agent.page.inner_text("[data-testid=timeline]")
    assert "Promise to pay" in timeline and "demo-agent" in timeline
    agent.page.fill("#note-text", "Borrower paid part by transfer; call back after payday.")
    agent.page.click("form[action$='/notes'] button[type=submit]")
    agent.page.wait_for_url(re.compile(r".*done=note"))
    assert "call back after payday" in agent.page.inner_text("[data-testid=timeline]")
    agent.shot("journey-agent-case-after-promise")
    assert agent.errors == []
    agent.close()


def test_a_complaint_and_a_correction_request_are_answered_from_the_inbox(browser: Any, demo_site: DemoSite) -> None:
    borrower_id, phone = demo_site.people["plan_borrower"]
    borrower = Tab(browser, demo_site, viewport=PHONE, lang="en")
    borrower.borrower_signs_in(phone)
    borrower.go("/portal/complaint")
    assert re.search(r"\d{4}", borrower.page.inner_text("[data-testid=reply-by]"))  # the deadline, before sending
    borrower.page.select_option("#category", "contact_frequency")
    borrower.page.fill("textarea[name=text]", "I was called three times on Sunday.")
    borrower.page.click("form[action='/portal/complaint'] button[type=submit]")
    borrower.page.wait_for_url(re.compile(r".*/portal/data.*"))
    mine = borrower.page.inner_text("main")
    ref = re.search(r"C-\d{6}", mine)
    assert ref is not None
    borrower.page.check("input[name=kind][value=correction]")
    borrower.page.fill("#details", "My email is now new@example.com")
    borrower.page.click("form[action='/portal/data/request'] button[type=submit]")
    borrower.shot("journey-inbox-borrower-requests-390")

    comp = Tab(browser, demo_site)
    comp.staff_signs_in(_user(demo_site, "compliance"))
    comp.page.click("nav.main a[href='/console/inbox']")
    card = comp.page.locator("section[data-testid^=complaint-]", has_text=ref.group(0))
    assert "days left" in card.inner_text()
    comp.shot("journey-inbox-staff")
    card.locator("form[action$='/assign'] button").click()
    comp.page.wait_for_url(re.compile(r".*done=assigned"))
    card = comp.page.locator("section[data-testid^=complaint-]", has_text=ref.group(0))
    card.locator("textarea[name=reply]").fill("We are sorry: calls on Sundays are now blocked for you.")
    card.locator("form[action$='/answer'] button").click()
    comp.page.wait_for_url(re.compile(r".*done=answered"))
    request = comp.page.locator("section[data-testid^=request-]", has_text=borrower_id).first
    request.locator("select[name=field]").select_option("email")
    request.locator("input[name=value]").fill("new@example.com")
    request.locator("form[action$='/answer'] button").click()
    comp.page.wait_for_url(re.compile(r".*done=answered"))
    assert comp.errors == []
    comp.close()

    borrower.go("/portal/data")
    mine = borrower.page.inner_text("main")
    assert "calls on Sundays are now blocked" in mine and "Completed" in mine
    row = borrower.page.locator("[data-testid=my-requests] tbody tr").first
    assert row.evaluate("el => getComputedStyle(el).display") == "block"  # one labelled card per request at 390 px
    for cell in borrower.page.locator("[data-testid=my-requests] tbody td").all():  # nothing spills out of it
        assert cell.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), cell.inner_text()[:80]
    borrower.shot("journey-inbox-borrower-answered-390")
    assert borrower.errors == []
    borrower.close()


def test_the_work_queue_is_one_card_per_case_on_a_phone(browser: Any, demo_site: DemoSite) -> None:
    agent = Tab(browser, demo_site, viewport=PHONE)
    agent.staff_signs_in(_user(demo_site, "agent"))
    agent.go("/console/queue")
    assert agent.page.locator("[data-testid=queue-table] tbody tr").count() >= 1
    overflow = agent.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the queue scrolls sideways at 390 px ({overflow} px)"
    first = agent.page.locator("[data-testid=queue-table] tbody tr").first
    assert first.evaluate("el => getComputedStyle(el).display") == "block"  # a card, not a table row
    agent.shot("journey-agent-queue-390")
    assert agent.errors == []
    agent.close()


def test_the_case_visit_and_approval_pages_fit_a_phone_in_both_languages(browser: Any, demo_site: DemoSite) -> None:
    """At 390 px nothing runs off the side: the facts list puts each term above its value and a card never
    widens its column past the screen (a wide table scrolls inside its card, the gate's lines are cards)."""
    sup = Tab(browser, demo_site, viewport=PHONE)
    sup.staff_signs_in(_user(demo_site, "supervisor"))
    pages = (f"/console/cases/{demo_site.people['plan_borrower'][0]}", f"/console/visits/{demo_site.people['visit_id']}",
             "/console/visits/approvals", "/console/inbox")
    for lang in ("zh_CN", "en"):
        sup.context.add_cookies([{"name": "duecare_lang", "value": lang, "url": demo_site.base}])
        for path in pages:
            sup.go(path)
            overflow = sup.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{path} ({lang}) scrolls sideways at 390 px ({overflow} px)"
            sup.shot(f"journey-phone-{lang}-{path.strip('/').replace('/', '-')}")
    gate_cell = sup.page.locator("table.gate-lines tbody td").first
    sup.go(pages[1])
    assert gate_cell.evaluate("el => getComputedStyle(el).display") == "block"  # label above, content as written
    for cell in sup.page.locator("table.gate-lines tbody td").all():  # nothing spills out of its card
        assert cell.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), cell.inner_text()[:80]
    assert sup.errors == []
    sup.close()
