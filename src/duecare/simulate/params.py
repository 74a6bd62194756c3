"""The simulator's parameters: one documented YAML (params.yaml), loaded, checked and perturbed."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from duecare.kit.errors import UserError

SEGMENTS = ("always_on_time", "occasionally_late", "chronic_late", "hardship_then_cure", "default", "unreachable")
PROBABILITY_PREFIXES = ("p_",)


@dataclass(frozen=True)
class Params:
    """Values by name (a float, or one float per segment as an array), the sensitivity groups and the file."""

    values: dict[str, Any]
    sensitivity: dict[str, list[str]]
    documented: dict[str, dict[str, Any]]

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def seg(self, name: str) -> np.ndarray:
        """A per-segment parameter as an array indexed by segment code."""
        value = np.asarray(self.values[name], dtype=np.float64)
        if value.shape != (len(SEGMENTS),):
            raise KeyError(f"{name} is not a per-segment parameter")
        return value

    def scaled(self, names: list[str], factor: float) -> Params:
        """The same parameters with `names` multiplied by `factor` (probabilities stay within [0, 1])."""
        values = dict(self.values)
        for name in names:
            scaled = np.asarray(values[name], dtype=np.float64) * factor
            if _is_probability(name):
                scaled = np.clip(scaled, 0.0, 1.0)
            values[name] = scaled.tolist() if scaled.ndim else float(scaled)
        return Params(values, self.sensitivity, self.documented)


def _is_probability(name: str) -> bool:
    return name.endswith("_p") or name.startswith(PROBABILITY_PREFIXES)


def load_params(path: Path | None = None) -> Params:
    """The default parameters (simulate/params.yaml) or a copy the user edited; every entry must carry a
    rationale and either a source or `assumption: true`."""
    where = str(path) if path else "duecare/simulate/params.yaml"
    text = path.read_text(encoding="utf-8") if path else \
        (resources.files("duecare.simulate") / "params.yaml").read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UserError(f"invalid YAML ({exc})", place=where) from None
    if not isinstance(data, dict) or list(data.get("segments", [])) != list(SEGMENTS):
        raise UserError(f"`segments` must list {', '.join(SEGMENTS)} in that order", place=where)
    values: dict[str, Any] = {}
    for name, entry in data["params"].items():
        if not isinstance(entry, dict) or "value" not in entry or not entry.get("rationale"):
            raise UserError(f"params.{name}: needs `value` and `rationale`", place=where)
        if not entry.get("source") and entry.get("assumption") is not True:
            raise UserError(f"params.{name}: give a `source` or mark it `assumption: true`", place=where)
        values[name] = entry["value"]
    sensitivity = {k: list(v) for k, v in data.get("sensitivity", {}).items()}
    unknown = sorted({n for names in sensitivity.values() for n in names} - set(values))
    if unknown:
        raise UserError(f"sensitivity names unknown parameters: {', '.join(unknown)}", place=where)
    return Params(values, sensitivity, dict(data["params"]))
