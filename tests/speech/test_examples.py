"""The published worked examples are reproduced exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from duecare.speech.analysis import analyze_transcript

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"  # the repository's copies of the worked examples


@pytest.mark.parametrize("name", ["transcript-zh", "transcript-en"])
def test_worked_example_output_is_exactly_the_expected_file(name: str) -> None:
    transcript = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    expected = json.loads((EXAMPLES / f"{name}.expected.json").read_text(encoding="utf-8"))
    assert analyze_transcript(transcript) == expected
