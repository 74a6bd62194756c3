"""Versioned model artifacts on disk: <root>/<name>/<version>/ with a model file and metadata.json.

Scorecards are stored as scorecard.json, LightGBM as its native text format model.txt plus model.json;
nothing is pickled, so loading a model never executes code from the artifact.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from duecare.kit import clock
from duecare.kit.errors import UserError
from duecare.kit.settings import get_settings
from duecare.risk.challenger import GbmModel
from duecare.risk.scorecard import ScorecardSpec


@dataclass(frozen=True)
class RiskModel:
    """A loaded model: its scorer (scorecard spec or booster) and its metadata (features, cut-offs, ...)."""

    name: str
    version: str
    scorer: ScorecardSpec | GbmModel
    metadata: dict[str, Any]

    @property
    def features(self) -> list[str]:
        return list(self.scorer.features)

    @property
    def cutoffs(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.metadata["cutoffs"].items()}


def default_root() -> Path:
    """`DUECARE_MODELS_DIR`, else the data directory's `models/`."""
    s = get_settings()
    return s.models_dir or s.data_dir / "models"


def frame_hash(frame: pl.DataFrame) -> str:
    """sha256 of the training table's content (row hashes, order-sensitive) and its schema."""
    digest = hashlib.sha256(str(frame.schema).encode())
    digest.update(frame.hash_rows(seed=0).to_numpy().tobytes())
    return digest.hexdigest()


def code_version() -> str:
    """The git commit of the code that trained the model, or the package version outside a checkout."""
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True,
                             cwd=Path(__file__).parent, timeout=5).stdout.strip()
        return f"git:{sha}"
    except (OSError, subprocess.SubprocessError):
        from duecare import __version__

        return f"duecare:{__version__}"


def _versions(directory: Path) -> list[int]:
    return sorted(int(p.name) for p in directory.glob("*") if p.is_dir() and p.name.isdigit())


def save(scorer: ScorecardSpec | GbmModel, name: str, metadata: dict[str, Any], root: Path | None = None) -> RiskModel:
    """Write a new version (previous + 1) of the model; returns it as loaded from disk."""
    base = (root or default_root()) / name
    base.mkdir(parents=True, exist_ok=True)
    version = str((_versions(base) or [0])[-1] + 1)
    target = base / version
    target.mkdir()
    if isinstance(scorer, ScorecardSpec):
        (target / "scorecard.json").write_text(json.dumps(scorer.to_dict(), indent=1, ensure_ascii=False))
        kind = "scorecard"
    else:
        (target / "model.txt").write_text(scorer.booster.model_to_string(num_iteration=scorer.booster.best_iteration or -1))
        (target / "model.json").write_text(json.dumps(scorer.to_dict(), indent=1, ensure_ascii=False))
        kind = "lightgbm"
    meta = {"name": name, "version": version, "kind": kind, "features": list(scorer.features),
            "trained_at": clock.now().isoformat(timespec="seconds"), "code_version": code_version(),
            **metadata}
    (target / "metadata.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False, default=str))
    return load(name, version, root)


def latest_version(name: str, root: Path | None = None) -> str | None:
    """The newest version of `name` in the registry, None when there is none (a directory listing, no loading)."""
    base = (root or default_root()) / name
    versions = _versions(base) if base.is_dir() else []
    return str(versions[-1]) if versions else None


def load(name: str, version: str | None = None, root: Path | None = None) -> RiskModel:
    """Read a model version (the latest if none is given) from its JSON / LightGBM text files."""
    base = (root or default_root()) / name
    versions = _versions(base) if base.is_dir() else []
    if not versions:
        raise UserError(f"no model named {name!r} in {base.parent} (train one: duecare risk train)")
    chosen = version or str(versions[-1])
    directory = base / chosen
    if not (directory / "metadata.json").exists():
        raise UserError(f"model {name!r} has no version {chosen}; versions: {', '.join(map(str, versions))}")
    metadata = json.loads((directory / "metadata.json").read_text())
    scorer: ScorecardSpec | GbmModel
    if metadata["kind"] == "scorecard":
        scorer = ScorecardSpec.from_dict(json.loads((directory / "scorecard.json").read_text()))
    else:
        scorer = GbmModel.from_parts((directory / "model.txt").read_text(),
                                     json.loads((directory / "model.json").read_text()))
    return RiskModel(name=name, version=chosen, scorer=scorer, metadata=metadata)
