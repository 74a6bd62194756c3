"""Policy › Simulations shows the last simulate and optimise reports to supervisors and compliance only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from test_pages import staff_signs_in

from duecare.kit.settings import get_settings
from duecare.ledger.generate import generate
from duecare.simulate.compare import compare
from duecare.simulate.params import load_params
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
    comparison = compare(portfolio, [named("standard"), named("visit-all-60")], load_params(), 3, [1, 2])
    report = simulation_report(comparison, portfolio="demo", accounts=portfolio.size, start=portfolio.start.isoformat())
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
    assert "visit-all-60 [counterfactual]" in page.text and "standard" in page.text
    assert "duecare optimise --input DIR --budget N" in page.text  # none run yet (the page is in zh or en)
    assert "sim-fig-1" in page.text and "cdn" not in page.text.lower()


@pytest.mark.parametrize("role", ["agent", "field_agent", "analyst", "admin"])
def test_the_page_is_refused_to_other_roles(client: Any, reports: Path, role: str) -> None:
    staff_signs_in(client, f"web-{role}")
    assert client.get(URL).status_code == 403


def test_the_page_asks_for_a_sign_in_first(client: Any) -> None:
    page = client.get(URL, follow_redirects=False)
    assert page.status_code in (302, 303, 401)
