"""Every page reachable from the navigation, on the demo's data, as every staff role and two borrowers:
no response ≥ 500, no browser console error, and every failed page is the HTML error page. Links and GET forms
(submitted with their default values) are followed. Then the coverage check: every GET page route of the app
(console, portal, downloads) was reached by one of these crawls, or is listed in NOT_CRAWLED with the reason.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from e2e_support import DemoSite, Tab

from duecare.privacy.deps import iter_routes

pytestmark = pytest.mark.browser

STAFF_ROLES = ("agent", "supervisor", "compliance", "analyst", "admin", "field_agent")
PER_PATTERN = 3  # pages of one shape (e.g. /console/cases/{id}) opened per role
MAX_PAGES = 150
SKIP = re.compile(r"^/(signout|lang/|static/|docs|openapi|redoc|auth/)")
BORROWERS = ("visit_borrower", "plan_borrower")
PAGE_PREFIXES = ("/console", "/portal", "/visit-register")
# GET page routes no link or GET form on the demo's pages leads to, each with the reason and where it is tested.
NOT_CRAWLED = {
    "/console/signin": "the sign-in form itself: every staff crawl starts by signing in through it",
    "/portal/signin": "the sign-in form itself: every borrower crawl starts by signing in through it",
    "/portal/pay/return": "the payment provider's return address after a hand-off (tests/web/test_payments.py)",
    "/console/visits/{visit_id}/report": "opens only for a field agent checked in at a visit that has begun "
                                         "(tests/e2e/test_visit_journey.py files one)",
    "/portal/video/{appointment_id}": "needs a booked video appointment; the demo books none "
                                      "(tests/web/test_video.py)",
    "/console/video/{appointment_id}": "needs a booked video appointment; the demo books none "
                                       "(tests/web/test_video.py)",
    "/console/documents/{document_id}": "needs a document the borrower uploaded; the demo holds none "
                                        "(tests/visits/test_documents.py)",
    "/portal/visits/{visit_id}/notice": "the notice as the visit API serves it to the borrower's app (JSON by "
                                        "default); the portal links /portal/notices/{id} instead",
    "/portal/contact-preferences": "JSON for the borrower's app (GET/POST); the page is /portal/callback-hours "
                                   "(tests/web/test_contact_preferences.py)",
    "/portal/visit-messages": "JSON for the borrower's app; the portal shows these messages as notices",
    "/portal/documents": "opens after the borrower chooses the documents alternative on a notice (a POST) "
                         "(tests/web/test_alternatives.py)",
    "/portal/video": "opens after the borrower chooses a video or phone appointment on a notice (a POST) "
                     "(tests/web/test_video.py)",
}


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
        head = tab.page.request.get(tab.base + path, headers={"accept": "text/html"}, max_redirects=5,
                                    timeout=120_000)
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
        hrefs += tab.page.eval_on_selector_all(
            "form[method=get i][action]",
            "els => els.map(f => f.getAttribute('action') + '?' + new URLSearchParams(new FormData(f)).toString())")
        for href in hrefs:
            if not href or not href.startswith("/") or href.startswith("//") or SKIP.match(href):
                continue
            target = href.split("#")[0]
            if target and target not in visited:
                queue.append(target)
    return {"opened": opened, "failures": failures}


@pytest.fixture(scope="module")
def crawls(browser: Any, demo_site: DemoSite) -> Iterator[Callable[[str], dict[str, Any]]]:
    """`crawls(who)`: the crawl as a staff role or a demo borrower, run once per module and kept for the
    coverage check."""
    done: dict[str, dict[str, Any]] = {}

    def run(who: str) -> dict[str, Any]:
        if who not in done:
            done[who] = {"opened": [], "failures": [f"the crawl as {who} did not finish"]}  # until it does
            if who in BORROWERS:
                person = demo_site.people[who]
                if person is None:
                    pytest.fail(f"the demo data set has no {who}: raise DEMO_ACCOUNTS in tests/e2e/conftest.py")
                tab = Tab(browser, demo_site, lang="zh_CN")
                tab.borrower_signs_in(person[1])
                done[who] = crawl(tab, "/portal")
            else:
                username = next(s["username"] for s in demo_site.people["staff"] if s["role"] == who)
                tab = Tab(browser, demo_site)
                tab.staff_signs_in(username)
                done[who] = crawl(tab, "/console")
            tab.close()
        return done[who]

    yield run


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_every_console_page_a_role_can_reach_works(crawls: Callable[[str], dict[str, Any]], role: str) -> None:
    result = crawls(role)
    assert len(result["opened"]) >= 3, result["opened"]
    assert result["failures"] == [], result["failures"]


@pytest.mark.parametrize("who", BORROWERS)
def test_every_portal_page_a_borrower_can_reach_works(crawls: Callable[[str], dict[str, Any]], who: str) -> None:
    result = crawls(who)
    assert len(result["opened"]) >= 5, result["opened"]
    assert result["failures"] == [], result["failures"]


def page_routes(database: Path) -> list[str]:
    """The app's GET routes that answer pages or downloads to people (the JSON API is the route matrix's)."""
    from duecare.app.factory import create_app

    app = create_app(f"sqlite:///{database}")
    return sorted({r.path for r in iter_routes(app) if "GET" in r.methods
                   and (r.path == "/" or r.path.startswith(PAGE_PREFIXES))})


def route_of(path: str, routes: list[str]) -> str | None:
    """The route template a crawled path answers to (literal routes win over ones with parameters)."""
    bare = urlsplit(path).path
    if bare in routes:
        return bare
    for route in routes:
        if re.fullmatch(re.sub(r"\\{[^/]+\\}", "[^/]+", re.escape(route)), bare):
            return route
    return None


def test_every_page_route_is_reached_by_the_crawl_or_listed_with_a_reason(
        crawls: Callable[[str], dict[str, Any]], demo_site: DemoSite, tmp_path: Path) -> None:
    routes = page_routes(tmp_path / "routes.db")
    reached: dict[str, set[str]] = {}
    for who in (*STAFF_ROLES, *BORROWERS):
        for path, _status in crawls(who)["opened"]:
            route = route_of(path, routes)
            if route is not None:
                reached.setdefault(route, set()).add(who)
    missing = [r for r in routes if r not in reached and r not in NOT_CRAWLED and r != "/"]
    assert missing == [], f"page routes no crawl reached and NOT_CRAWLED does not explain: {missing}"
    stale = sorted(r for r in NOT_CRAWLED if r not in routes or r in reached)
    assert stale == [], f"NOT_CRAWLED lists routes that no longer exist or are now reached: {stale}"
