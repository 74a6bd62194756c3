"""The `duecare generate` command: a synthetic portfolio directory (docs/generator.md)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from duecare.kit.errors import UserError
from duecare.ledger.generate import JURISDICTION_CHOICES, generate


def _as_of(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UserError(f"{text!r} is not a date; write it as YYYY-MM-DD", place="--as-of") from None


def generate_command(
    accounts: Annotated[int, typer.Option("--accounts", help="Number of borrowers (accounts).")],
    seed: Annotated[int, typer.Option("--seed", help="Random seed; same seed, accounts, as-of → same files.")],
    out: Annotated[Path, typer.Option("--out", help="Output directory (one Parquet file per entity).")],
    jurisdiction: Annotated[str, typer.Option("--jurisdiction", help="cn, us, uk or mixed (70/20/10).")] = "cn",
    as_of: Annotated[str | None, typer.Option("--as-of", help="Snapshot date YYYY-MM-DD (default: today, UTC).")
                     ] = None,
) -> None:
    """Generate a synthetic portfolio with known behaviour segments (truth.parquet)."""
    if jurisdiction not in JURISDICTION_CHOICES:
        raise UserError(f"unknown jurisdiction {jurisdiction!r}; use one of {', '.join(JURISDICTION_CHOICES)}",
                        place="--jurisdiction")
    if accounts < 1:
        raise UserError("must be at least 1", place="--accounts")
    if seed < 0:
        raise UserError("must be 0 or more", place="--seed")
    day = _as_of(as_of)
    console = Console(stderr=True)
    with Progress(TextColumn("generating"), BarColumn(), MofNCompleteColumn(), TextColumn("accounts"),
                  TimeElapsedColumn(), console=console, transient=False) as progress:
        task = progress.add_task("generate", total=accounts)
        summary = generate(accounts, seed, out, jurisdiction, day,
                           on_partition=lambda n: progress.advance(task, n))
    typer.echo(json.dumps(summary))


def register(app: typer.Typer) -> None:
    app.command("generate")(generate_command)


if __name__ == "__main__":  # `python -m duecare.ledger.generate_cli …` works without the root CLI
    _app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    register(_app)
    _app()
