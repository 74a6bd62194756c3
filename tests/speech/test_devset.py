"""Regression guard on the labelled development set (figures are printed by benchmarks/calls.py)."""

from __future__ import annotations

from pathlib import Path

from duecare.speech.analysis import INTENTS
from duecare.speech.evaluation import load_dev_set, score
from duecare.speech.qa import CODES

ROOT = Path(__file__).resolve().parents[2] / "data" / "calls"


def test_dev_set_has_enough_calls_in_each_language_and_covers_every_label() -> None:
    calls = load_dev_set(ROOT)
    langs = [t["lang"] for _, t, _ in calls]
    assert langs.count("zh") >= 150 and langs.count("en") >= 100
    seen = {i for _, _, e in calls for i in e["intents"]} | {v["code"] for _, _, e in calls for v in e["violations"]}
    assert seen >= set(INTENTS) | set(CODES)


def test_dev_set_macro_f1_stays_above_the_guard() -> None:
    report = score(load_dev_set(ROOT))
    assert report.macro_f1(INTENTS) >= 0.85
    assert report.macro_f1(CODES) >= 0.85
    assert report.dates_right / report.promises >= 0.85 and report.amounts_right / report.promises >= 0.85
