"""`duecare optimise`: the command around `simulate.optimise` (writes the strategy, its examples and reports)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from duecare.kit.errors import UserError
from duecare.kit.i18n import N_, translate

err = Console(stderr=True)


TUNED = N_("{strategy} with lender-choice parameters tuned by `duecare optimise` ({when}); on held-out seeds net "
           "recovery {new_net} vs {cur_net}, visits {new_visits} vs {cur_visits}, complaints {new_complaints} vs "
           "{cur_complaints} (simulated).")


def _examples_failing(strategy: Any) -> list[str]:
    from duecare.policy.evaluator import Policy
    from duecare.policy.examples import run_examples
    from duecare.policy.loader import all_packs

    return [r.name for r in run_examples(Policy(all_packs(), strategy)) if not r.ok]


def optimise_cmd(
    ctx: typer.Context,
    input_dir: Annotated[Path, typer.Option("--input", help="Portfolio directory written by `duecare generate`")],
    strategy: Annotated[str, typer.Option(help="Strategy name or YAML path to improve")] = "standard",
    budget: Annotated[int, typer.Option(help="Number of candidate strategies to simulate")] = 30,
    days: Annotated[int, typer.Option(help="Days per simulation")] = 60,
    train_seeds: Annotated[int, typer.Option(help="Seeds each candidate is scored on")] = 2,
    test_seeds: Annotated[int, typer.Option(help="Held-out seeds the winner and the current strategy are scored on")] = 5,
    accounts: Annotated[int | None, typer.Option(help="Only the first N borrowers of the portfolio")] = None,
    max_visits: Annotated[float | None, typer.Option(help="Cap on visits per run (default: the current strategy's)")] = None,
    max_complaints: Annotated[float | None, typer.Option(help="Cap on complaints per run (default: current)")] = None,
    max_contacts: Annotated[float | None, typer.Option(
        "--max-contacts-per-borrower", help="Cap on contacts per borrower in arrears (default: current)")] = None,
    params_file: Annotated[Path | None, typer.Option("--params", help="A copy of simulate/params.yaml to use")] = None,
    out: Annotated[Path | None, typer.Option(help="Where to write the strategy and reports "
                                                  "(default: <data dir>/simulations)")] = None,
    score: Annotated[bool, typer.Option(help="Score risk each simulated day with the registered model, as the "
                                             "nightly batch does (if one is trained)")] = True,
) -> None:
    """Search the strategy's lender-choice parameters for the highest net recovery within the caps."""
    from duecare.policy.evaluator import Policy
    from duecare.policy.loader import load_strategy, strategy_from_definition
    from duecare.simulate.inputs import out_dir, portfolio_of
    from duecare.simulate.optimise import diff_text, optimise, strategy_yaml
    from duecare.simulate.params import load_params
    from duecare.simulate.report import KIND_OPTIMISATION, _clean, model_id, save, stamp

    if budget < 1:
        raise UserError("must be at least 1", place="--budget")
    if train_seeds < 1 or test_seeds < 2:
        raise UserError("at least 1 training seed and 2 held-out seeds", place="--train-seeds/--test-seeds")
    base = load_strategy(strategy)
    portfolio = portfolio_of(input_dir, accounts, None)
    params = load_params(params_file)
    train = list(range(1, train_seeds + 1))
    held_out = list(range(1001, 1001 + test_seeds))
    scorer = ctx.obj.scorer if score else None  # the composition root's (duecare/bootstrap.py), as the batch's
    err.print(f"optimising {base.strategy}: {budget} candidates × {train_seeds} training seeds × {days} days on "
              f"{portfolio.size:,} accounts; held-out seeds {held_out}")
    outcome = optimise(portfolio, base, params, budget=budget, days=days, train=train, held_out=held_out,
                       caps={"visits": max_visits, "complaints": max_complaints, "contacts_per_borrower": max_contacts},
                       examples=_examples_failing,
                       progress=lambda n, v: err.print(f"  trial {n}: net recovery {v:,.0f}"), scorer=scorer)
    when = stamp()
    directory = out_dir(out)
    directory.mkdir(parents=True, exist_ok=True)
    best = outcome.strategy
    held = {r["strategy"]: r["metrics"] for r in outcome.held_out.rows}
    cur, new = held[base.strategy], held[best.strategy]
    raw = best.definition()
    raw["version"] = f"{base.version}+opt{when}"
    figures = {"strategy": base.strategy, "when": when, "new_net": f"{new['net_recovery']['mean']:,.0f}",
               "cur_net": f"{cur['net_recovery']['mean']:,.0f}", "new_visits": f"{new['visits']['mean']:.1f}",
               "cur_visits": f"{cur['visits']['mean']:.1f}", "new_complaints": f"{new['complaints']['mean']:.1f}",
               "cur_complaints": f"{cur['complaints']['mean']:.1f}"}
    raw["description"] = {language: translate(language, TUNED, **figures) for language in ("en", "zh")}
    examples_src = (base.path.parent if base.path else Path(str(load_strategy("standard").path)).parent) \
        / (base.examples_file or "standard.examples.yaml")
    examples_name = f"{best.strategy}.examples.yaml"
    raw["examples_file"] = examples_name
    path = directory / f"{best.strategy}.yaml"
    shutil.copyfile(Path(str(examples_src)), directory / examples_name)
    written = strategy_from_definition(raw, place=str(path), path=path)
    path.write_text("# Written by `duecare optimise`: only lender-choice parameters differ from "
                    f"{base.strategy} v{base.version}.\n" + strategy_yaml(written), encoding="utf-8")
    load_strategy.cache_clear()
    check = load_strategy(str(path))  # the schema accepts it
    Policy.default(str(path))
    diff = diff_text(base, written)
    report = _clean({
        "kind": KIND_OPTIMISATION, "created_at": when, "strategy": base.strategy, "written": str(path),
        "portfolio": str(input_dir), "accounts": portfolio.size, "days": days, "budget": budget,
        "train_seeds": train, "held_out_seeds": held_out, "caps": outcome.caps, "best": outcome.best,
        "changes": {k: [v0, outcome.best[k]] for k, v0 in _current(base).items() if outcome.best[k] != v0},
        "held_out": outcome.held_out.rows, "examples_failed": outcome.examples_failed,
        "rejected_for_examples": outcome.rejected_for_examples, "diff": diff, "trials": outcome.trials,
        "version": check.version, "risk_model": model_id(scorer),
    })
    json_path, html_path = save(report, directory, f"opt-{when}")
    for name, m in held.items():
        err.print(f"held-out {name}: net {m['net_recovery']['mean']:,.0f} ± {m['net_recovery']['half_width']:,.0f}, "
                  f"visits {m['visits']['mean']:.1f}, complaints {m['complaints']['mean']:.1f}")
    err.print(diff or "no change: the current strategy was the best feasible candidate")
    err.print(f"strategy: {path}\nreport: {html_path}")
    sys.stdout.write(json.dumps({"strategy": str(path), "report": str(json_path), "changes": report["changes"],
                                 "held_out": report["held_out"]}, ensure_ascii=False) + "\n")


def _current(base: Any) -> dict[str, Any]:
    from duecare.simulate.optimise import Space

    return Space(base).current()
