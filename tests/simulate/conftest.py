"""A small generated portfolio (with its truth file) shared by the simulator tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from duecare.ledger.generate import generate
from duecare.simulate.world import Portfolio, load_portfolio


@pytest.fixture(scope="session")
def portfolio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim-portfolio")
    generate(400, seed=7, out=out, as_of=dt.date(2026, 12, 1))
    return out


@pytest.fixture(scope="session")
def portfolio(portfolio_dir: Path) -> Portfolio:
    return load_portfolio(portfolio_dir)
