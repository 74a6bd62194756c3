"""The bilingual web app in a real browser (Debian's Chromium, headless): the borrower and staff journeys, and
every page at a 390-px phone width and at desktop width with no console errors. Screenshots are kept under
test-artifacts/screenshots/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from web_factories import PASSWORD, today
from web_live import ARTIFACTS, Live

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


class Page:
    """A Playwright page that records console errors and failed requests."""

    def __init__(self, browser: Any, live: Live, viewport: dict[str, int], lang: str = "zh_CN") -> None:
        self.context = browser.new_context(viewport=viewport, locale="zh-CN" if lang == "zh_CN" else "en-GB")
        self.context.add_cookies([{"name": "duecare_lang", "value": lang, "url": live.base}])
        self.page = self.context.new_page()
        self.base, self.errors = live.base, []
        self.page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        # A request the browser itself cancels because the page navigated away (ERR_ABORTED, e.g. the
        # favicon while a form submits) is not a failure of the page.
        self.page.on("requestfailed", lambda r: None if "ERR_ABORTED" in (r.failure or "")
                     else self.errors.append(f"request failed: {r.url} ({r.failure})"))

    def go(self, path: str) -> Any:
        response = self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")
        return response

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def phone(browser: Any, live: Live) -> Iterator[Page]:
    p = Page(browser, live, PHONE)
    yield p
    p.close()


@pytest.fixture
def desk(browser: Any, live: Live) -> Iterator[Page]:
    p = Page(browser, live, DESKTOP, lang="en")
    yield p
    p.close()


def borrower_signs_in(p: Page, phone_number: str) -> None:
    p.go("/portal/signin")
    p.page.fill("#phone", phone_number)
    p.page.click("button[type=submit]")
    code = p.page.inner_text("[data-testid=demo-code]")
    p.page.fill("#code", code)
    p.page.click("form[action='/portal/signin/verify'] button[type=submit]")
    p.page.wait_for_url(re.compile(r".*/portal$"))


def staff_signs_in(p: Page, username: str) -> None:
    p.go("/console/signin")
    p.page.fill("#username", username)
    p.page.fill("#password", PASSWORD)
    p.page.click("button[type=submit]")
    p.page.wait_for_url(re.compile(r".*/console$"))


def test_a_borrower_reads_a_visit_notice_consents_then_withdraws(phone: Page, live: Live) -> None:
    borrower_signs_in(phone, live.world.visit_phone)
    phone.page.click(f"a[href='/portal/notices/{live.world.notice_b1}']")
    assert phone.page.locator("h1").first.inner_text() == "上门走访告知书"
    assert "上门走访" in phone.page.inner_text("article.notice")  # the workflow's own notice text
    phone.shot("portal-notice-390")
    phone.page.click("button[value=granted]")
    assert phone.page.inner_text("[data-testid=consent-state]") == "已同意"
    phone.page.click("button[value=withdrawn]")
    assert phone.page.inner_text("[data-testid=consent-state]") == "已撤回"
    assert phone.page.locator("button[value=granted]").count() == 0  # the visit is cancelled: no more answers
    phone.go("/portal/notices")
    history = phone.page.inner_text("table")
    assert "已同意" in history and "已撤回" in history
    phone.shot("portal-consent-history-390")
    assert phone.errors == []


def test_a_supervisor_sees_the_live_gate_and_cannot_approve_inside_the_notice_period(desk: Page, live: Live) -> None:
    staff_signs_in(desk, "web-supervisor")
    desk.go("/console/visits/approvals")
    card = desk.page.locator(f"[data-testid=approval-{live.world.approval_visit}]")
    assert card.locator("[data-testid=gate-action]").inner_text()  # the decision now, never blank
    assert card.locator("[data-testid=unmet-notice_period_running]").count() == 1
    assert card.locator("[data-testid=approve-blocked] [data-code=notice_period_running]").count() == 1
    assert card.locator("button[value=approve]").is_disabled()
    desk.shot("console-approvals-desktop")
    assert desk.errors == []


def test_an_agent_logs_a_call_and_a_promise(desk: Page, live: Live) -> None:
    staff_signs_in(desk, "web-agent")
    desk.go("/console/queue")
    desk.page.click(f"a[href='/console/cases/{live.world.plan_borrower}']")
    desk.page.select_option("#outcome", "ptp")
    desk.page.fill("#duration_s", "120")
    desk.page.click("form[action$='/calls'] button[type=submit]")
    desk.page.wait_for_url(re.compile(r".*done=call"))
    desk.page.fill("#promised_date", today().isoformat())
    desk.page.fill("#amount", "800")
    desk.page.click("form[action$='/promises'] button[type=submit]")
    desk.page.wait_for_url(re.compile(r".*done=promise"))
    timeline = desk.page.inner_text("[data-testid=timeline]")
    assert "Promise to pay" in timeline and "web-agent" in timeline
    assert "Hold" in desk.page.inner_text("main")  # the open promise holds further collection today
    desk.shot("console-case-desktop")
    assert desk.errors == []


def test_a_borrower_proposes_a_plan_and_gets_a_counter_offer(phone: Page, live: Live) -> None:
    borrower_signs_in(phone, live.world.plan_phone)
    phone.go("/portal/hardship")
    phone.page.check("input[name=reason][value=income_reduced]")
    phone.page.check("input[name=has_income][value=yes]")
    assert phone.page.is_visible("#income")  # adaptive: asked only when there is an income
    # 6000 - 3000 leaves 1500 a month affordable; the contractual instalment (1000) still falling due within
    # the plan's term comes first, so 500 a month is free for a plan and 2000 at once is more than that.
    phone.page.fill("#income", "6000")
    phone.page.fill("#expenses", "3000")
    phone.page.click("form[action='/portal/hardship'] button[type=submit]")
    phone.page.wait_for_url(re.compile(r".*/portal/plan.*"))
    phone.page.locator("input[name=date]").first.fill(today().isoformat())
    phone.page.locator("input[name=amount]").first.fill("2000")
    phone.shot("portal-plan-390")
    phone.page.click("form[action='/portal/plan'] button[type=submit]")
    assert phone.page.is_visible("[data-testid=counter-offer]")
    assert "超过您告诉我们的可承受金额" in phone.page.inner_text("[data-testid=plan-result]")
    phone.shot("portal-counter-offer-390")
    phone.page.click("text=接受此方案")
    phone.page.wait_for_url(re.compile(r".*done=plan_accepted"))
    assert phone.errors == []


PORTAL_PAGES = ["/portal", "/portal/loans/L-B2", "/portal/notices", "/portal/hardship", "/portal/plan",
                "/portal/promise", "/portal/decisions", "/portal/data", "/portal/complaint"]
CONSOLE_PAGES = ["/console", "/console/queue", "/console/cases/B2", "/console/visits/approvals",
                 "/console/visits/schedule", "/console/policy", "/console/policy/diff", "/console/dashboards",
                 "/console/audit?borrower=B2"]
PUBLIC_PAGES = ["/", "/portal/signin", "/console/signin"]


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_every_page_loads_without_console_errors(browser: Any, live: Live, width: str) -> None:
    viewport = PHONE if width == "phone" else DESKTOP
    for lang in ("zh_CN", "en") if width == "desktop" else ("zh_CN",):
        anon = Page(browser, live, viewport, lang)
        for path in PUBLIC_PAGES:
            assert anon.go(path).status == 200, path
        anon.close()
    borrower = Page(browser, live, viewport)
    borrower_signs_in(borrower, live.world.plan_phone)
    staff = Page(browser, live, viewport, "en" if width == "desktop" else "zh_CN")
    staff_signs_in(staff, "web-compliance")
    for p, paths in ((borrower, PORTAL_PAGES), (staff, CONSOLE_PAGES)):
        for path in paths:
            assert p.go(path).status == 200, path
            overflow = p.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if width == "phone" and path.startswith("/portal"):
                assert overflow <= 1, f"{path} scrolls sideways at 390 px"
            name = re.sub(r"[^a-z0-9]+", "-", path.strip("/")) or "home"
            p.shot(f"{name}-{width}")
        assert p.errors == [], p.errors
    charts = staff.page
    staff.go("/console/dashboards")
    assert charts.locator(".chart .main-svg").count() >= 6  # plotly drew every chart from the local bundle
    borrower.close()
    staff.close()
