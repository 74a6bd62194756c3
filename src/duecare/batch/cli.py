"""`duecare features`, `duecare decide` and `duecare run`: one code path for a case file and the nightly batch."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from duecare.kit.asof import parse_as_of

err = Console(stderr=True)


def _print_lines(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        sys.stdout.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")


def register(app: typer.Typer) -> None:
    @app.command("features")
    def features_cmd(
        case: Annotated[Path, typer.Option("--case", help="Case file (JSON, schemas/case.schema.json); - for stdin")],
        strategy: Annotated[str, typer.Option(help="Strategy name or YAML path")] = "standard",
    ) -> None:
        """Print every ageing and contact feature of each loan of a case file (one JSON line per loan)."""
        from duecare.ledger.casefile import load_case
        from duecare.ledger.frames import case_to_frames
        from duecare.policy.evaluator import Policy, decide
        from duecare.policy.output import feature_dict

        c = load_case(case)
        decisions = decide(case_to_frames(c), c.as_of, Policy.default(strategy))
        _print_lines([{"loan_id": r["loan_id"], **feature_dict(r)} for r in decisions.to_dicts()])

    @app.command("decide")
    def decide_cmd(
        case: Annotated[Path, typer.Option("--case", help="Case file (JSON); - for stdin")],
        strategy: Annotated[str, typer.Option(help="Strategy name or YAML path")] = "standard",
    ) -> None:
        """Print the decision for each loan of a case file (one JSON line per loan)."""
        from duecare.ledger.casefile import load_case
        from duecare.ledger.frames import case_to_frames
        from duecare.policy.evaluator import Policy, decide
        from duecare.policy.output import decision_json

        c = load_case(case)
        policy = Policy.default(strategy)
        _print_lines(decision_json(decide(case_to_frames(c), c.as_of, policy), policy))

    @app.command("schema")
    def schema_cmd() -> None:
        """Print the case file's JSON Schema (published as schemas/case.schema.json)."""
        from duecare.ledger.casefile import case_schema

        sys.stdout.write(json.dumps(case_schema(), indent=1, ensure_ascii=False) + "\n")

    @app.command("run")
    def run_cmd(
        as_of: Annotated[str, typer.Option("--as-of", help="Decision moment: YYYY-MM-DD (00:00 UTC) or ISO timestamp")],
        input_dir: Annotated[Path, typer.Option("--input", help="Portfolio directory (docs/data-format.md)")],
        out_dir: Annotated[Path, typer.Option("--out", help="Where features.parquet and decisions.parquet go")],
        strategy: Annotated[str, typer.Option(help="Strategy name or YAML path")] = "standard",
        partitions: Annotated[int, typer.Option(help="Borrower partitions (0 = one per 200k borrowers)")] = 0,
        score: Annotated[bool, typer.Option(help="Score risk with the registered model, if any")] = True,
        recheck_visits: Annotated[bool, typer.Option(
            help="Re-check the gate of every open home visit in the store (when there is one)")] = True,
    ) -> None:
        """The nightly batch: ageing, contact features, risk scores and decisions for every loan; then the gate
        of every open home visit in the operational store is re-checked at the workflow's clock."""
        from duecare.batch.engine import run
        from duecare.policy.evaluator import Policy

        moment = parse_as_of(as_of)
        policy = Policy.default(strategy)
        if partitions <= 0:
            src = input_dir / "borrowers.parquet"
            n = pl.scan_parquet(src).select(pl.len()).collect().item() if src.exists() else 1
            partitions = max(1, -(-n // 200_000))
        scorer = _registered_scorer() if score else None
        with Progress(TextColumn("[bold]duecare run"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("partitions"), TimeElapsedColumn(), console=err) as bar:
            task = bar.add_task("run", total=partitions)
            result = run(input_dir, out_dir, moment, policy, partitions, scorer,
                         progress=lambda done, total: bar.update(task, completed=done, total=total))
        _summary(result)
        _rejected(result.rejected, out_dir)
        sys.stdout.write(json.dumps({
            "rejected_rows": result.rejected.height,
            "rejected_borrowers": result.rejected.get_column("borrower_id").drop_nulls().n_unique(),
            "loans": result.loans, "seconds": round(result.seconds, 2),
            "loans_per_second": round(result.loans / result.seconds) if result.seconds else None,
            "partitions": result.partitions, "out": str(out_dir), "scored": scorer is not None,
            "actions": dict(result.per_action.iter_rows()) if result.per_action.height else {},
            "visits_rechecked": _recheck_visits() if recheck_visits else None,
        }) + "\n")


def _recheck_visits() -> dict[str, Any] | None:
    """The nightly re-check of every open visit (time closes gates too: a notice expires, attempts age out).
    None when there is no operational store to re-check (a file-only run)."""
    from duecare.kit.db import migrate, unit_of_work
    from duecare.kit.settings import get_settings
    from duecare.visits import clock, recheck

    url = get_settings().database_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return None
    migrate(url)
    with unit_of_work(url) as db:
        changes = recheck.sweep(db, clock.now())
    for c in changes:
        err.print(f"visit {c.visit_id}: {c.before} -> {c.after} ({', '.join(c.reasons)})")
    return {"changed": len(changes), "by_state": {s: sum(c.after == s for c in changes)
                                                  for s in sorted({c.after for c in changes})}}


def _registered_scorer() -> Any:
    """The production risk model's scorer (None when no model is trained)."""
    from duecare.risk.batch import registered_scorer

    return registered_scorer()


def _rejected(rejected: pl.DataFrame, out_dir: Path) -> None:
    """Rows set aside tonight (their borrowers were not decided): say so, never stop the run for them."""
    if not rejected.height:
        return
    borrowers = rejected.get_column("borrower_id").drop_nulls().n_unique()
    err.print(f"[yellow]warning:[/yellow] {rejected.height} bad row(s) set aside; {borrowers} borrower(s) not "
              f"decided tonight; fix the rows listed in {out_dir / 'rejected.parquet'}", highlight=False,
              soft_wrap=True)
    for file, row, _bid, reason in rejected.head(10).iter_rows():
        err.print(f"  {file} row {row}: {reason}", highlight=False, markup=False, soft_wrap=True)


def _summary(result: Any) -> None:
    from duecare.ageing.ageing import BUCKETS

    table = Table(title=f"{result.loans:,} loans in {result.seconds:.1f} s")
    table.add_column("bucket")
    table.add_column("loans", justify="right")
    table.add_column("overdue amount", justify="right")
    if result.per_bucket.height:
        by = {r["bucket"]: r for r in result.per_bucket.to_dicts()}
        for b in BUCKETS:
            r = by.get(b, {"loans": 0, "overdue_minor": 0})
            table.add_row(b, f"{r['loans']:,}", f"{r['overdue_minor'] / 100:,.2f}")
    err.print(table)
    if result.per_action.height:
        actions = Table(title="next actions")
        actions.add_column("action")
        actions.add_column("loans", justify="right")
        for action, loans in result.per_action.iter_rows():
            actions.add_row(action, f"{loans:,}")
        err.print(actions)
