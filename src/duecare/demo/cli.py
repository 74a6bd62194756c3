"""`duecare demo` (a synthetic portfolio, end to end, then serve) and `duecare demo advance` (its clock)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    demo_app = typer.Typer(invoke_without_command=True, no_args_is_help=False,
                           help="Generate, ingest, run the batch, create demo users, then serve.")
    app.add_typer(demo_app, name="demo")

    @demo_app.callback()
    def demo_cmd(
        ctx: typer.Context,
        accounts: Annotated[int, typer.Option(help="Synthetic borrowers to generate")] = 2000,
        directory: Annotated[Path, typer.Option("--dir", help="Where the demo keeps its files and database")]
        = Path("duecare-data/demo"),
        port: Annotated[int, typer.Option(help="TCP port of the web app")] = 8000,
        host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
        seed: Annotated[int, typer.Option(help="Random seed of the portfolio")] = 42,
        fresh: Annotated[bool, typer.Option("--fresh", help="Regenerate the portfolio even if it exists")] = False,
        no_serve: Annotated[bool, typer.Option("--no-serve", help="Prepare everything, print the sign-ins, exit")]
        = False,
        as_of: Annotated[str | None, typer.Option(
            "--as-of", help="Start the demo's clock at this moment (ISO 8601 with offset, or YYYY-MM-DD)")] = None,
    ) -> None:
        """Generate, ingest, run the batch, create demo users, then serve."""
        if ctx.invoked_subcommand is not None:
            return
        from duecare.demo.run import run_demo

        run_demo(accounts=accounts, directory=directory, host=host, port=port, seed=seed, fresh=fresh,
                 serve=not no_serve, as_of=as_of)

    @demo_app.command("advance")
    def demo_advance_cmd(
        days: Annotated[float, typer.Option("--days", help="How many days to move the demo's clock forward")],
        directory: Annotated[Path, typer.Option("--dir", help="The demo's directory")] = Path("duecare-data/demo"),
    ) -> None:
        """Move the demo's clock forward (e.g. past a 3-day notice period)."""
        from duecare.demo.run import advance_clock

        moment = advance_clock(directory, days)
        typer.echo(f"demo time is now {moment.isoformat()}", err=True)
        typer.echo(json.dumps({"demo_now": moment.isoformat()}))
