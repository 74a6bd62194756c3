"""Tune the semantic QA layer's THRESHOLD and MARGIN (duecare.speech.semantic) on the tuning splits only.

    .venv/bin/python benchmarks/calls_semantic_tune.py [--splits tune,fresh,probe,probe2]

For every agent turn (third-party disclosure is structural and stays with the rules), prints for a grid of
thresholds and margins: the layer alone — turn-level precision/recall of "this turn is a violation" and of the exact
code — and what it would add on top of the rules: right findings on turns the rules missed, wrong findings on
turns the rules left (correctly) clean. Never pass heldout, probe3 or probe4 here.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from duecare.speech import semantic
from duecare.speech.evaluation import load_dev_set
from duecare.speech.qa import _turn_finding
from duecare.speech.transcript import parse_transcript, sentences

ROOT = Path(__file__).resolve().parents[1] / "data" / "calls"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--splits", default="tune,fresh,probe,probe2")
    args = parser.parse_args()
    rows = []  # (gold code or None, rule code or None, [sentences])
    for split in args.splits.split(","):
        assert split not in ("heldout", "probe3", "probe4"), "unseen splits are not for tuning"
        for _, data, expected in load_dev_set(ROOT, split):
            t = parse_transcript(data)
            gold = {v["turn"]: v["code"] for v in expected["violations"]}
            for turn in t.turns:
                if turn.speaker != "agent" or gold.get(turn.index) == "third_party_disclosure":
                    continue
                rule = _turn_finding(t, turn)
                rows.append((gold.get(turn.index), rule.code if rule else None, sentences(turn.text, t.lang)))
    texts = sorted({s for _, _, ss in rows for s in ss})
    start = time.perf_counter()
    match = dict(zip(texts, semantic.nearest(texts), strict=False))
    took = time.perf_counter() - start
    print(f"agent turns={len(rows)} violations={sum(g is not None for g, _, _ in rows)} sentences={len(texts)} "
          f"embed {1000 * took / len(texts):.1f} ms/sentence")
    print(f"{'thr':>5} {'margin':>6} | {'alone P':>7} {'alone R':>7} {'code acc':>8} | {'added right':>11} {'added wrong':>11}")
    for threshold in (0.86, 0.87, 0.88, 0.89, 0.90, 0.91, 0.92):
        for margin in (0.0, 0.01, 0.02, 0.03, 0.05):
            tp = fp = fn = code_ok = added_right = added_wrong = 0
            for gold, rule, ss in rows:
                hits = [match[s] for s in ss if semantic.flags(match[s], threshold, margin)]
                best = max(hits, key=lambda m: m.score) if hits else None
                if best and gold:
                    tp += 1
                    code_ok += best.code == gold
                elif best:
                    fp += 1
                elif gold:
                    fn += 1
                if best and rule is None:
                    if gold == best.code:
                        added_right += 1
                    else:
                        added_wrong += 1
            p = tp / (tp + fp) if tp + fp else 1.0
            r = tp / (tp + fn) if tp + fn else 1.0
            print(f"{threshold:5.2f} {margin:6.2f} | {p:7.3f} {r:7.3f} {code_ok / tp if tp else 0:8.3f} | {added_right:11d} {added_wrong:11d}")


if __name__ == "__main__":
    main()
