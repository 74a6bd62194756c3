"""Simulator speed: wall time of accounts × days × strategies × seeds, and what it implies for the target.

The target (issue #19) is 100,000 accounts × 90 days × 3 strategies × 5 seeds in ≤ 10 minutes on this 2-core
machine. Each simulated day evaluates the real strategy (gate, ladder, guardrails, caps) on the facts of the
borrowers who may need a decision (in arrears, or an installment due from yesterday to the pre-due window); the
ageing and contact features behind those facts are kept day over day (simulate/incremental.py), so the cost
grows with the arrears book, not with the history. Runs (strategy × seed) spread over `--workers` processes.
The load average and the CPU seconds are printed: on a shared machine the wall time is an upper bound, and the
CPU time over the usable cores says what the same work takes with the cores to itself.

Each simulated day's loans are scored by the batch's risk scorer (the composition root's: the latest registered
`early_warning` model under the data directory, as `duecare run` and `duecare demo` use it) when one is trained;
`--no-score` measures without it, `--rescore-days N` scores a loan afresh only every N days (and when it moves
between current and arrears).

    .venv/bin/python benchmarks/simulate.py --accounts 100000 --days 90 --seeds 5 --workers 2
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _portfolio import peak_rss_mb, portfolio

from duecare.simulate.params import load_params
from duecare.simulate.report import model_id
from duecare.simulate.run import run_many
from duecare.simulate.variants import DEFAULT_COMPARISON, named
from duecare.simulate.world import load_portfolio


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--accounts", type=int, default=20_000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--strategies", default=",".join(DEFAULT_COMPARISON))
    ap.add_argument("--seed", type=int, default=42, help="portfolio seed")
    ap.add_argument("--as-of", default="2026-12-01")
    ap.add_argument("--workers", type=int, default=2, help="processes running strategy × seed runs")
    ap.add_argument("--score", action=argparse.BooleanOptionalAction, default=True,
                    help="score each day with the registered risk model (default: yes, if one is trained)")
    ap.add_argument("--rescore-days", type=int, default=None, help="params.yaml rescore_days (default: its value)")
    args = ap.parse_args()
    from duecare.bootstrap import build

    scorer = build().scorer if args.score else None
    directory = portfolio(args.accounts, args.seed, args.as_of)
    loaded = time.perf_counter()
    world = load_portfolio(directory)
    load_s = time.perf_counter() - loaded
    params = load_params()
    if args.rescore_days is not None:
        params = params.scaled(["rescore_days"], args.rescore_days / float(params["rescore_days"]))
    variants = [named(s) for s in args.strategies.split(",")]
    load_before = os.getloadavg()
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    jobs = [(variant, params, seed) for variant in variants for seed in range(1, args.seeds + 1)]

    def done(job: tuple, result: object) -> None:
        print(json.dumps({"strategy": job[0].name, "seed": job[2], "done_after_s": round(time.perf_counter() - started, 1),
                          "in_arrears": int(result.metrics["borrowers_in_arrears"]),
                          "pre_due_reminders": int(result.metrics["pre_due_reminders"])}), file=sys.stderr)

    results = run_many(world, jobs, args.days, workers=args.workers, done=done, scorer=scorer)
    wall = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before  # this process and its finished workers, every thread
    units = args.accounts * args.days * len(variants) * args.seeds
    target_units = 100_000 * 90 * 3 * 5
    cores = min(args.workers, os.cpu_count() or 1)
    print(json.dumps({
        "accounts": args.accounts, "days": args.days, "strategies": len(variants), "seeds": args.seeds,
        "workers": args.workers, "risk_model": model_id(scorer), "rescore_days": int(params["rescore_days"]),
        "pre_due_reminders_per_run": round(sum(r.metrics["pre_due_reminders"] for r in results) / len(results), 1),
        "wall_seconds": round(wall, 1), "load_seconds": round(load_s, 2),
        "seconds_per_simulated_day": round(wall / (args.days * len(variants) * args.seeds), 3),
        "cpu_seconds": round(cpu, 1),
        "extrapolated_target_minutes": round(wall / units * target_units / 60, 1),
        "extrapolated_target_minutes_from_cpu": round(cpu / units * target_units / cores / 60, 1),
        "extrapolation": "linear in accounts × days × strategies × seeds (the day's work scales with the arrears "
                         "book, a fixed share of accounts; day 0 decides every account and costs more, so fewer "
                         "days overstate the figure). From wall time: what this machine gave while busy. From CPU "
                         "time: CPU seconds (all threads, this process and its workers) over the cores the workers "
                         "can use, i.e. the wall time with the cores to ourselves",
        "load_average_before": [round(x, 1) for x in load_before],
        "load_average_after": [round(x, 1) for x in os.getloadavg()], "cpus": os.cpu_count(),
        "peak_rss_mb": round(peak_rss_mb()),
    }))


def _cpu_seconds() -> float:
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    main()
