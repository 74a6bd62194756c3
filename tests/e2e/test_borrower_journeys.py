"""The borrower's journeys in the browser on the demo's own data: every portal page in Chinese and English at
390 px and on a desktop; paying through the sandbox payment provider (a separate HTTP app at the external
border) with the decision changing at once; and a referral the plan rules made, taken and closed by a
specialist in the staff inbox. Screenshots: test-artifacts/screenshots/."""

from __future__ import annotations

import json
import re
import secrets
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_support import DESKTOP, PHONE, DemoSite, Tab

from conftest import serve_copy
from duecare.payments.sandbox import ProviderState, payment_provider

pytestmark = pytest.mark.browser

PORTAL_PAGES = ("/portal", "/portal/notices", "/portal/hardship", "/portal/plan", "/portal/promise", "/portal/pay",
                "/portal/decisions", "/portal/data", "/portal/complaint")


@pytest.fixture(scope="module")
def pay_site(demo_data: Path,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DemoSite, ProviderState, str]]:
    """The demo served with the sandbox payment provider running beside it (its own port, its own secret)."""
    secret = secrets.token_hex(16)
    with payment_provider(secret) as (url, state):
        yield from ((site, state, url) for site in serve_copy(
            demo_data, tmp_path_factory.mktemp("paysite") / "demo",
            {"DUECARE_PAYMENT_PROVIDER_URL": url, "DUECARE_PAYMENT_WEBHOOK_SECRET": secret}))


def test_every_portal_page_in_both_languages_at_phone_and_desktop_size(browser: Any, pay_site: Any) -> None:
    """One sign-in (the code-request limit is three per number in ten minutes), then every page in each
    language at each size: the language switch is the cookie, the size the viewport."""
    site, _, _ = pay_site
    tab = Tab(browser, site, viewport=PHONE, lang="zh_CN")
    tab.borrower_signs_in(site.people["plan_borrower"][1])
    loan = tab.page.get_attribute("a[href^='/portal/loans/']", "href")
    assert loan
    for lang in ("zh_CN", "en"):
        tab.context.add_cookies([{"name": "duecare_lang", "value": lang, "url": site.base}])
        for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            tab.page.set_viewport_size(viewport)
            for path in (*PORTAL_PAGES, f"{loan}/terms", loan):  # terms: a long label beside an amount
                response = tab.go(path)
                assert response.status < 400, (path, response.status)
                assert tab.page.get_attribute("html", "lang") == ("zh-CN" if lang == "zh_CN" else "en")
                width = tab.page.evaluate("document.documentElement.scrollWidth")
                assert width <= viewport["width"] + 1, (lang, size, path, width)  # nothing runs off the side
                name = "loan" if path == loan else "terms" if path == f"{loan}/terms" else \
                    (path.strip("/").replace("/", "-") or "portal")
                tab.shot(f"borrower-{lang}-{size}-{name}")
            main = tab.page.inner_text("main")
            assert ("还款" in main) if lang == "zh_CN" else ("Schedule" in main), (lang, size)
    assert tab.errors == [], tab.errors
    tab.close()


def test_a_borrower_pays_through_the_provider_and_the_decision_changes_at_once(browser: Any, pay_site: Any) -> None:
    site, state, provider_url = pay_site
    tab = Tab(browser, site, viewport=PHONE, lang="en")
    tab.borrower_signs_in(site.people["plan_borrower"][1])
    tab.go("/portal/pay")
    loan_id = tab.page.eval_on_selector("#loan_id", "el => el.value")
    tab.go("/portal/decisions")
    before = tab.page.inner_text("main")
    tab.go(f"/portal/pay?loan={loan_id}")
    amount = tab.page.input_value("#amount")
    assert float(amount) > 0
    tab.shot("journey-pay-1-amount")
    tab.page.click("[data-testid=pay]")
    tab.page.wait_for_url(re.compile(r".*/checkouts/co_"))
    assert "Sandbox payment provider" in tab.page.inner_text("h1")
    tab.shot("journey-pay-2-provider")
    tab.page.click("#pay")
    tab.page.wait_for_url(re.compile(r".*/portal/pay/return\?intent=PI-"))
    assert tab.page.inner_text("[data-testid=payment-state]") == "Received"
    assert state.callbacks and state.callbacks[-1]["status"] == 200
    assert tab.page.inner_text("[data-testid=overdue]").endswith("0.00")
    assert tab.page.inner_text("[data-testid=dpd]") == "0"
    tab.shot("journey-pay-3-received")
    tab.go(f"/portal/loans/{loan_id}")
    assert amount.split(".")[0] in tab.page.inner_text("main").replace(",", "")  # the payment is listed
    tab.go("/portal/decisions")
    after = tab.page.inner_text("main")
    assert after != before
    section = after.split(f"Loan {loan_id}")[1].split("Loan ")[0]
    assert "Days overdue: 0" in section
    tab.shot("journey-pay-4-decision-after")
    # the provider delivers the same confirmation again: nothing more is recorded
    checkout = next(iter(state.checkouts))
    req = urllib.request.Request(provider_url + "/_control", data=json.dumps({"replay": checkout}).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        answer = json.loads(resp.read())
    assert answer["portal_status"] == 200 and json.loads(answer["portal_body"])["duplicate"] is True
    assert tab.errors == [], tab.errors
    tab.close()


def test_a_referral_is_taken_and_closed_in_the_inbox(browser: Any, pay_site: Any) -> None:
    site, _, _ = pay_site
    borrower = Tab(browser, site, viewport=PHONE, lang="en")
    borrower.borrower_signs_in(site.people["visit_candidates"][0][1] if site.people["visit_candidates"]
                               else site.people["visit_borrower"][1])
    borrower.go("/portal/hardship")
    borrower.page.check("input[name=reason][value=income_reduced]")
    borrower.page.check("input[name=has_income][value=yes]")
    borrower.page.fill("#income", "3000")
    borrower.page.fill("#expenses", "3000")
    borrower.page.click("main form button[type=submit]")
    borrower.page.wait_for_url(re.compile(r".*/portal/plan"))
    if borrower.page.locator("#loan_id").count() == 0:
        pytest.fail("the borrower has nothing overdue to plan")
    borrower.page.fill("input[name=date] >> nth=0", borrower.page.evaluate("new Date().toISOString().slice(0, 10)"))
    borrower.page.fill("input[name=amount] >> nth=0", "100")
    borrower.page.click("main form[action='/portal/plan'] button[type=submit]")
    assert "A specialist will help you" in borrower.page.inner_text("[data-testid=plan-result]")
    borrower.shot("journey-referral-1-borrower-referred")
    borrower.close()
    staff = Tab(browser, site)
    username = next(s["username"] for s in site.people["staff"] if s["role"] == "compliance")
    staff.staff_signs_in(username)
    staff.go("/console/inbox")
    card = staff.page.locator("section[data-testid^=referral-]").first
    testid = card.get_attribute("data-testid")
    card.locator("form[action$='/assign'] button").click()
    staff.page.wait_for_url(re.compile(r".*done=assigned"))
    card = staff.page.locator(f"section[data-testid={testid}]")
    assert username in card.inner_text()
    staff.shot("journey-referral-2-taken")
    card.locator("select[name=outcome]").select_option("forbearance")
    card.locator("textarea[name=note]").fill("Agreed three months at a reduced amount.")
    card.locator("form[action$='/close'] button").click()
    staff.page.wait_for_url(re.compile(r".*done=referral_closed"))
    assert staff.page.locator(f"section[data-testid={testid}]").count() == 0
    staff.shot("journey-referral-3-closed")
    staff.go("/console/audit")
    assert staff.errors == [], staff.errors
    staff.close()
