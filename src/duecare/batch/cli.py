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
from duecare.kit.errors import UserError

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
        ctx: typer.Context,
        as_of: Annotated[str, typer.Option("--as-of", help="Decision moment: YYYY-MM-DD (00:00 UTC) or ISO timestamp")],
        input_dir: Annotated[Path, typer.Option("--input", help="Portfolio directory (docs/data-format.md)")],
        out_dir: Annotated[Path, typer.Option("--out", help="Where features.parquet and decisions.parquet go")],
        strategy: Annotated[str, typer.Option(help="Strategy name or YAML path")] = "standard",
        partitions: Annotated[int, typer.Option(
            help="Borrower partitions (0 = from --memory-limit, else one per 200k borrowers, 50k on Spark)")] = 0,
        memory_limit: Annotated[str | None, typer.Option(
            "--memory-limit", help="Peak memory to stay under, e.g. 4GB or 800MB: picks the partition count")] = None,
        engine: Annotated[str, typer.Option(help="polars (this machine) or spark (pyspark; see docs/spark.md)")]
        = "polars",
        spark_master: Annotated[str | None, typer.Option(
            "--spark-master", help="Spark master for --engine spark (default: spark-submit's, else local[2])")]
        = None,
        score: Annotated[bool, typer.Option(help="Score risk with the registered model, if any")] = True,
        reasons: Annotated[str, typer.Option(
            help="Risk reason codes in features.parquet: 'decided' for the loans whose decision the model made "
                 "(its score or band decided the strategy line), 'flagged' for every loan in the medium or high "
                 "band (TreeSHAP for each: slower)")] = "decided",
        recheck_visits: Annotated[bool, typer.Option(
            help="Re-check the gate of every open home visit in the store (when there is one)")] = True,
        settle_promises: Annotated[bool, typer.Option(
            help="Settle the store's promises (kept, broken, open) before deciding (when there is a store)")] = True,
        merge_store: Annotated[bool, typer.Option(
            "--merge-store/--files-only",
            help="Decide on the lender's files plus what the store holds besides them: promises, contact limits, "
                 "holds, consents, notices, visits recorded here (when there is a store)")] = True,
    ) -> None:
        """The nightly batch: the promises of the operational store are settled first (kept, broken or open from
        the payments); the store's own records (made in the console, the portal, the visit workflow; open holds;
        stated preferences) are merged into the lender's files, so the night decides on the facts the store's
        pages decide on; then ageing, contact features, risk scores and decisions for every loan; then the gate
        of every open home visit in the operational store is re-checked at the workflow's clock. A run that was
        interrupted resumes at the partitions it had not written when started again with the same input."""
        from duecare.batch.engine import partitions_for
        from duecare.policy.evaluator import Policy

        moment = parse_as_of(as_of)
        policy = Policy.default(strategy)
        if engine not in ("polars", "spark"):
            raise UserError(f"unknown engine {engine!r}: choose polars or spark", place="--engine")
        limit = _bytes(memory_limit) if memory_limit else None
        if partitions <= 0:
            src = input_dir / "borrowers.parquet"
            csv = input_dir / "borrowers.csv"
            n = pl.scan_parquet(src).select(pl.len()).collect().item() if src.exists() else \
                pl.scan_csv(csv).select(pl.len()).collect().item() if csv.exists() else 1
            # Spark holds a partition's rows in the JVM as well as in the Python worker: smaller partitions
            # (the 1M benchmark ran out of a 2 GB driver heap with 200k borrowers per partition, 2 tasks at once)
            partitions = partitions_for(n, limit, default_size=SPARK_PARTITION_BORROWERS if engine == "spark"
                                        else 200_000)
        if reasons not in ("decided", "flagged"):
            raise UserError(f"unknown --reasons {reasons!r}: choose decided or flagged", place="--reasons")
        scorer = ctx.obj.scorer if score else None  # the composition root's (duecare/bootstrap.py)
        if scorer is not None and hasattr(scorer, "explaining"):
            scorer = scorer.explaining(reasons)
        # before anything is decided: the store's promises as they stand tonight
        settled = _settle_promises() if settle_promises else None
        store = _store_records() if merge_store else None
        if engine == "spark":
            result = _run_spark(input_dir, out_dir, moment, policy, partitions, scorer, spark_master, store)
        else:
            result = _run_polars(input_dir, out_dir, moment, policy, partitions, scorer, store)
        _summary(result)
        _rejected(result.rejected, out_dir)
        sys.stdout.write(json.dumps({
            "rejected_rows": result.rejected.height,
            "rejected_borrowers": result.rejected.get_column("borrower_id").drop_nulls().n_unique(),
            "loans": result.loans, "seconds": round(result.seconds, 2),
            "loans_per_second": round(result.loans / result.seconds) if result.seconds else None,
            "partitions": result.partitions, "resumed_partitions": result.resumed, "engine": engine,
            "out": str(out_dir), "scored": scorer is not None,
            "actions": dict(result.per_action.iter_rows()) if result.per_action.height else {},
            "promises_settled": settled,
            "store_records": None if store is None else {
                k: v.height for k, v in sorted(store.items()) if v.height},
            "visits_rechecked": _recheck_visits() if recheck_visits else None,
        }) + "\n")


def _run_polars(input_dir: Path, out_dir: Path, moment: Any, policy: Any, partitions: int, scorer: Any,
                store: Any) -> Any:
    from duecare.batch.engine import run

    with Progress(TextColumn("[bold]duecare run"), TextColumn("{task.description}"), BarColumn(),
                  MofNCompleteColumn(), TextColumn("partitions"), TimeElapsedColumn(), console=err) as bar:
        task = bar.add_task("staging input", total=partitions)
        return run(input_dir, out_dir, moment, policy, partitions, scorer,
                   progress=lambda done, total: bar.update(task, completed=done, total=total,
                                                           description="deciding"), store=store)


def _run_spark(input_dir: Path, out_dir: Path, moment: Any, policy: Any, partitions: int, scorer: Any,
               master: str | None, store: Any) -> Any:
    try:
        from duecare.batch.spark import run_spark
    except ImportError as exc:
        raise UserError(f"the spark engine needs pyspark ({exc.name} is not installed): "
                        "pip install 'duecare[spark]' (and Java 17+)", place="--engine") from exc
    err.print(f"duecare run: spark engine, {partitions} borrower partition(s), master "
              f"{master or 'spark-submit/local[2]'}", highlight=False)
    try:
        return run_spark(input_dir, out_dir, moment, policy, partitions, scorer, master=master, store=store)
    except Exception as exc:  # a failed Spark job arrives as a Py4J/Spark error carrying the JVM's trace
        if "OutOfMemoryError" not in str(exc):
            raise
        raise UserError(f"Spark ran out of memory with {partitions} partition(s): give more partitions "
                        f"(--partitions {partitions * 4}) or more driver/executor memory "
                        "(DUECARE_SPARK_DRIVER_MEMORY, spark.executor.memory; docs/spark.md)",
                        place="--engine spark") from None


SPARK_PARTITION_BORROWERS = 50_000  # default partition size on the Spark engine (docs/spark.md, partition sizing)

UNITS = {"": 1, "B": 1, "KB": 2**10, "MB": 2**20, "GB": 2**30, "TB": 2**40,
         "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def _bytes(text: str) -> int:
    """`4GB`, `800MB`, `4g` → bytes; anything else is a user error naming the option."""
    import re

    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", text)
    unit = found.group(2).upper() if found else ""
    if not found or unit not in UNITS or float(found.group(1)) <= 0:
        raise UserError(f"cannot read {text!r} as an amount of memory: write e.g. 4GB or 800MB",
                        place="--memory-limit")
    return int(float(found.group(1)) * UNITS[unit])


def _store_url() -> str | None:
    """The operational store's URL, or None when there is none (a file-only run)."""
    from duecare.kit.settings import get_settings

    url = get_settings().database_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return None
    return url


def _settle_promises() -> dict[str, Any] | None:
    """Every promise made here settled again at the store's clock (policy/promises.py), one vectorised pass,
    committed before the decisions are made: a promise whose day passed without the money is `broken` and no
    longer holds collection (`ptp_pending`). None when there is no operational store."""
    from duecare.kit import clock
    from duecare.kit.db import migrate, unit_of_work
    from duecare.policy.promises import settle_store

    url = _store_url()
    if url is None:
        return None
    migrate(url)
    with unit_of_work(url) as db:
        changed = settle_store(db, clock.now())
    by_status = dict(changed.group_by("status").len().sort("status").iter_rows()) if changed.height else {}
    return {"changed": changed.height, "by_status": by_status}


def _store_records() -> dict[str, pl.DataFrame] | None:
    """The store's own records for the night (ledger.repository.store_records), read once after the promises
    were settled; None when there is no operational store (a file-only run)."""
    from duecare.kit.db import migrate, unit_of_work
    from duecare.ledger.repository import store_records

    url = _store_url()
    if url is None:
        return None
    migrate(url)
    with unit_of_work(url) as db:
        return store_records(db)


def _recheck_visits() -> dict[str, Any] | None:
    """The nightly re-check of every open visit (time closes gates too: a notice expires, attempts age out).
    None when there is no operational store to re-check (a file-only run)."""
    from duecare.kit import clock
    from duecare.kit.db import migrate, unit_of_work
    from duecare.visits import recheck

    url = _store_url()
    if url is None:
        return None
    migrate(url)
    with unit_of_work(url) as db:
        changes = recheck.sweep(db, clock.now())
    for c in changes:
        err.print(f"visit {c.visit_id}: {c.before} -> {c.after} ({', '.join(c.reasons)})")
    return {"changed": len(changes), "by_state": {s: sum(c.after == s for c in changes)
                                                  for s in sorted({c.after for c in changes})}}


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
