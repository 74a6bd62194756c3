"""`duecare simulate` and `duecare optimise`: what a strategy would do, before it is released."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from duecare.simulate.inputs import check_counts, out_dir, portfolio_of

err = Console(stderr=True)


def simulate_cmd(
    ctx: typer.Context,
    input_dir: Annotated[Path, typer.Option("--input", help="Portfolio directory written by `duecare generate`")],
    strategy: Annotated[list[str] | None, typer.Option(
        "--strategy", help="Strategy name or YAML path; `remote-only`, `NAME:remote-only`, or `visit-all-60` (the "
        "labelled counterfactual). Repeat to compare; default: standard, remote-only, visit-all-60")] = None,
    days: Annotated[int, typer.Option(help="Days to simulate")] = 90,
    seeds: Annotated[int, typer.Option(help="Seeds per strategy (confidence intervals need at least 2)")] = 5,
    first_seed: Annotated[int, typer.Option(help="First seed; seeds are consecutive")] = 1,
    accounts: Annotated[int | None, typer.Option(help="Only the first N borrowers of the portfolio")] = None,
    start: Annotated[str | None, typer.Option(help="First simulated day (default: the day after the last event)")] = None,
    params_file: Annotated[Path | None, typer.Option("--params", help="A copy of simulate/params.yaml to use")] = None,
    sensitivity: Annotated[bool, typer.Option(help="Also move each main parameter group ±25% (first strategy)")] = False,
    sensitivity_seeds: Annotated[int, typer.Option(help="Seeds per sensitivity point")] = 3,
    out: Annotated[Path | None, typer.Option(help="Report directory (default: <data dir>/simulations)")] = None,
    score: Annotated[bool, typer.Option(help="Score risk each simulated day with the registered model, as the "
                                             "nightly batch does (if one is trained)")] = True,
) -> None:
    """Day by day over a synthetic portfolio: the real decision engine decides, borrowers answer as their true
    segment does. Prints the comparison (mean ± 95% interval over seeds) and writes JSON and HTML reports."""
    from duecare.simulate.compare import PREVENTION, compare
    from duecare.simulate.compare import sensitivity as run_sensitivity
    from duecare.simulate.params import load_params
    from duecare.simulate.report import model_id, prevention_rows, save, simulation_report, stamp, table_rows
    from duecare.simulate.variants import DEFAULT_COMPARISON, named

    check_counts(days, seeds)
    portfolio = portfolio_of(input_dir, accounts, start)
    params = load_params(params_file)
    variants = [named(s) for s in (strategy or DEFAULT_COMPARISON)]
    seed_list = list(range(first_seed, first_seed + seeds))
    scorer = ctx.obj.scorer if score else None  # the composition root's (duecare/bootstrap.py), as the batch's
    err.print(f"simulating {portfolio.size:,} accounts × {days} days × {len(variants)} strategies × {seeds} seeds "
              f"from {portfolio.start}; risk scores: {model_id(scorer) or 'none (no registered model, or --no-score)'}")
    comparison = compare(portfolio, variants, params, days, seed_list,
                         progress=lambda name, seed: err.print(f"  {name} seed {seed} done"), scorer=scorer)
    sens = None
    if sensitivity:
        sens = run_sensitivity(portfolio, variants[0], params, days, seed_list[:sensitivity_seeds],
                               progress=lambda group, _: err.print(f"  sensitivity {group} done"), scorer=scorer)
    from duecare.simulate.gap import gap_lines, recovery_gap

    baseline = next((v.name for v in variants if not v.lawful), None)
    gap = recovery_gap(portfolio, comparison, variants[0].name, baseline) \
        if baseline is not None and variants[0].lawful else None
    report = simulation_report(comparison, portfolio=str(input_dir), accounts=portfolio.size,
                               start=portfolio.start.isoformat(), sensitivity=sens,
                               params_file=str(params_file or ""), recovery_gap=gap, risk_model=model_id(scorer))
    json_path, html_path = save(report, out_dir(out), f"sim-{stamp()}")
    view = Table(title=f"{days} days, {seeds} seeds: mean ± 95% interval")
    for col in ("strategy", "recovered", "cost", "net", "visits", "reach./vuln. visits", "complaints",
                "days to cure", "cure rate", "known w/o visit", "contacts/borrower"):
        view.add_column(col, overflow="fold")
    for row in table_rows(report):
        view.add_row(*row)
    err.print(view)
    prevented = Table(title="arrears and arrears prevented (money in major units; paired rows: difference to the "
                      "first strategy, same seeds)")
    for col in ("strategy", *PREVENTION):
        prevented.add_column(col, overflow="fold")
    for row in prevention_rows(report):
        prevented.add_row(*row)
    err.print(prevented)
    for name, r in report["against_counterfactual"].items():
        err.print(f"{name}: keeps {r['recovery_share']:.1%} of the counterfactual's recovery with "
                  + (f"{r['visit_share']:.1%}" if r["visit_share"] is not None else "n/a") + " of its visits")
    if report["recovery_gap"] is not None:
        for line in gap_lines(report["recovery_gap"]):
            err.print(line, markup=False)
    err.print(f"report: {html_path}")
    sys.stdout.write(json.dumps({"report": str(json_path), "html": str(html_path),
                                 "strategies": report["strategies"],
                                 "against_counterfactual": report["against_counterfactual"]},
                                ensure_ascii=False) + "\n")


def register(app: typer.Typer) -> None:
    app.command("simulate", help="Simulate strategies day by day over a synthetic portfolio with the real decision "
                "engine; compare recovery, cost, visits and complaints with confidence intervals.")(simulate_cmd)
    from duecare.simulate.optimise_cli import optimise_cmd

    app.command("optimise", help="Search a strategy's lender-choice parameters (never a pack rule or a gate "
                "condition) for net recovery under caps, scored on held-out seeds (needs optuna).")(optimise_cmd)
