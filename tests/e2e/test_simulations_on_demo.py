"""Policy › Simulations in the browser, on the demo's data: `duecare simulate` runs on the demo's portfolio with the
demo's trained risk model (into the served copy's data directory), then a supervisor opens the page from Policy and
reads the comparison and the recovery gap per borrower group — the same figures as the report's JSON — in English
at desktop width and in Chinese at phone width, with the charts drawn and no browser error.
Screenshots: test-artifacts/screenshots/."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from e2e_support import PHONE, DemoSite, Tab

from duecare.demo.run import duecare_command

pytestmark = pytest.mark.browser


def _user(site: DemoSite, role: str) -> str:
    return next(s["username"] for s in site.people["staff"] if s["role"] == role)


def _cell(c: dict[str, Any]) -> str:
    return f"{c['mean']:,.0f} ± {c['half_width']:,.0f}"


@pytest.fixture(scope="module")
def report(demo_data: Path, demo_site: DemoSite) -> dict[str, Any]:
    """`duecare simulate` on the demo's portfolio, as the served copy's settings (its data directory and model)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DUECARE_DATABASE_URL", "DUECARE_DEMO_NOW")}
    env.update(DUECARE_DATA_DIR=str(demo_site.directory), DUECARE_SIM_WORKERS="1")
    done = subprocess.run([*duecare_command(), "simulate", "--input", str(demo_data / "portfolio"), "--days", "30",
                           "--seeds", "2"], env=env, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    path = Path(json.loads(done.stdout.strip().splitlines()[-1])["report"])
    assert path.parent == demo_site.directory / "simulations"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _rows(tab: Tab, testid: str) -> list[list[str]]:
    rows = tab.page.locator(f"[data-testid={testid}] tbody tr")
    return [[c.strip() for c in rows.nth(i).locator("td").all_inner_texts()] for i in range(rows.count())]


def test_a_supervisor_reads_the_recovery_gap_per_borrower_group(browser: Any, demo_site: DemoSite,
                                                                 report: dict[str, Any]) -> None:
    gap = report["recovery_gap"]
    assert report["risk_model"] and report["risk_model"].startswith("early_warning@")  # the demo's model scored
    assert gap["strategy"] == "standard" and gap["baseline"] == "visit-all-60"
    expected_groups = [[f"{g['borrowers']:,.0f}", _cell(g["gap"]), f"{g['share']:.1%}"] for g in gap["groups"]]
    expected_segments = [[_cell(s["gap"]), f"{s['share']:.1%}"] for s in gap["segments"]]

    tab = Tab(browser, demo_site)
    tab.staff_signs_in(_user(demo_site, "supervisor"))
    tab.go("/console/policy")
    tab.page.click("a[href='/console/policy/simulations']")
    tab.page.wait_for_url(re.compile(r".*/console/policy/simulations$"))
    tab.page.wait_for_load_state("networkidle")
    assert tab.page.inner_text("[data-testid=risk-model]") == report["risk_model"]
    section = tab.page.inner_text("[data-testid=recovery-gap]")
    assert "Recovery gap per borrower group" in section and _cell(gap["total"]) in section
    groups = _rows(tab, "recovery-gap-groups")
    assert [r[1:] for r in groups] == expected_groups
    assert groups[1][0] == "Vulnerable" and groups[2][0].startswith("Reachable")
    assert [r[1:] for r in _rows(tab, "recovery-gap-segments")] == expected_segments
    assert tab.page.locator(".chart .plot-container").count() >= 3  # plotly drew the charts offline
    tab.shot("policy-simulations-gap-en")
    assert tab.errors == []
    tab.close()

    zh = Tab(browser, demo_site, viewport=PHONE, lang="zh_CN")
    zh.staff_signs_in(_user(demo_site, "compliance"))
    zh.go("/console/policy/simulations")
    assert "按借款人分组的回收差额" in zh.page.inner_text("[data-testid=recovery-gap]")
    rows = _rows(zh, "recovery-gap-groups")
    assert [r[1:] for r in rows] == expected_groups and rows[0][0] == "基准方案未上门"
    assert _rows(zh, "recovery-gap-segments")[5][0] == "失联"
    zh.shot("policy-simulations-gap-zh-phone")
    assert zh.errors == []
    zh.close()
