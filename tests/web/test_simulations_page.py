"""Policy › Simulations shows the last simulate and optimise reports to supervisors and compliance only."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
from test_pages import staff_signs_in

from duecare.kit.settings import get_settings
from duecare.ledger.generate import generate
from duecare.simulate.compare import compare
from duecare.simulate.gap import GROUPS, recovery_gap
from duecare.simulate.params import SEGMENTS, load_params
from duecare.simulate.report import runs_dir, save, simulation_report
from duecare.simulate.variants import named
from duecare.simulate.world import load_portfolio

URL = "/console/policy/simulations"


@pytest.fixture
def reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A real (small) simulation report in the app's data directory."""
    data = tmp_path / "data"
    generate(60, seed=3, out=tmp_path / "portfolio", as_of=dt.date(2026, 12, 1))
    portfolio = load_portfolio(tmp_path / "portfolio")
    comparison = compare(portfolio, [named("standard"), named("visit-all-60")], load_params(), 8, [1, 2])
    gap = recovery_gap(portfolio, comparison, "standard", "visit-all-60")
    report = simulation_report(comparison, portfolio="demo", accounts=portfolio.size, start=portfolio.start.isoformat(),
                               recovery_gap=gap)
    save(report, runs_dir(data), "sim-20261201T000000")
    settings = get_settings()  # the keys and the audit checkpoints stay where the seeded app has them
    monkeypatch.setenv("DUECARE_KEY_FILE", str(settings.key_file))
    if settings.audit_checkpoints is not None:
        monkeypatch.setenv("DUECARE_AUDIT_CHECKPOINTS", str(settings.audit_checkpoints))
    monkeypatch.setenv("DUECARE_DATA_DIR", str(data))
    return data


@pytest.mark.parametrize("role", ["supervisor", "compliance"])
def test_the_page_shows_the_last_simulation_to_the_allowed_roles(client: Any, reports: Path, role: str) -> None:
    staff_signs_in(client, f"web-{role}")
    page = client.get(URL)
    assert page.status_code == 200
    assert 'data-testid="last-simulation"' in page.text
    assert 'title="visit-all-60"' in page.text and 'title="standard"' in page.text  # named, the code in the tooltip
    assert "duecare optimise --input DIR --budget N" in page.text  # none run yet (the page is in zh or en)
    assert "sim-fig-1" in page.text and "cdn" not in page.text.lower()


@pytest.mark.parametrize("role", ["agent", "field_agent", "analyst", "admin"])
def test_the_page_is_refused_to_other_roles(client: Any, reports: Path, role: str) -> None:
    staff_signs_in(client, f"web-{role}")
    assert client.get(URL).status_code == 403


def test_the_page_asks_for_a_sign_in_first(client: Any) -> None:
    page = client.get(URL, follow_redirects=False)
    assert page.status_code in (302, 303, 401)


def _rows(page: str, testid: str) -> list[list[str]]:
    """The body rows of the table with this test id, as cell texts."""
    table = re.search(rf'<table data-testid="{testid}">(.*?)</table>', page, re.DOTALL)
    assert table, testid
    body = table.group(1).split("<tbody>")[1]
    return [[html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)]


def _cell(c: dict[str, Any]) -> str:
    return f"{c['mean']:,.0f} ± {c['half_width']:,.0f}"


@pytest.mark.parametrize(("lang", "first_group", "first_segment"), [
    ("en", "Not visited by the baseline", "Always on time"), ("zh_CN", "基准方案未上门", "始终按时还款")])
def test_the_page_shows_the_recovery_gap_per_borrower_group_as_the_json_has_it(
        client: Any, reports: Path, lang: str, first_group: str, first_segment: str) -> None:
    """The same figures as the report's JSON (mean ± half-width of the 95% interval over the paired seeds),
    per lawful-gate group and per true segment, with the labels in the page's language."""
    data = json.loads(next((reports / "simulations").glob("sim-*.json")).read_text(encoding="utf-8"))
    gap = data["recovery_gap"]
    assert gap is not None and len(gap["groups"]) == len(GROUPS) and len(gap["segments"]) == len(SEGMENTS)
    staff_signs_in(client, "web-supervisor")
    client.cookies.set("duecare_lang", lang)
    page = client.get(URL).text
    assert 'data-testid="recovery-gap"' in page
    assert _cell(gap["total"]) in html.unescape(page)
    groups = _rows(page, "recovery-gap-groups")
    assert [r[1:] for r in groups] == [[f"{g['borrowers']:,.0f}", _cell(g["gap"]), f"{g['share']:.1%}"]
                                       for g in gap["groups"]]
    segments = _rows(page, "recovery-gap-segments")
    assert [r[1:] for r in segments] == [[_cell(s["gap"]), f"{s['share']:.1%}"] for s in gap["segments"]]
    assert groups[0][0] == first_group and segments[0][0] == first_segment
    assert len({r[0] for r in groups}) == len(GROUPS)  # every group has its own label
    # the baseline visited someone in these 8 days, so the gap is not empty
    assert sum(g["borrowers"] for g in gap["groups"][1:]) > 0


@pytest.mark.parametrize(("lang", "first_label", "paired_name"), [
    ("en", "Borrowers who entered arrears", "Visit everyone at 60+ days overdue − Standard strategy (paired)"),
    ("zh_CN", "新进入逾期的借款人", "逾期60天以上一律上门 − 标准策略 (配对)")])
def test_the_page_shows_the_arrears_prevented_as_the_json_has_them(client: Any, reports: Path, lang: str,
                                                                    first_label: str, paired_name: str) -> None:
    """Per strategy the arrears metrics (mean ± half-width of the 95% interval over seeds), then the paired
    difference of the counterfactual to the first strategy, with headings in the page's language."""
    data = json.loads(next((reports / "simulations").glob("sim-*.json")).read_text(encoding="utf-8"))
    names = ("entered_arrears", "arrears_days", "fell_overdue", "paid_at_due_after_reminder", "prevented_overdue")
    staff_signs_in(client, "web-supervisor")
    client.cookies.set("duecare_lang", lang)
    page = client.get(URL).text
    rows = _rows(page, "arrears-prevented-table")
    levels = [[_cell(s["metrics"][m]) for m in names] for s in data["strategies"]]
    paired = [[_cell(s["difference"][m]) for m in names] for s in data["strategies"][1:]]
    assert [r[1:] for r in rows] == levels + paired
    assert rows[-1][0] == paired_name
    head = re.search(r'<table data-testid="arrears-prevented-table">.*?<th[^>]*>.*?</th><th[^>]*>(.*?)</th>', page,
                     re.DOTALL)
    assert head and html.unescape(head.group(1)) == first_label
    assert data["strategies"][0]["metrics"]["fell_overdue"]["mean"] > 0  # 8 days: installments fell overdue


@pytest.mark.parametrize(("lang", "names", "net"), [
    ("en", ["Standard strategy", "Visit everyone at 60+ days overdue [counterfactual]"], "Net recovery"),
    ("zh_CN", ["标准策略", "逾期60天以上一律上门 [反事实基准]"], "净回收")])
def test_strategies_and_metrics_are_named_in_the_pages_language(client: Any, reports: Path, lang: str,
                                                                names: list[str], net: str) -> None:
    """No raw strategy name or metric code as text: labels in the page's language, the codes in tooltips."""
    staff_signs_in(client, "web-compliance")
    client.cookies.set("duecare_lang", lang)
    page = client.get(URL).text
    assert [r[0] for r in _rows(page, "comparison-table")] == names
    assert f'title="net_recovery">{net}</th>' in page
    text = html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"(?s)<script.*?</script>", "", page)))
    assert not re.search(r"\b(net_recovery|visit-all-60|counterfactual-visit-all)\b", text)
    if lang == "zh_CN":
        assert "COUNTERFACTUAL" not in text and "[counterfactual]" not in text


def test_a_report_without_a_counterfactual_shows_no_gap_section(client: Any, reports: Path) -> None:
    path = next((reports / "simulations").glob("sim-*.json"))
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**data, "recovery_gap": None}), encoding="utf-8")
    staff_signs_in(client, "web-compliance")
    page = client.get(URL).text
    assert 'data-testid="last-simulation"' in page and 'data-testid="recovery-gap"' not in page


def test_every_gap_group_and_segment_has_a_label() -> None:
    from duecare.console.simulations import GAP_GROUPS, SEGMENT_LABELS

    assert list(GAP_GROUPS) == list(GROUPS) and list(SEGMENT_LABELS) == list(SEGMENTS)
