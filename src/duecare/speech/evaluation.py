"""Scores of the call analyser against labelled calls: per-label precision/recall/F1, promise accuracy."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from duecare.speech.analysis import INTENTS, analyze_transcript
from duecare.speech.qa import CODES, DISCLOSURE_CODES


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    calls: int = 0
    exact: int = 0
    labels: dict[str, Counts] = field(default_factory=dict)
    promises: int = 0
    dates_right: int = 0
    amounts_right: int = 0
    hardships: int = 0
    categories_right: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def macro_f1(self, names: Iterable[str]) -> float:
        names = list(names)
        return sum(self.labels[n].f1 for n in names) / len(names)

    def summary(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "exact_match": round(self.exact / self.calls, 3) if self.calls else None,
            "intent_macro_f1": round(self.macro_f1(INTENTS), 3),
            "qa_violation_macro_f1": round(self.macro_f1(CODES), 3),
            "qa_disclosure_macro_f1": round(self.macro_f1(DISCLOSURE_CODES), 3),
            "promise_date_accuracy": round(self.dates_right / self.promises, 3) if self.promises else None,
            "promise_amount_accuracy": round(self.amounts_right / self.promises, 3) if self.promises else None,
            "promises": self.promises,
            "hardship_category_accuracy": round(self.categories_right / self.hardships, 3) if self.hardships else None,
            "per_label": {n: {"precision": round(c.precision, 3), "recall": round(c.recall, 3), "f1": round(c.f1, 3),
                              "support": c.tp + c.fn} for n, c in self.labels.items()},
        }


def _count(report: Report, name: str, predicted: set[Any], expected: set[Any]) -> None:
    counts = report.labels[name]
    counts.tp += len(predicted & expected)
    counts.fp += len(predicted - expected)
    counts.fn += len(expected - predicted)


def score(pairs: Iterable[tuple[str, dict[str, Any], dict[str, Any]]]) -> Report:
    """Compare the analyser with the expected output of each (id, transcript, expected)."""
    report = Report(labels={n: Counts() for n in (*INTENTS, *CODES, *DISCLOSURE_CODES)})
    for call_id, transcript, expected in pairs:
        got = analyze_transcript(transcript)
        report.calls += 1
        report.exact += got == expected
        if got != expected:
            report.errors.append({"id": call_id, "got": got, "expected": expected})
        for name in INTENTS:
            _count(report, name, {1} if name in got["intents"] else set(), {1} if name in expected["intents"] else set())
        for code in CODES:
            _count(report, code, {v["turn"] for v in got["violations"] if v["code"] == code},
                   {v["turn"] for v in expected["violations"] if v["code"] == code})
        for code in DISCLOSURE_CODES:
            _count(report, code, {1} if code in got["missing_disclosures"] else set(),
                   {1} if code in expected["missing_disclosures"] else set())
        if expected["promise"]:
            report.promises += 1
            mine = got["promise"] or {}
            report.dates_right += mine.get("date") == expected["promise"]["date"]
            report.amounts_right += mine.get("amount") == expected["promise"]["amount"]
        if expected["hardship"]:
            report.hardships += 1
            report.categories_right += got["hardship"] == expected["hardship"]
    return report


def load_dev_set(root: Path, split: str = "all", lang: str | None = None) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """The labelled calls of data/calls (index.jsonl names each call's language and split).

    `tune`, `heldout` and `all` read the development set (data/calls/dev); `fresh` reads the separately written
    split in data/calls/fresh (its own index.jsonl), which is never part of `all`; `probe` is a small second unseen
    set in the same folder, written after the fixes made on `fresh`. `probe2`, `probe3` and `probe4` are further unseen
    sets, each in its own folder (data/calls/probe2, …) with its own index.jsonl.
    """
    own = split in ("probe2", "probe3", "probe4")
    separate = own or split in ("fresh", "probe")
    folder = root / (split if own else "fresh" if separate else "dev")
    index = folder / "index.jsonl" if separate else root / "index.jsonl"
    rows = [json.loads(line) for line in index.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = []
    for row in rows:
        if (split != "all" and row["split"] != split) or (lang and row["lang"] != lang):
            continue
        transcript = json.loads((folder / f"{row['id']}.json").read_text(encoding="utf-8"))
        expected = json.loads((folder / f"{row['id']}.expected.json").read_text(encoding="utf-8"))
        out.append((row["id"], transcript, expected))
    return out
