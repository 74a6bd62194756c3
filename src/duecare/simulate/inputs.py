"""Command inputs shared by `simulate` and `optimise`: the portfolio, the report directory, counts."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from duecare.kit.errors import UserError


def portfolio_of(input_dir: Path, accounts: int | None, start: str | None) -> Any:
    from duecare.simulate.world import load_portfolio

    try:
        first = date.fromisoformat(start) if start else None
    except ValueError:
        raise UserError("use YYYY-MM-DD", place="--start") from None
    portfolio = load_portfolio(input_dir, first)
    if accounts is not None:
        if accounts < 1:
            raise UserError("must be at least 1", place="--accounts")
        portfolio = portfolio.head(accounts)
    return portfolio


def out_dir(out: Path | None) -> Path:
    from duecare.kit.settings import get_settings
    from duecare.simulate.report import runs_dir

    return out or runs_dir(get_settings().data_dir)


def check_counts(days: int, seeds: int) -> None:
    if days < 1:
        raise UserError("must be at least 1", place="--days")
    if seeds < 1:
        raise UserError("must be at least 1", place="--seeds")
