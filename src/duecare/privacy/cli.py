"""Commands: `audit verify`, `keys rotate|status`, `retention run`, `users add`."""

from __future__ import annotations

import json
import sys
from datetime import date

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from duecare.kit import clock
from duecare.kit.db import get_engine, migrate, unit_of_work
from duecare.kit.errors import UserError

err = Console(stderr=True)
audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)
keys_app = typer.Typer(help="Encryption keys of personal fields.", no_args_is_help=True)
retention_app = typer.Typer(help="Retention schedules: anonymise what the law no longer lets us keep.",
                            no_args_is_help=True)  # fmt: skip
users_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)


def _out(obj: object) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the keyed chain and compare it with the signed checkpoints; exit 1 naming the first problem."""
    from duecare.privacy.audit import verify_chain
    from duecare.privacy.checkpoints import chain_label, checkpoint_path, read_checkpoints

    migrate()
    with unit_of_work() as db:
        count, problem = verify_chain(db)
        marks, _ = read_checkpoints(chain_label(db))
    _out({"events": count, "ok": problem is None, "first_bad_seq": problem.seq if problem else None,
          "checkpoints": len(marks), "checkpoint_file": str(checkpoint_path())})
    if problem is not None:
        err.print(f"[red]audit chain broken:[/red] {escape(str(problem))}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    err.print(f"audit chain intact: {count} events, {len(marks)} signed checkpoints agree")


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign the chain's current head into the checkpoint file (each commit does this too; run it from cron)."""
    from duecare.privacy.audit import checkpoint_now
    from duecare.privacy.checkpoints import checkpoint_path

    migrate()
    with unit_of_work() as db:
        seq, head = checkpoint_now(db)
    _out({"seq": seq, "hash": head, "checkpoint_file": str(checkpoint_path())})


@keys_app.command("rotate")
def keys_rotate(
    batch: int = typer.Option(500, min=1, help="Rows per transaction."),
    retire_old: bool = typer.Option(
        False, "--retire-old", help="Afterwards drop keys no value uses any more."
    ),
) -> None:
    """Add a new key, make it active and re-encrypt every personal field (old keys stay readable meanwhile)."""
    from duecare.privacy.keys import add_active_key, count_rows, reencrypt_all, retire_old_keys

    migrate()
    engine = get_engine()
    ring = add_active_key()
    err.print(f"new active key {ring.active}; re-encrypting (old keys stay readable until this finishes)")
    total = count_rows(engine)
    with Progress(TextColumn("re-encrypting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err) as progress:  # fmt: skip
        task = progress.add_task("rows", total=total)
        report = reencrypt_all(engine, batch=batch, advance=lambda n: progress.advance(task, n))
    result = report.as_json()
    if retire_old:
        result["retired_keys"] = retire_old_keys(engine)
    _out(result)


@keys_app.command("status")
def keys_status() -> None:
    """Which key is active and how many stored values each key encrypts."""
    from duecare.kit.fields import get_keyring
    from duecare.privacy.keys import keys_in_use

    migrate()
    ring = get_keyring()
    _out({"active": ring.active, "keys": sorted(ring.keys), "values_by_key": keys_in_use(get_engine())})


@retention_app.command("run")
def retention_run(
    as_of: str = typer.Option(
        None, "--as-of", help="Date to judge retention on, YYYY-MM-DD (default: today, UTC)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Report only; change nothing."),
) -> None:
    """Anonymise borrowers past their pack's retention period (unless held, owing or with a request open)."""
    from duecare.privacy.retention import run_retention

    try:
        day = date.fromisoformat(as_of) if as_of else clock.now().date()
    except ValueError:
        raise UserError(f"--as-of {as_of!r} is not a date; write it as YYYY-MM-DD") from None
    migrate()
    with unit_of_work() as db:
        verdicts = run_retention(db, day, dry_run=dry_run)
    summary: dict[str, dict[str, int]] = {}
    for v in verdicts:
        if v.action != "keep":
            _out(v.as_json())
        row = summary.setdefault(v.jurisdiction, {"anonymise": 0, "keep": 0, "already_anonymised": 0})
        row[v.action] += 1
    _out({"as_of": day.isoformat(), "dry_run": dry_run, "by_jurisdiction": summary})
    verb = "would anonymise" if dry_run else "anonymised"
    err.print(f"{verb} {sum(s['anonymise'] for s in summary.values())} borrowers; "
              f"kept {sum(s['keep'] for s in summary.values())}")  # fmt: skip


@users_app.command("add")
def users_add(
    username: str = typer.Argument(..., help="Sign-in name."),
    role: str = typer.Option(
        ..., "--role", help="agent, field_agent, supervisor, compliance, analyst or admin"
    ),
    staff_id: str = typer.Option(None, "--id", help="Staff id (default: the username)."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin."),
) -> None:
    """Create a staff account (the password is read from stdin or prompted, never taken as an argument)."""
    from duecare.privacy.auth import create_staff

    password = (
        sys.stdin.readline().rstrip("\n")
        if password_stdin
        else typer.prompt("password", hide_input=True, confirmation_prompt=True)
    )
    migrate()
    with unit_of_work() as db:
        user = create_staff(db, id=staff_id or username, username=username, password=password, role=role)
        _out({"id": user.id, "username": user.username, "role": user.role})


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
    app.add_typer(keys_app, name="keys")
    app.add_typer(retention_app, name="retention")
    app.add_typer(users_app, name="users")
