"""`duecare policy show|test|diff`: read packs with their sources, run embedded examples, compare strategies."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

err = Console(stderr=True)
policy_app = typer.Typer(help="Jurisdiction packs and strategies: show, test, diff.", no_args_is_help=True)


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
        sys.stdout.write(json.dumps(strategy.raw, ensure_ascii=False) + "\n")
        return
    table = Table(title=f"strategy {strategy.strategy} v{strategy.version} — first matching line decides")
    for col in ("line", "when", "action", "reason", "rules"):
        table.add_column(col, overflow="fold")
    for line in strategy.raw["ladder"]:
        table.add_row(line["id"], line["when"].format(**strategy.params), line["action"], line["reason"],
                      _refs(line))
    out.print(table)
    gate = Table(title="visit gate (unmet when)")
    for col in ("code", "condition", "rules"):
        gate.add_column(col, overflow="fold")
    for line in strategy.raw["visit_gate"]:
        gate.add_row(line["code"], line["unmet_when"].format(**strategy.params), _refs(line))
    out.print(gate)
    own = Table(title="the lender's own rules (not law)", show_lines=True)
    for col in ("rule", "description", "source"):
        own.add_column(col, overflow="fold")
    for rule in strategy.raw.get("rules", []):
        own.add_row(rule["id"], rule["description"][lang], rule["source"])
    out.print(own)


def _refs(line: dict[str, Any]) -> str:
    """The rules a line names, per pack: `cn: a, b; us: c`."""
    spec: dict[str, list[str]] = line.get("rules") or {}
    return "; ".join(f"{pack}: {', '.join(ids)}" for pack, ids in spec.items())


@policy_app.command("test")
def test(
    strategy: Annotated[str, typer.Option(help="Strategy name or YAML path")] = "standard",
) -> None:
    """Run the strategy's embedded example cases; exit 1 if any decision differs from its expectation."""
    from duecare.policy.evaluator import Policy
    from duecare.policy.examples import run_examples

    results = run_examples(Policy.default(strategy))
    failed = [r for r in results if not r.ok]
    for r in results:
        sys.stdout.write(json.dumps({"example": r.name, "ok": r.ok, "failures": r.failures},
                                    ensure_ascii=False) + "\n")
    err.print(f"{len(results) - len(failed)}/{len(results)} examples pass"
              + (f"; failing: {', '.join(r.name for r in failed)}" if failed else ""))
    if failed:
        raise typer.Exit(1)


@policy_app.command("diff")
def diff(
    old: Annotated[str, typer.Option("--old", help="Current strategy (name or YAML path)")],
    new: Annotated[str, typer.Option("--new", help="Proposed strategy (name or YAML path)")],
    input_dir: Annotated[Path, typer.Option("--input", help="Portfolio directory")],
    as_of: Annotated[str, typer.Option("--as-of", help="YYYY-MM-DD or ISO timestamp")],
    examples: Annotated[int, typer.Option(help="Example loan ids per change")] = 5,
) -> None:
    """How many loans change action from the old strategy to the new one, grouped from→to."""
    from duecare.batch.cli import parse_as_of
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


def register(app: typer.Typer) -> None:
    app.add_typer(policy_app, name="policy")
