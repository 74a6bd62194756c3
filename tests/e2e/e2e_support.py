"""Helpers of the browser tests on the demo data (a module of its own name: several folders have a conftest)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@dataclass(frozen=True)
class DemoSite:
    base: str
    directory: Path
    people: dict[str, Any]  # demo-people.json

    @property
    def password(self) -> str:
        return str(self.people["password"])


class Tab:
    """A browser context that records console errors, page errors and failed requests."""

    def __init__(self, browser: Any, site: DemoSite, viewport: dict[str, int] = DESKTOP, lang: str = "en") -> None:
        self.context = browser.new_context(viewport=viewport, locale="zh-CN" if lang == "zh_CN" else "en-GB")
        self.context.add_cookies([{"name": "duecare_lang", "value": lang, "url": site.base}])
        self.page = self.context.new_page()
        # generous: the suite shares two cores with other work; a slow page is not a failed one
        self.page.set_default_timeout(120_000)
        self.page.set_default_navigation_timeout(120_000)
        self.base, self.site, self.errors = site.base, site, []
        self.page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: None if "ERR_ABORTED" in (r.failure or "")
                     else self.errors.append(f"request failed: {r.url} ({r.failure})"))

    def go(self, path: str) -> Any:
        response = self.page.goto(path if path.startswith("http") else self.base + path)
        self.page.wait_for_load_state("networkidle")
        return response

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def staff_signs_in(self, username: str) -> None:
        self.go("/console/signin")
        self.page.fill("#username", username)
        self.page.fill("#password", self.site.password)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(re.compile(r".*/console$"))

    def borrower_signs_in(self, phone: str) -> None:
        self.go("/portal/signin")
        self.page.fill("#phone", phone)
        self.page.click("button[type=submit]")
        code = self.page.inner_text("[data-testid=demo-code]")
        self.page.fill("#code", code)
        self.page.click("form[action='/portal/signin/verify'] button[type=submit]")
        self.page.wait_for_url(re.compile(r".*/portal$"))

    def close(self) -> None:
        self.context.close()
