"""Known limits on a channel in the browser, on the demo's data (issue 15): a phone agent opens the limits from the
case page, records that a third party who answered the borrower's number objected, sees today's decision stop
using calls under the pack's rule, then lifts the limit and sees calls come back; the page reads in Chinese at
phone width too. Screenshots: test-artifacts/screenshots/."""

from __future__ import annotations

import re
from typing import Any

import pytest
from e2e_support import PHONE, DemoSite, Tab

pytestmark = pytest.mark.browser


def _user(site: DemoSite, role: str) -> str:
    return next(s["username"] for s in site.people["staff"] if s["role"] == role)


def _decisions(tab: Tab) -> str:
    return " ".join(tab.page.locator("[data-testid^=limits-decision-]").all_inner_texts())


def test_an_agent_records_and_lifts_a_third_party_objection(browser: Any, demo_site: DemoSite) -> None:
    borrower_id, _ = demo_site.people["plan_borrower"]
    agent = Tab(browser, demo_site)
    agent.staff_signs_in(_user(demo_site, "agent"))
    agent.go(f"/console/cases/{borrower_id}")
    agent.page.click("[data-testid=limits-link]")
    agent.page.wait_for_url(re.compile(rf".*/console/cases/{borrower_id}/limits$"))
    rule = agent.page.inner_text("[data-testid=rule-third_party_objected]")
    assert "cn_debtor_only" in rule and "GB/T 45251" in rule  # the demo's borrowers are under the cn pack
    assert "no rule for it" in agent.page.inner_text("[data-testid=rule-workplace]")
    before = _decisions(agent)
    assert "cn_debtor_only" not in before

    for channel in ("call", "sms", "email"):  # the number and the inbox on file reach the borrower's relative
        agent.page.select_option("#limit-kind", "third_party_objected")
        agent.page.select_option("#limit-by", "third_party")
        agent.page.select_option("#limit-channel", channel)
        agent.page.click("form[data-testid=record-limit] button[type=submit]")
        agent.page.wait_for_url(re.compile(r".*limit=recorded"))
    assert agent.page.locator("tr[data-state=active]").count() == 3
    barred = _decisions(agent)
    assert "cn_debtor_only" in barred and "A third party reached on this channel objected" in barred
    assert not re.search(r"\b(Call|SMS reminder|Email notice)\b", barred.split("Reasons")[0])  # no remote contact
    agent.shot("journey-contact-limits-recorded")

    agent.go(f"/console/cases/{borrower_id}")  # the case page's own decision honours them too
    assert "cn_debtor_only" in agent.page.inner_text("main").split("Timeline")[0]
    agent.go(f"/console/cases/{borrower_id}/limits")
    while agent.page.locator("tr[data-state=active] button").count():
        agent.page.locator("tr[data-state=active] button").first.click()
        agent.page.wait_for_url(re.compile(r".*limit=lifted"))
    assert agent.page.locator("tr[data-state=lifted]").count() == 3
    assert "cn_debtor_only" not in _decisions(agent)
    assert agent.errors == []
    agent.close()

    phone = Tab(browser, demo_site, viewport=PHONE, lang="zh_CN")
    phone.staff_signs_in(_user(demo_site, "supervisor"))
    phone.go(f"/console/cases/{borrower_id}/limits")
    assert "已知的联系渠道限制" in phone.page.inner_text("h1")
    assert phone.page.locator("tr[data-state=lifted]").count() == 3  # the history stays
    overflow = phone.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the limits page scrolls sideways at 390 px ({overflow} px)"
    phone.shot("journey-contact-limits-zh-390")
    assert phone.errors == []
    phone.close()
