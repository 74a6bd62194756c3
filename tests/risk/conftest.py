"""Fixtures for the risk tests: the prepared real data (made once if absent) and small fitted models."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from duecare.risk import datasets, fairness, scorecard

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def risk_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Parquet data sets; the set-up script runs here only if `make risk-data` has not."""
    directory = datasets.data_dir()
    if not (directory / "manifest.json").exists():
        directory = ROOT / "duecare-data" / "risk-datasets"
    if not (directory / "manifest.json").exists():
        directory = tmp_path_factory.mktemp("risk-datasets")
        subprocess.run([sys.executable, str(ROOT / "scripts" / "prepare-risk-data.py"), "--out", str(directory)],
                       check=True)
    return directory


@pytest.fixture(scope="session")
def german(risk_data_dir: Path) -> datasets.Dataset:
    return datasets.load("germancredit", risk_data_dir)


@pytest.fixture(scope="session")
def german_xy(german: datasets.Dataset) -> tuple[pl.DataFrame, np.ndarray]:
    features = fairness.allowed_features(german.features)
    return german.frame.select(features), german.frame.get_column("bad").to_numpy()


@pytest.fixture(scope="session")
def german_card(german_xy: tuple[pl.DataFrame, np.ndarray]) -> scorecard.ScorecardSpec:
    x, y = german_xy
    return scorecard.fit_scorecard(x, y)
