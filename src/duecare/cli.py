"""The one `duecare` command; each domain adds its commands through `register(app)`."""

from __future__ import annotations

import importlib
import importlib.util
import sys

import typer
from rich.console import Console
from rich.markup import escape

from duecare.kit.errors import UserError

app = typer.Typer(
    name="duecare",
    help="duecare: lawful, humane delinquency management.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# Domain modules that contribute commands, in help order. A module that is absent is skipped.
COMMAND_MODULES = (
    "duecare.ledger.cli",       # generate, ingest
    "duecare.batch.cli",        # run, features, decide
    "duecare.policy.cli",       # policy show|test|diff
    "duecare.web.cli",          # serve, demo
    "duecare.contacts.cli",     # worker
    "duecare.visits.cli",       # consent evidence, visits ...
    "duecare.risk.cli",         # risk train|evaluate|score|monitor
    "duecare.speech.cli",       # calls transcribe|analyze
    "duecare.privacy.cli",      # audit verify, keys rotate, retention run
)

err = Console(stderr=True)


def _register_all() -> None:
    for name in COMMAND_MODULES:
        try:
            if importlib.util.find_spec(name) is None:
                continue
            importlib.import_module(name).register(app)
        except Exception as exc:  # noqa: BLE001 — one broken domain must not take every other command down
            err.print(f"[yellow]warning:[/yellow] commands of {name} are unavailable: {exc!r}", highlight=False)


_register_all()


def main() -> None:
    """Entry point: the exit status tells the truth; user errors print whole on stderr and exit with code 2."""
    try:
        code = app(standalone_mode=False)  # returns the code of a `typer.Exit` raised inside a command
    except UserError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("aborted")
        sys.exit(1)
    except typer.TyperException as exc:  # usage errors (typer bundles its own click)
        show = getattr(exc, "show", None)
        if show is None:
            raise
        show()
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
