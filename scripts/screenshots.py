"""Screenshots of the pages of each user journey on the demo's own data, at desktop (1280 px) and phone (390 px)
widths, in Debian's Chromium (never a browser download). Writes PNGs and an index page (index.md) into --out.

    python scripts/screenshots.py --out docs/screenshots            # builds a small demo, serves it, shoots
    python scripts/screenshots.py --out DIR --base http://127.0.0.1:8000 --dir duecare-data/demo   # a running demo

tests/e2e/test_screenshots.py runs `capture` on the test suite's shared demo data set.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@dataclass(frozen=True)
class Shot:
    journey: str
    name: str  # file stem
    title: str  # what the picture shows (index.md)
    who: str  # a staff role, or visit_borrower / plan_borrower
    path: str | Callable[[dict[str, Any]], str]  # the page (or how to find it from demo-people.json)


def _case(who: str) -> Callable[[dict[str, Any]], str]:
    return lambda people: f"/console/cases/{people[who][0]}"


SHOTS = [
    Shot("agent", "agent-1-queue", "The agent's work queue (today's decisions, prioritised)", "agent", "/console/queue"),
    Shot("agent", "agent-2-case", "A case page: decisions with reasons and sources, promises, timeline, log a call",
         "agent", _case("plan_borrower")),
    Shot("visit", "visit-1-case-gate", "The case of the visit borrower: the home-visit gate on the decision",
         "supervisor", _case("visit_borrower")),
    Shot("visit", "visit-2-visit-page", "The visit page: notice, consent, the live gate with each rule's source",
         "supervisor", lambda people: f"/console/visits/{people['visit_id']}"),
    Shot("visit", "visit-3-approvals", "Visit approvals: the live gate, four eyes, visits before consent",
         "compliance", "/console/visits/approvals"),
    Shot("visit", "visit-4-day-route", "The field agent's day route (an ordered list, no map)", "field_agent",
         "/console/visits/schedule"),
    Shot("inbox", "inbox-1", "The staff inbox: every borrower request with its deadline and time left",
         "supervisor", "/console/inbox"),
    Shot("dashboards", "dashboards-1", "Dashboards (the month in progress marked partial)", "analyst",
         "/console/dashboards"),
    Shot("borrower", "borrower-1-home", "Portal home: loans, plan and promises (kept, broken, open)",
         "plan_borrower", "/portal"),
    Shot("borrower", "borrower-2-notices", "Portal notices: the visit notice to answer", "visit_borrower",
         "/portal/notices"),
    Shot("borrower", "borrower-3-plan", "Propose a repayment plan: every rule stated", "plan_borrower", "/portal/plan"),
    Shot("borrower", "borrower-4-pay", "Pay: hand-off to the lender's payment provider", "plan_borrower", "/portal/pay"),
    Shot("borrower", "borrower-5-decisions", "Why this decision (and ask a person to review it)", "plan_borrower",
         "/portal/decisions"),
    Shot("borrower", "borrower-6-callback-hours", "When to call me (within the lawful hours)", "plan_borrower",
         "/portal/callback-hours"),
]


def _sign_in(page: Any, base: str, people: dict[str, Any], who: str) -> None:
    if who in ("visit_borrower", "plan_borrower"):
        page.goto(base + "/portal/signin")
        page.fill("#phone", people[who][1])
        page.click("button[type=submit]")
        code = page.inner_text("[data-testid=demo-code]")
        page.fill("#code", code)
        page.click("form[action='/portal/signin/verify'] button[type=submit]")
        page.wait_for_url(re.compile(r".*/portal$"))
        return
    username = next(s["username"] for s in people["staff"] if s["role"] == who)
    page.goto(base + "/console/signin")
    page.fill("#username", username)
    page.fill("#password", people["password"])
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/console$"))


def capture(base: str, people: dict[str, Any], out: Path, lang: str = "en") -> list[Path]:
    """Every SHOT at both widths into `out` (PNG, the viewport's first screen) and `out/index.md`; returns the
    files written. A page answering an error fails the capture."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for width, viewport in WIDTHS.items():
                contexts: dict[str, Any] = {}
                for shot in SHOTS:
                    if shot.who not in contexts:
                        ctx = browser.new_context(viewport=viewport, locale="en-GB" if lang == "en" else "zh-CN")
                        ctx.add_cookies([{"name": "duecare_lang", "value": lang, "url": base}])
                        page = ctx.new_page()
                        page.set_default_timeout(120_000)  # a busy machine is slow, not broken
                        _sign_in(page, base, people, shot.who)
                        contexts[shot.who] = (ctx, page)
                    page = contexts[shot.who][1]
                    path = shot.path(people) if callable(shot.path) else shot.path
                    response = page.goto(base + path)
                    if response is None or response.status >= 400:
                        raise RuntimeError(f"{path} as {shot.who}: HTTP {response.status if response else '?'}")
                    page.wait_for_load_state("networkidle")
                    target = out / f"{shot.name}-{width}.png"
                    page.screenshot(path=str(target))
                    written.append(target)
                for ctx, _page in contexts.values():
                    ctx.close()
        finally:
            browser.close()
    lines = ["# Screenshots of the user journeys", "",
             ("Written by `python scripts/screenshots.py --out docs/screenshots` on the demo's own data set "
              "(`duecare demo`, Debian Chromium), desktop 1280 px and phone 390 px wide."), ""]
    journey = ""
    for shot in SHOTS:
        if shot.journey != journey:
            journey = shot.journey
            lines += [f"## {journey}", ""]
        lines += [f"**{shot.title}** ({shot.who})", "",
                  f"![{shot.title}, desktop]({shot.name}-desktop.png) ![{shot.title}, phone]({shot.name}-phone.png)",
                  ""]
    index = out / "index.md"
    index.write_text("\n".join(lines), encoding="utf-8")
    return [*written, index]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _duecare() -> list[str]:
    exe = Path(sys.executable).parent / "duecare"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "duecare.cli"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    ap.add_argument("--base", help="a running demo's address (else a small demo is built and served)")
    ap.add_argument("--dir", type=Path, help="the running demo's data directory (with demo-people.json)")
    ap.add_argument("--accounts", type=int, default=300)
    ap.add_argument("--lang", choices=["en", "zh_CN"], default="en")
    args = ap.parse_args()
    if args.base:
        if args.dir is None:
            ap.error("--base needs --dir (the demo's data directory)")
        people = json.loads((args.dir / "demo-people.json").read_text(encoding="utf-8"))
        files = capture(args.base, people, args.out, args.lang)
        print(f"{len(files)} files written to {args.out}")
        return 0
    work = Path(tempfile.mkdtemp(prefix="duecare-shots-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DUECARE_DATABASE_URL", "DUECARE_DEMO_NOW")}
    env.update(DUECARE_DATA_DIR=str(work), DUECARE_DEMO="1", DUECARE_DEMO_CODES="1")
    server = None
    try:
        subprocess.run([*_duecare(), "demo", "--accounts", str(args.accounts), "--dir", str(work), "--no-serve"],
                       env=env, check=True, capture_output=True)
        port = _free_port()
        server = subprocess.Popen([*_duecare(), "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                with urllib.request.urlopen(base + "/console/signin", timeout=2):
                    break
            except OSError:
                time.sleep(0.1)
        people = json.loads((work / "demo-people.json").read_text(encoding="utf-8"))
        files = capture(base, people, args.out, args.lang)
        print(f"{len(files)} files written to {args.out}")
        return 0
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
