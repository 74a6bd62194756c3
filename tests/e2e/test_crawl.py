"""Every page reachable from the navigation, on the demo's data, as every staff role and two borrowers:
no response ≥ 500, no browser console error, and every failed page is the HTML error page."""

from __future__ import annotations

import re
from collections import deque
from typing import Any
from urllib.parse import urlsplit

import pytest
from e2e_support import DemoSite, Tab

pytestmark = pytest.mark.browser

STAFF_ROLES = ("agent", "supervisor", "compliance", "analyst", "admin", "field_agent")
PER_PATTERN = 3  # pages of one shape (e.g. /console/cases/{id}) opened per role
MAX_PAGES = 80
SKIP = re.compile(r"^/(signout|lang/|static/|docs|openapi|redoc|auth/)")


def pattern(url: str) -> str:
    """The shape of a link: ids (segments with digits) and query values blanked."""
    parts = urlsplit(url)
    path = "/".join("{id}" if re.search(r"\d", seg) else seg for seg in parts.path.split("/"))
    keys = sorted(k.split("=")[0] for k in parts.query.split("&") if k)
    return path + ("?" + "&".join(keys) if keys else "")


def crawl(tab: Tab, start: str) -> dict[str, Any]:
    """Breadth-first over same-site links; returns what was opened and what failed."""
    seen_patterns: dict[str, int] = {}
    queue, opened, failures = deque([start]), [], []
    visited: set[str] = set()
    while queue and len(opened) < MAX_PAGES:
        path = queue.popleft()
        if path in visited:
            continue
        visited.add(path)
        key = pattern(path)
        if seen_patterns.get(key, 0) >= PER_PATTERN:
            continue
        seen_patterns[key] = seen_patterns.get(key, 0) + 1
        head = tab.page.request.get(tab.base + path, headers={"accept": "text/html"}, max_redirects=5)
        kind = head.headers.get("content-type", "")
        opened.append((path, head.status))
        if head.status >= 500:
            failures.append(f"{path}: HTTP {head.status}")
        if head.status >= 400 and ("text/html" not in kind or 'data-testid="error-page"' not in head.text()):
            failures.append(f"{path}: HTTP {head.status} is not the HTML error page ({kind})")
        if "text/html" not in kind or head.status >= 400:
            continue  # a download (CSV, PDF) or an error: checked above, not opened in the page
        before = len(tab.errors)
        tab.go(path)
        if len(tab.errors) > before:
            failures.append(f"{path}: {tab.errors[before:]}")
        hrefs = tab.page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        for href in hrefs:
            if not href or not href.startswith("/") or href.startswith("//") or SKIP.match(href):
                continue
            target = href.split("#")[0]
            if target and target not in visited:
                queue.append(target)
    return {"opened": opened, "failures": failures}


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_every_console_page_a_role_can_reach_works(browser: Any, demo_site: DemoSite, role: str) -> None:
    username = next(s["username"] for s in demo_site.people["staff"] if s["role"] == role)
    tab = Tab(browser, demo_site)
    tab.staff_signs_in(username)
    result = crawl(tab, "/console")
    tab.close()
    assert len(result["opened"]) >= 3, result["opened"]
    assert result["failures"] == [], result["failures"]


@pytest.mark.parametrize("who", ["visit_borrower", "plan_borrower"])
def test_every_portal_page_a_borrower_can_reach_works(browser: Any, demo_site: DemoSite, who: str) -> None:
    person = demo_site.people[who]
    if person is None:
        pytest.fail(f"the demo data set has no {who}: raise DEMO_ACCOUNTS in tests/e2e/conftest.py")
    tab = Tab(browser, demo_site, lang="zh_CN")
    tab.borrower_signs_in(person[1])
    result = crawl(tab, "/portal")
    tab.close()
    assert len(result["opened"]) >= 5, result["opened"]
    assert result["failures"] == [], result["failures"]
