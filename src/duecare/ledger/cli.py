"""Ledger commands: `duecare ingest` (and `duecare generate`, registered from generate_cli when present)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from duecare.kit.db import migrate, unit_of_work
from duecare.kit.settings import get_settings

err = Console(stderr=True)


def ingest(
    directory: Annotated[Path, typer.Argument(help="Portfolio directory (docs/data-format.md), Parquet or CSV.")],
    database_url: Annotated[str | None, typer.Option(
        "--database-url", help="Target database (default: DUECARE_DATABASE_URL or ./duecare-data/duecare.db).")]
    = None,
) -> None:
    """Load a portfolio directory into the store; re-running adds nothing twice."""
    from duecare.ledger.ingest import ingest_directory

    url = database_url or get_settings().database_url
    migrate(url)
    with Progress(TextColumn("{task.description:<13}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=False) as bar:
        tasks: dict[str, TaskID] = {}

        def on_progress(event: str, name: str, amount: int) -> None:
            if event == "total":
                tasks[name] = bar.add_task(name, total=amount)
            else:
                bar.advance(tasks[name], amount)

        with unit_of_work(url) as session:
            summary = ingest_directory(session, directory, on_progress,
                                       warn=lambda text: err.print(f"[yellow]warning:[/yellow] {text}",
                                                                   highlight=False))
    typer.echo(json.dumps(summary.as_json(), ensure_ascii=False))


def register(app: typer.Typer) -> None:
    from duecare.ledger import generate_cli  # imported when the ledger's commands are (duecare/cli.py)

    app.command("ingest")(ingest)
    generate_cli.register(app)
