"""Policy throughput: decisions/s with full reasons and not_before, against GoRules zen-engine on the same table.

The decision facts (features, holds, visit chain, call history) are computed once; then
  * duecare evaluates the compiled strategy (gate with every unmet code, ladder with every reason,
    guardrails and not_before) over all loans, vectorised;
  * zen-engine evaluates the same ladder and gate, translated to a JDM decision graph (first-hit ladder,
    collect-all gate), loan by loan, on a sample (it has no not_before: it does less work).
Both must agree on every sampled action and unmet list; the ratio of their rates is the figure.

    .venv/bin/python benchmarks/policy.py --loans 1000000
    .venv/bin/python benchmarks/policy.py --case examples/case-visit-schedule.json --calls 200

`--case` measures one decision instead: the case file decided `--calls` times in this process the way
`POST /api/v1/decisions:evaluate` does it (case file to frames, `decide`, the contract's JSON), after a warm-up;
it prints wall-clock and process-CPU ms per call (p50 / p99 / min) and the Polars queries each call runs (every
collect, as benchmarks/pages.py counts them). POLARS_MAX_THREADS=1 makes the CPU figure the work of one core.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).parent))
from _portfolio import peak_rss_mb, portfolio

from duecare.ageing.ageing import zones_of
from duecare.ledger.partitions import partition_bounds, read_partition
from duecare.policy.evaluator import Policy, build_facts, evaluate_facts

BETWEEN = re.compile(r"(\w+) BETWEEN (\S+) AND (\S+)")


def to_zen(sql: str, params: dict) -> str:
    """A strategy SQL condition as a ZEN expression."""
    text = BETWEEN.sub(r"(\1 >= \2 and \1 <= \3)", sql.format(**params))
    text = text.replace("<>", "!=").replace(" AND ", " and ").replace(" OR ", " or ").replace("NOT ", "not ")
    return re.sub(r"(?<![<>!=])=(?!=)", "==", text)


def jdm(policy: Policy) -> tuple[str, str, list[str]]:
    s = policy.strategy
    params = s.params.as_dict()
    gate_rules = [{"_id": f"g{i}", "c": to_zen(g.unmet_when, params), "o": json.dumps(g.code)}
                  for i, g in enumerate(s.visit_gate)]
    track = " and ".join(f"not ({to_zen(g.unmet_when, params)})" for g in s.visit_gate if not g.step)
    gate_open = " and ".join(f"not ({to_zen(g.unmet_when, params)})" for g in s.visit_gate)
    ladder_rules = [{"_id": line.id, "c": to_zen(line.when, params).replace("visit_track", f"({track})")
                     .replace("visit_gate_open", f"({gate_open})"),
                     "a": json.dumps(line.action), "r": json.dumps(line.reason)} for line in s.ladder]
    def graph(table: dict) -> str:
        return json.dumps({
            "nodes": [
                {"id": "in", "type": "inputNode", "name": "facts", "position": {"x": 0, "y": 0}},
                {"id": "t", "type": "decisionTableNode", "name": "table", "position": {"x": 1, "y": 0},
                 "content": table},
                {"id": "out", "type": "outputNode", "name": "decision", "position": {"x": 2, "y": 0}},
            ],
            "edges": [{"id": "e1", "sourceId": "in", "targetId": "t", "type": "edge"},
                      {"id": "e2", "sourceId": "t", "targetId": "out", "type": "edge"}],
        })

    gate = graph({"hitPolicy": "collect", "inputs": [{"id": "c", "name": "unmet when"}],
                  "outputs": [{"id": "o", "name": "code", "field": "code"}], "rules": gate_rules})
    ladder = graph({"hitPolicy": "first", "inputs": [{"id": "c", "name": "when"}],
                    "outputs": [{"id": "a", "name": "action", "field": "action"},
                                {"id": "r", "name": "reason", "field": "reason"}], "rules": ladder_rules})
    texts = [re.sub(r"'[^']*'", "", r["c"]) for r in [*gate_rules, *ladder_rules]]
    used = sorted({w for text in texts for w in re.findall(r"[a-z_][a-z0-9_]*", text)}
                  - {"and", "or", "not", "true", "false"})
    return gate, ladder, used


def one_case(path: Path, calls: int) -> None:
    """Per-call latency and Polars queries of deciding one case file (the API's code path, in process)."""
    from pages import COUNTS, count_polars_queries

    count_polars_queries()
    from duecare.ledger.casefile import CaseFile
    from duecare.ledger.frames import case_to_frames
    from duecare.policy.evaluator import decide
    from duecare.policy.output import decision_json

    case = CaseFile.model_validate_json(path.read_text())
    policy = Policy.default()

    def call() -> None:
        decision_json(decide(case_to_frames(case), case.as_of, policy), policy)

    for _ in range(10):
        call()
    COUNTS["polars"] = 0
    wall, cpu = [], []
    for _ in range(calls):
        t, c = time.perf_counter(), time.process_time()
        call()
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    wall.sort()
    cpu.sort()

    def pct(values: list[float], q: float) -> float:
        return values[min(len(values) - 1, round(q * (len(values) - 1)))]

    print(f"case                  {path.name} ({calls} calls after 10 warm-up)")
    print(f"wall ms per call      p50 {pct(wall, 0.5):7.2f}  p99 {pct(wall, 0.99):7.2f}  min {wall[0]:7.2f}")
    print(f"cpu ms per call       p50 {pct(cpu, 0.5):7.2f}  p99 {pct(cpu, 0.99):7.2f}  min {cpu[0]:7.2f}")
    print(f"polars queries/call   {COUNTS['polars'] / calls:7.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--loans", type=int, default=100_000, help="approximate number of loans")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--as-of", default="2026-11-28")
    ap.add_argument("--zen-sample", type=int, default=50_000)
    ap.add_argument("--case", type=Path, help="measure one decision of this case file instead")
    ap.add_argument("--calls", type=int, default=200, help="with --case: timed calls")
    args = ap.parse_args()
    if args.case is not None:
        one_case(args.case, args.calls)
        return
    accounts = max(1, round(args.loans / 1.18))  # the generator gives about 1.18 loans per borrower
    root = portfolio(accounts, args.seed, args.as_of)
    as_of = datetime.fromisoformat(args.as_of).replace(tzinfo=UTC)
    policy = Policy.default()
    bounds = partition_bounds(root, max(1, -(-accounts // 200_000)))
    facts_parts, zones = [], set()
    t0 = time.perf_counter()
    for lo, hi in bounds:
        frames = read_partition(root, lo, hi)
        zones |= set(zones_of(frames["borrowers"]))
        facts_parts.append(build_facts(frames, as_of, policy))
    facts = pl.concat(facts_parts, how="diagonal_relaxed")
    facts_s = time.perf_counter() - t0
    n = facts.height

    t0 = time.perf_counter()
    decisions = evaluate_facts(facts, policy, sorted(zones))
    ours_s = time.perf_counter() - t0

    import zen

    gate_jdm, ladder_jdm, used = jdm(policy)
    engine = zen.ZenEngine()
    gate, ladder = engine.create_decision(gate_jdm), engine.create_decision(ladder_jdm)
    sample = facts.sample(min(args.zen_sample, n), seed=0).select("loan_id", *used)
    inputs = sample.drop("loan_id").to_dicts()
    t0 = time.perf_counter()
    zen_out = [(ladder.evaluate(row)["result"], gate.evaluate(row)["result"]) for row in inputs]
    zen_s = time.perf_counter() - t0

    ours = decisions.join(sample.select("loan_id"), on="loan_id").select("loan_id", "action", "visit_unmet")
    by_id = {r["loan_id"]: r for r in ours.to_dicts()}
    disagree = 0
    for loan_id, (z, unmet) in zip(sample["loan_id"].to_list(), zen_out, strict=False):
        mine = by_id[loan_id]
        if z["action"] != mine["action"] or [u["code"] for u in unmet] != mine["visit_unmet"]:
            disagree += 1
    ours_rate, zen_rate = n / ours_s, len(inputs) / zen_s
    print(f"loans                 {n:,} ({accounts:,} borrowers, {len(bounds)} partitions)")
    print(f"facts (features etc.) {facts_s:8.1f} s   {n / facts_s:>12,.0f} loans/s")
    print(f"duecare evaluator     {ours_s:8.2f} s   {ours_rate:>12,.0f} decisions/s  (gate, every reason, not_before)")
    print(f"zen-engine {zen.__name__:<10} {zen_s:8.2f} s   {zen_rate:>12,.0f} decisions/s  ({len(inputs):,} sampled loans, ladder+gate)")
    print(f"ratio duecare/zen     {ours_rate / zen_rate:8.1f}x")
    print(f"end to end            {n / (facts_s + ours_s):>21,.0f} decisions/s incl. features")
    print(f"agreement (action+gate)  {len(inputs) - disagree:,}/{len(inputs):,}")
    print(f"peak memory           {peak_rss_mb():8.0f} MB")
    if disagree:
        sys.exit(1)


if __name__ == "__main__":
    main()
