"""`duecare policy show|test|diff`: read packs with their sources, run embedded examples, compare strategies."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from duecare.policy.model import RuleRefs

err = Console(stderr=True)
policy_app = typer.Typer(help="Jurisdiction packs and strategies: show, test, diff, coverage, lint.",
                         no_args_is_help=True)


@policy_app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="Pack (cn, us, uk) or strategy (standard) name, or a YAML path")] = "cn",
    lang: Annotated[str, typer.Option(help="Description language: en or zh")] = "en",
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout")] = False,
) -> None:
    """Print a pack's rules with their sources and confidence, or a strategy's ladder and gate."""
    from duecare.policy.loader import PACK_NAMES, load_pack, load_strategy

    out = Console()
    if name in PACK_NAMES or name.endswith((".yaml", ".yml")) and "packs" in name:
        pack = load_pack(name)
        if as_json:
            sys.stdout.write(json.dumps({"pack": pack.pack, "version": pack.version, "rules": [
                r.__dict__ for r in pack.rules]}, ensure_ascii=False) + "\n")
            return
        table = Table(title=f"{pack.name[lang]} — pack {pack.pack} v{pack.version}", show_lines=True)
        for col in ("rule", "applies", "conf.", "requirement", "source"):
            table.add_column(col, overflow="fold")
        for r in pack.rules:
            label = r.description[lang] + (" [lender choice]" if r.lender_choice else "")
            table.add_row(r.id, ",".join(r.scope), r.confidence, label, r.source)
        out.print(table)
        out.print("Confidence: P primary text read; Q quoted verbatim; S secondary only; U unconfirmed "
                  "(only as a labelled lender choice).")
        return
    strategy = load_strategy(name)
    if as_json:
        sys.stdout.write(json.dumps(strategy.definition(), ensure_ascii=False) + "\n")
        return
    table = Table(title=f"strategy {strategy.strategy} v{strategy.version} — first matching line decides")
    for col in ("line", "when", "action", "reason", "rules"):
        table.add_column(col, overflow="fold")
    params = strategy.params.as_dict()
    for line in strategy.ladder:
        table.add_row(line.id, line.when.format(**params), line.action, line.reason, _refs(line.rules))
    out.print(table)
    gate = Table(title="visit gate (unmet when)")
    for col in ("code", "condition", "rules"):
        gate.add_column(col, overflow="fold")
    for gate_line in strategy.visit_gate:
        gate.add_row(gate_line.code, gate_line.unmet_when.format(**params), _refs(gate_line.rules))
    out.print(gate)
    own = Table(title="the lender's own rules (not law)", show_lines=True)
    for col in ("rule", "description", "source"):
        own.add_column(col, overflow="fold")
    for rule in strategy.rules:
        own.add_row(rule.id, rule.description.zh if lang == "zh" else rule.description.en, rule.source)
    out.print(own)


def _refs(spec: RuleRefs | None) -> str:
    """The rules a line names, per pack: `cn: a, b; us: c`."""
    return "; ".join(f"{pack}: {', '.join(ids)}" for pack, ids in (spec.per_pack() if spec else {}).items())


@policy_app.command("test")
def test(
    strategy: Annotated[str, typer.Option(help="Strategy name or YAML path")] = "standard",
) -> None:
    """Run the strategy's embedded example cases, then the plan rules' examples (`plan:` names); exit 1 if any
    result differs from its expectation."""
    from duecare.policy.evaluator import Policy
    from duecare.policy.examples import run_examples
    from duecare.policy.plans import run_plan_examples

    results = run_examples(Policy.default(strategy))
    failed = [r for r in results if not r.ok]
    for r in results:
        sys.stdout.write(json.dumps({"example": r.name, "ok": r.ok, "failures": r.failures},
                                    ensure_ascii=False) + "\n")
    err.print(f"{len(results) - len(failed)}/{len(results)} examples pass"
              + (f"; failing: {', '.join(r.name for r in failed)}" if failed else ""))
    plan = run_plan_examples()
    plan_failed = [r for r in plan if not r.ok]
    for p in plan:
        sys.stdout.write(json.dumps({"example": f"plan:{p.name}", "ok": p.ok, "failures": p.failures},
                                    ensure_ascii=False) + "\n")
    err.print(f"{len(plan) - len(plan_failed)}/{len(plan)} plan-rule examples pass"
              + (f"; failing: {', '.join(p.name for p in plan_failed)}" if plan_failed else ""))
    if failed or plan_failed:
        raise typer.Exit(1)


@policy_app.command("diff")
def diff(
    ctx: typer.Context,
    old: Annotated[str, typer.Option("--old", help="Current strategy (name or YAML path)")],
    new: Annotated[str, typer.Option("--new", help="Proposed strategy (name or YAML path)")],
    input_dir: Annotated[Path, typer.Option("--input", help="Portfolio directory")],
    as_of: Annotated[str, typer.Option("--as-of", help="YYYY-MM-DD or ISO timestamp")],
    examples: Annotated[int, typer.Option(help="Example loan ids per change")] = 5,
    simulate: Annotated[bool, typer.Option("--simulate", help="Also simulate both strategies over the portfolio "
                                           "(needs its truth.parquet): recovery, cost, visits, complaints")] = False,
    days: Annotated[int, typer.Option(help="With --simulate: days to simulate")] = 60,
    seeds: Annotated[int, typer.Option(help="With --simulate: seeds (95% intervals over them)")] = 3,
) -> None:
    """How many loans change action from the old strategy to the new one, grouped from→to."""
    from duecare.kit.asof import parse_as_of
    from duecare.policy.diff import policy_diff
    from duecare.policy.evaluator import Policy

    table = policy_diff(Policy.default(old), Policy.default(new), input_dir, parse_as_of(as_of),
                        examples=examples)
    changed = table.filter("changed")
    view = Table(title=f"{old} → {new}: {changed['loans'].sum() or 0:,} of {table['loans'].sum() or 0:,} loans change action")
    for col in ("from", "to", "loans", "example loan ids"):
        view.add_column(col)
    for row in changed.to_dicts():
        view.add_row(row["from_action"], row["to_action"], f"{row['loans']:,}", ", ".join(row["example_loan_ids"]))
    err.print(view)
    for row in table.to_dicts():
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    if simulate:
        outcome = ctx.find_root().obj.simulate_diff(old, new, input_dir, days, seeds)
        sim = Table(title=f"simulated {days} days × {seeds} seeds: mean, and new − old with its 95% interval")
        for col in ("metric", old, new, "new − old"):
            sim.add_column(col)
        for name, cell in outcome["metrics"].items():
            d = cell["difference"]
            sim.add_row(name, f"{cell['old']['mean']:,.2f}", f"{cell['new']['mean']:,.2f}",
                        f"{d['mean']:,.2f} ± {d['half_width']:,.2f}")
        err.print(sim)
        sys.stdout.write(json.dumps({"simulation": outcome}, ensure_ascii=False, default=str) + "\n")


@policy_app.command("coverage")
def coverage_cmd(
    strategy: Annotated[str, typer.Option(help="Strategy name or YAML path")] = "standard",
    pack: Annotated[str | None, typer.Option(help="Only this pack (cn, us, uk)")] = None,
) -> None:
    """Each rule of each pack (and the strategy's own rules): where it acts and the examples that show it firing
    and silent. JSON lines on stdout; exit 1 if a rule that decides something lacks a firing or a silent example,
    or a pack has fewer than 20 examples."""
    from duecare.policy.coverage import coverage, examples_per_pack
    from duecare.policy.evaluator import Policy
    from duecare.policy.examples import run_examples

    policy = Policy.default(strategy)
    results = run_examples(policy)
    rows = [r for r in coverage(policy, results) if pack is None or r.pack == pack]
    view = Table(title=f"policy coverage ({strategy})", show_lines=False)
    for col in ("pack", "rule", "conf.", "where", "firing", "silent"):
        view.add_column(col, overflow="fold")
    for r in rows:
        sys.stdout.write(json.dumps(r.as_json(), ensure_ascii=False) + "\n")
        mark = "" if r.complete else " [missing]"
        view.add_row(r.pack, r.rule + mark, r.confidence, r.where,
                     str(len(r.firing)), str(len(r.silent)))
    err.print(view)
    counts = examples_per_pack(results)
    gaps = [r for r in rows if not r.complete]
    few = {p: n for p, n in counts.items() if (pack is None or p == pack) and n < 20}
    err.print(f"examples per pack: {counts}; rules that decide: {sum(r.decides for r in rows)}, "
              f"without a firing and a silent example: {len(gaps)}")
    if gaps or few or any(not r.ok for r in results):
        raise typer.Exit(1)


@policy_app.command("lint")
def lint_cmd(
    strategy: Annotated[str, typer.Option(help="Strategy name or YAML path")] = "standard",
) -> None:
    """Check that every cited rule id exists and that each pack's rules match the regulations table (ids,
    confidence, source, wording, scope); exit 1 with every problem listed."""
    from duecare.policy.evaluator import Policy
    from duecare.policy.lint import lint

    problems = lint(Policy.default(strategy))
    for problem in problems:
        sys.stdout.write(json.dumps({"problem": problem}, ensure_ascii=False) + "\n")
    err.print(f"{len(problems)} problem(s)" if problems else "packs, strategy and regulations agree")
    if problems:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(policy_app, name="policy")
