"""The home-visit journey in the browser on the demo's data, every step through the pages: an agent proposes
from the case page and sends the notice, the borrower consents in the portal, a supervisor approves with the
live gate, schedules two chosen agents (refused while the notice period runs), the demo clock passes the
notice period and reaches the visit window, a field agent files the scoped report (out-of-scope text is
refused with the reason), compliance reviews it and downloads the register. Screenshots: test-artifacts/."""

from __future__ import annotations

import re
from typing import Any

import pytest
from e2e_support import PHONE, DemoSite, Tab

pytestmark = pytest.mark.browser


def _user(site: DemoSite, role: str, n: int = 0) -> str:
    return [s["username"] for s in site.people["staff"] if s["role"] == role][n]


def test_a_home_visit_from_proposal_to_the_register(browser: Any, demo_site: DemoSite) -> None:
    candidates = demo_site.people["visit_candidates"]
    assert candidates, "the demo data set has no second borrower on the visit track"
    borrower_id, phone = candidates[0]

    # 1. the agent finds the case, proposes the visit (the gate is on the case page) and sends the notice
    agent = Tab(browser, demo_site)
    agent.staff_signs_in(_user(demo_site, "agent"))
    agent.go(f"/console/queue?q={borrower_id}")
    agent.page.click(f"a[href='/console/cases/{borrower_id}']")
    assert agent.page.locator("[data-testid=propose-visit]").count() == 1
    agent.shot("journey-01-case-propose")
    agent.page.click("[data-testid=propose-visit] button[type=submit]")
    agent.page.wait_for_url(re.compile(r".*/console/visits/V-[^?]+\?done=proposed"))
    visit_path = agent.page.url.split("?")[0].replace(demo_site.base, "")
    agent.page.click("[data-testid=send-notice]")
    agent.page.wait_for_url(re.compile(r".*done=notice_sent"))
    assert agent.page.locator("[data-testid=visit-state]").inner_text() in ("Notice sent", "已发送告知")
    agent.shot("journey-02-notice-sent")
    assert agent.errors == []
    agent.close()

    # 2. the borrower reads the notice and consents in the portal (phone width)
    borrower = Tab(browser, demo_site, viewport=PHONE, lang="zh_CN")
    borrower.borrower_signs_in(phone)
    borrower.go("/portal/notices")
    borrower.page.locator("a[href^='/portal/notices/']").first.click()
    borrower.page.click("button[value=granted]")
    assert borrower.page.inner_text("[data-testid=consent-state]") == "已同意"
    borrower.shot("journey-03-borrower-consents-390")
    assert borrower.errors == []
    borrower.close()

    # 3. the supervisor approves with the live gate (the proposer was the agent)
    sup = Tab(browser, demo_site)
    sup.staff_signs_in(_user(demo_site, "supervisor"))
    sup.go("/console/visits/approvals")
    visit_id = visit_path.rsplit("/", 1)[1]
    card = sup.page.locator(f"[data-testid=approval-{visit_id}]")
    assert "notice_period_running" in card.inner_html()  # the gate as it stands: the notice period still runs
    card.locator("textarea").fill("Gate holds apart from the notice period; borrower consented in the portal.")
    sup.shot("journey-04-approval-live-gate")
    card.locator("button[value=approve]").click()
    sup.page.wait_for_url(re.compile(r".*done=approve"))

    # 4. scheduling is refused while the notice period runs, with the reason; the visit stays approved
    sup.go(visit_path)
    assert sup.page.locator("[data-testid=schedule-blocked] [data-code=notice_period_running]").count() == 1
    assert sup.page.locator("[data-testid=schedule]").is_disabled()
    sup.shot("journey-05-schedule-blocked")

    # 5. the demo clock passes the notice period; two agents and a day are chosen
    sup.page.click("[data-testid=demo-clock] button[value='3']")
    sup.page.wait_for_load_state("networkidle")
    assert sup.page.locator("[data-testid=schedule-blocked]").count() == 0
    sup.page.select_option("#agent_a", "demo-field_agent")
    sup.page.select_option("#agent_b", "demo-field_agent_2")
    sup.page.click("[data-testid=schedule]")
    sup.page.wait_for_url(re.compile(r".*done=scheduled"))
    assert "demo-field_agent" in sup.page.inner_text("[data-testid=visit-agents]")
    sup.shot("journey-06-scheduled")
    assert sup.errors == []
    sup.close()

    # 6. a field agent sees the day route, files the report when the window has come; out-of-scope text refused
    field = Tab(browser, demo_site, viewport=PHONE)
    field.staff_signs_in(_user(demo_site, "field_agent"))
    field.go("/console/visits/schedule")
    field.shot("journey-07-field-route-390")
    field.page.click(f"a[href='/console/visits/{visit_id}/report']")
    for _ in range(16):
        field.page.select_option("#outcome", "met_borrower")
        field.page.fill("#notes", "身份证号 110101199003077777")
        if field.page.locator("#recording_ref").count():
            field.page.fill("#recording_ref", "rec-demo-1")
        field.page.click("form[action$='/report'] button[type=submit]")
        field.page.wait_for_load_state("networkidle")
        refused = field.page.inner_text("[data-testid=report-refused]")
        if "visit_not_yet_due" not in refused:
            break
        field.page.click("[data-testid=demo-clock] button[value='1']")  # the window has not come yet
        field.page.wait_for_load_state("networkidle")
    assert "nothing was stored" in refused and "visit_not_yet_due" not in refused
    field.shot("journey-08-report-refused-390")
    field.page.fill("#notes", "Discussed a repayment plan; borrower will use the portal.")
    if field.page.locator("#recording_ref").count():
        field.page.fill("#recording_ref", "rec-demo-1")
    field.page.click("form[action$='/report'] button[type=submit]")
    field.page.wait_for_url(re.compile(r".*done=report"))
    field.shot("journey-09-report-filed-390")
    # A refused form answers 409/422, which the browser logs as a failed resource: expected here, nothing else.
    assert [e for e in field.errors if not re.search(r"status of (409|422) ", e)] == []
    field.close()

    # 7. compliance reviews and closes the visit, then downloads the register
    comp = Tab(browser, demo_site)
    comp.staff_signs_in(_user(demo_site, "compliance"))
    comp.go(visit_path)
    comp.page.fill("#review-comment", "Report within scope; plan follow-up in the portal.")
    comp.page.click("[data-testid=review]")
    comp.page.wait_for_url(re.compile(r".*done=reviewed"))
    comp.shot("journey-10-reviewed")
    href = comp.page.get_attribute("[data-testid=register-csv]", "href")
    csv = comp.page.request.get(demo_site.base + str(href))
    assert csv.status == 200 and visit_id in csv.text()
    assert comp.errors == []
    comp.close()
