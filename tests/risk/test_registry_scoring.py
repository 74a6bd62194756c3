"""Registry artifacts are JSON / LightGBM text; scoring never unpickles; score_frame adds bands and reasons."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest
from babel.core import get_global

from duecare.risk import challenger, registry
from duecare.risk.scorecard import ScorecardSpec
from duecare.risk.scoring import band_cutoffs, predict, score_frame


def _refuse(*_: object, **__: object) -> None:
    raise AssertionError("scoring must not unpickle anything")


def test_a_registered_scorecard_scores_without_any_unpickling(tmp_path: Path, german_card: ScorecardSpec,
                                                              german_xy: tuple[pl.DataFrame, np.ndarray],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    x, _y = german_xy
    p, _ = predict(x, german_card)
    saved = registry.save(german_card, "gc", {"target": "bad", "cutoffs": band_cutoffs(p)}, tmp_path)
    # Babel's own locale data (a pickle shipped inside the Babel wheel, read once per process) is loaded before the
    # guard: the reason texts need it, and the test is about the model file, not the i18n library's data.
    get_global("likely_subtags")
    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, _refuse)
    monkeypatch.setattr(pd, "read_pickle", _refuse)
    loaded = registry.load("gc", root=tmp_path)
    scored = score_frame(x, loaded)
    assert saved.version == loaded.version == "1"
    assert np.allclose(scored.get_column("risk_score").to_numpy(), p)
    assert set(scored.get_column("risk_band").unique()) == {"low", "medium", "high"}
    assert scored.get_column("reason_codes").list.len().max() == 3
    assert scored.get_column("reasons_zh").list.first().str.contains("评分").all()
    files = sorted(f.name for f in (tmp_path / "gc" / "1").iterdir())
    assert files == ["metadata.json", "scorecard.json"]


def test_bands_follow_the_score_and_the_cutoffs(german_card: ScorecardSpec,
                                                german_xy: tuple[pl.DataFrame, np.ndarray], tmp_path: Path) -> None:
    x, _ = german_xy
    p, _ = predict(x, german_card)
    cut = band_cutoffs(p)
    assert cut["high"] >= max(np.quantile(p, 0.8), 2 * p.mean()) - 1e-12
    model = registry.save(german_card, "gc", {"target": "bad", "cutoffs": cut}, tmp_path)
    scored = score_frame(x, model)
    by_band = scored.group_by("risk_band").agg(lo=pl.col("risk_score").min(), hi=pl.col("risk_score").max())
    spans = {r["risk_band"]: (r["lo"], r["hi"]) for r in by_band.to_dicts()}
    assert spans["low"][1] < cut["medium"] <= spans["medium"][0]
    assert spans["medium"][1] < cut["high"] <= spans["high"][0]


def test_reason_codes_explain_a_flag_and_are_the_same_as_for_every_row(
        german_card: ScorecardSpec, german_xy: tuple[pl.DataFrame, np.ndarray], tmp_path: Path) -> None:
    """Reasons are given for the medium and high bands (the flag they explain), an empty list for the low band,
    and for a flagged row they are exactly what scoring every row gives (`all_reasons`)."""
    x, _ = german_xy
    p, every = predict(x, german_card)
    model = registry.save(german_card, "gc", {"target": "bad", "cutoffs": band_cutoffs(p)}, tmp_path)
    flagged_only = score_frame(x, model)
    everyone = score_frame(x, model, all_reasons=True)
    low = flagged_only.get_column("risk_band") == "low"
    assert 0 < int(low.sum()) < x.height
    assert (flagged_only.filter(low).get_column("reason_codes").list.len() == 0).all()
    assert (flagged_only.filter(low).get_column("reasons_en").list.len() == 0).all()
    assert flagged_only.filter(~low).get_column("reason_codes").to_list() == \
        every.filter(~low).to_list() == everyone.filter(~low).get_column("reason_codes").to_list()
    assert everyone.get_column("reason_codes").to_list() == every.to_list()
    assert (everyone.filter(low).get_column("reason_codes").list.len() > 0).any()


def test_a_rare_target_does_not_put_near_zero_risk_in_the_high_band() -> None:
    p = np.r_[np.full(970, 0.001), np.linspace(0.3, 0.9, 30)]
    assert band_cutoffs(p)["high"] >= 2 * p.mean()


def test_lightgbm_round_trips_through_its_text_format(tmp_path: Path,
                                                      german_xy: tuple[pl.DataFrame, np.ndarray]) -> None:
    x, y = german_xy
    gbm = challenger.fit_gbm(x, y, rounds=60)
    before = challenger.probability(x, gbm)
    model = registry.save(gbm, "gbm", {"target": "bad", "cutoffs": band_cutoffs(before)}, tmp_path)
    assert (tmp_path / "gbm" / "1" / "model.txt").read_text().startswith("tree")
    scored = score_frame(x, model)
    assert np.allclose(scored.get_column("risk_score").to_numpy(), before)
    assert registry.load("gbm", root=tmp_path).metadata["code_version"]


def test_scoring_a_table_without_the_model_features_names_them(german_card: ScorecardSpec, tmp_path: Path) -> None:
    from duecare.kit.errors import UserError

    model = registry.save(german_card, "gc", {"target": "bad", "cutoffs": {"medium": 0.2, "high": 0.5}}, tmp_path)
    with pytest.raises(UserError, match="duration_in_month"):
        score_frame(pl.DataFrame({"x": [1]}), model)
