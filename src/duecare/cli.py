"""The one `duecare` command. Each domain's commands are imported only when one of them runs.

`COMMANDS` is the explicit table: command name -> its one-line help and the function that imports its domain's
`register(app)` (a plain `from ... import`, so mypy and import-linter see every edge). `duecare --help` lists
the table without importing any domain; running a command imports that one domain. A domain that fails to
import fails the command that needs it, loudly; `tests/test_cli_table.py` keeps the table and the domains in
step (every name is registered by its domain, with the same help).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from duecare.kit.errors import UserError

Register = Callable[[typer.Typer], None]


def _ledger() -> Register:
    from duecare.ledger.cli import register
    from duecare.policy import promises  # noqa: F401 - settles the promises made here when ingest writes payments
    return register


def _batch() -> Register:
    from duecare.batch.cli import register
    return register


def _policy() -> Register:
    from duecare.policy.cli import register
    return register


def _app() -> Register:
    from duecare.app.cli import register
    return register


def _demo() -> Register:
    from duecare.demo.cli import register
    return register


def _contacts() -> Register:
    from duecare.contacts.cli import register
    from duecare.visits import delivery  # noqa: F401 - registers the visit workflow's messages with the worker
    return register


def _visits() -> Register:
    from duecare.visits.cli import register
    return register


def _payments() -> Register:
    from duecare.payments.cli import register
    return register


def _risk() -> Register:
    from duecare.risk.cli import register
    return register


def _speech() -> Register:
    from duecare.speech.cli import register
    return register


def _simulate() -> Register:
    from duecare.simulate.cli import register
    return register


def _privacy() -> Register:
    from duecare.privacy.cli import register
    from duecare.tables import load_all_models

    load_all_models()  # key rotation and retention walk every table
    return register


@dataclass(frozen=True)
class Entry:
    help: str
    domain: Callable[[], Register]


# In help order. The help text is what `duecare --help` shows without importing the domain.
COMMANDS: dict[str, Entry] = {
    "ingest": Entry("Load a portfolio directory into the store; re-running adds nothing twice.",
                    _ledger),
    "generate": Entry("Generate a synthetic portfolio with known behaviour segments (truth.parquet).", _ledger),
    "features": Entry("Print every ageing and contact feature of each loan of a case file (one JSON line per loan).",
                      _batch),
    "decide": Entry("Print the decision for each loan of a case file (one JSON line per loan).", _batch),
    "schema": Entry("Print the case file's JSON Schema (published as schemas/case.schema.json).", _batch),
    "run": Entry("The nightly batch: the promises of the operational store are settled first (kept, broken or "
                 "open from the payments); the store's own records (made in the console, the portal, the visit workflow; open "
                 "holds; stated preferences) are merged into the lender's files, so the night decides on the facts the "
                 "store's pages decide on; then ageing, contact features, risk scores and decisions for every loan; then the "
                 "gate of every open home visit in the operational store is re-checked at the workflow's clock. A run that was "
                 "interrupted resumes at the partitions it had not written when started again with the same input.",
                 _batch),
    "serve": Entry("Serve the borrower portal, the staff console and the API.", _app),
    "demo": Entry("Generate, ingest, run the batch, create demo users, then serve.", _demo),
    "worker": Entry("Deliver contact tasks: claim, re-check at send time, deliver once, record outcomes "
                    "(Ctrl-C stops).", _contacts),
    "outbox": Entry("The contact outbox: enqueue decisions, inspect and retry tasks.", _contacts),
    "payments": Entry("Portal payments through the lender's payment provider.", _payments),
    "policy": Entry("Jurisdiction packs and strategies: show, test, diff, coverage, lint.", _policy),
    "simulate": Entry("Simulate strategies day by day over a synthetic portfolio with the real decision engine; "
                      "compare recovery, cost, visits and complaints with confidence intervals.", _simulate),
    "optimise": Entry("Search a strategy's lender-choice parameters (never a pack rule or a gate condition) for net "
                      "recovery under caps, scored on held-out seeds (needs optuna).", _simulate),
    "visits": Entry("The home-visit workflow.", _visits),
    "consent": Entry("Consent registry.", _visits),
    "risk": Entry("Risk models: train, evaluate, score, monitor, fairness.", _risk),
    "calls": Entry("Call analytics: transcription, call understanding, agent QA.", _speech),
    "audit": Entry("The tamper-evident audit trail.", _privacy),
    "keys": Entry("Encryption keys of personal fields.", _privacy),
    "retention": Entry("Retention schedules: anonymise what the law no longer lets us keep.", _privacy),
    "users": Entry("Staff accounts.", _privacy),
}

_loaded: dict[Callable[[], Register], TyperGroup] = {}


def domain_commands(domain: Callable[[], Register]) -> TyperGroup:
    """Every command one domain registers, as a click group (its module imported now, once)."""
    if domain not in _loaded:
        sub = typer.Typer()
        domain()(sub)
        _loaded[domain] = typer.main.get_group(sub)
    return _loaded[domain]


def load_command(name: str) -> Any:
    """The real command for a table entry; a domain that does not register it is a bug, raised as such."""
    entry = COMMANDS[name]
    command = domain_commands(entry.domain).commands.get(name)
    if command is None:
        raise RuntimeError(f"duecare.cli.COMMANDS lists {name!r} but its domain's register() does not add it")
    return command


class LazyGroup(TyperGroup):
    """Lists the table; imports a domain only to run (or show the help of) one of its commands."""

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        if self._listing:  # the top-level help needs the name and one line, not the domain
            return typer.core.TyperCommand(cmd_name, help=entry.help, short_help=entry.help)
        return load_command(cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    name="duecare",
    help="duecare: lawful, humane delinquency management.",
    cls=LazyGroup,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(ctx: typer.Context) -> None:
    """duecare: lawful, humane delinquency management."""
    from duecare.bootstrap import build
    from duecare.kit import clock

    root = build()  # the composition root: settings, clock, policy, scorer, channels, code sender
    ctx.obj = root  # commands whose domain sits below a part they need take it from here
    ctx.with_resource(clock.use(root.clock))  # every command runs on the root's clock


err = Console(stderr=True)


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
