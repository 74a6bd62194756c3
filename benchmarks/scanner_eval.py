"""Precision and recall of the visit report scanner on its labelled set, per category and overall.

    PYTHONPATH=src python benchmarks/scanner_eval.py [--set labelled|tuning2|heldout|heldout2] [--misses]

Sets (tests/visits/data/), each loan-relevant sentences that must pass (no labels) and out-of-scope personal
data that must be refused (its categories):
- `labelled` (186), written before the scanner was first tuned, and `tuning2` (87), written before the second
  round: the scanner was tuned on these two.
- `heldout` (64), written after the first round and before the scanner first ran on it, and `heldout2` (55),
  written before the second round: never tuned on (print their misses only to report them, never to tune).
"Refuse" scores the decision a report gets (any finding vs none); the categories score what a refusal names.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "tests" / "visits" / "data"
SET = DATA / "scanner_labelled.jsonl"
HELD_OUT = DATA / "scanner_heldout.jsonl"  # written after tuning on SET, before running the scanner on it
SETS = {"labelled": SET, "tuning2": DATA / "scanner_tuning2.jsonl", "heldout": HELD_OUT,
        "heldout2": DATA / "scanner_heldout2.jsonl"}
OWN = {"cn": ["+86 138 0013 8000"], "us": ["+1 202 555 0143"], "uk": ["+44 7700 900123"]}


def load(path: Path = SET) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate(rows: list[dict[str, Any]]) -> dict[str, Any]:
    from duecare.visits.scanner import categories

    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    misses = []
    for row in rows:
        got = categories(row["text"], OWN[row["pack"]], row["pack"])
        want = set(row["labels"])
        for code in got & want:
            tp[code] += 1
        for code in got - want:
            fp[code] += 1
        for code in want - got:
            fn[code] += 1
        refuse_got, refuse_want = bool(got), bool(want)
        tp["refuse"] += refuse_got and refuse_want
        fp["refuse"] += refuse_got and not refuse_want
        fn["refuse"] += refuse_want and not refuse_got
        if got != want:
            misses.append({"text": row["text"], "want": sorted(want), "got": sorted(got)})
    table = {}
    for code in sorted(set(tp) | set(fp) | set(fn)):
        p = tp[code] / (tp[code] + fp[code]) if tp[code] + fp[code] else 1.0
        r = tp[code] / (tp[code] + fn[code]) if tp[code] + fn[code] else 1.0
        table[code] = {"precision": round(p, 3), "recall": round(r, 3), "tp": tp[code], "fp": fp[code],
                       "fn": fn[code]}
    total_tp = sum(v for k, v in tp.items() if k != "refuse")
    total_fp = sum(v for k, v in fp.items() if k != "refuse")
    total_fn = sum(v for k, v in fn.items() if k != "refuse")
    micro = {"precision": round(total_tp / max(total_tp + total_fp, 1), 3),
             "recall": round(total_tp / max(total_tp + total_fn, 1), 3)}
    return {"sentences": len(rows), "must_pass": sum(1 for r in rows if not r["labels"]),
            "categories": table, "micro": micro, "misses": misses}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--misses", action="store_true", help="print every sentence the scanner got wrong")
    ap.add_argument("--held-out", action="store_true", help="score the held-out set instead (= --set heldout)")
    ap.add_argument("--set", choices=sorted(SETS), default="labelled", help="which labelled set to score")
    args = ap.parse_args()
    rows = load(SETS["heldout" if args.held_out else args.set])
    start = time.perf_counter()
    result = evaluate(rows)
    elapsed = time.perf_counter() - start
    print(f"{result['sentences']} sentences ({result['must_pass']} must pass), {elapsed:.2f} s", file=sys.stderr)
    print(f"{'category':<20} {'precision':>9} {'recall':>7} {'tp':>4} {'fp':>4} {'fn':>4}")
    for code, m in result["categories"].items():
        print(f"{code:<20} {m['precision']:>9.3f} {m['recall']:>7.3f} {m['tp']:>4} {m['fp']:>4} {m['fn']:>4}")
    print(f"{'micro (categories)':<20} {result['micro']['precision']:>9.3f} {result['micro']['recall']:>7.3f}")
    if args.misses:
        for miss in result["misses"]:
            print(json.dumps(miss, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
