"""Load jurisdiction packs and strategies (versioned YAML), validated by JSON Schema on load."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from duecare.kit.errors import PolicyError

PACKAGE = resources.files("duecare.policy")


def _schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((PACKAGE / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
    return schema


def _load_yaml(path: Path | Any, kind: str) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError(f"{kind} file not found", place=str(path)) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"invalid YAML ({exc})", place=str(path)) from None
    validator = jsonschema.Draft202012Validator(_schema(kind))
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        raise PolicyError(f"{where}: {err.message}", place=str(path))
    return data  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    description: dict[str, str]
    source: str
    confidence: str
    scope: list[str]
    params: dict[str, Any] = field(default_factory=dict)
    lender_choice: bool = False
    # The borrower's stated preferences this rule makes binding: `stated_hours`, `refused_channels`.
    honours: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pack:
    pack: str
    version: str
    name: dict[str, str]
    rules: list[Rule]
    digest: str

    def rules_of(self, kind: str) -> list[Rule]:
        return [r for r in self.rules if r.kind == kind]

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)


@dataclass(frozen=True)
class Strategy:
    strategy: str
    version: str
    raw: dict[str, Any]
    digest: str
    path: Path | None

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.raw["params"])

    def variant_params(self, variant: str) -> dict[str, Any]:
        extra = self.raw.get("variants", {}).get(variant, {}).get("params", {})
        return {**self.params, **extra}

    @property
    def challenger_share(self) -> float:
        return float(self.raw.get("variants", {}).get("challenger", {}).get("share", 0.0))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _resolve(name_or_path: str, folder: str) -> Path | Any:
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml") or candidate.exists():
        return candidate
    return PACKAGE / folder / f"{name_or_path}.yaml"


@cache
def load_pack(name_or_path: str) -> Pack:
    """A pack by name (`cn`, `us`, `uk`) or by path to a YAML file."""
    path = _resolve(name_or_path, "packs")
    data = _load_yaml(path, "pack")
    for rule in data["rules"]:
        if rule["confidence"] == "U" and not rule.get("lender_choice"):
            raise PolicyError(f"rule {rule['id']}: confidence U may only appear as a labelled lender choice "
                              "(set lender_choice: true)", place=str(path))
    rules = [Rule(**{**r, "honours": tuple(r.get("honours", ()))}) for r in data["rules"]]
    return Pack(pack=data["pack"], version=data["version"], name=data["name"], rules=rules,
                digest=_digest(path.read_text(encoding="utf-8")))


@cache
def load_strategy(name_or_path: str = "standard") -> Strategy:
    """A strategy by name (`standard`) or by path to a YAML file."""
    path = _resolve(name_or_path, "strategies")
    data = _load_yaml(path, "strategy")
    return Strategy(strategy=data["strategy"], version=data["version"], raw=data,
                    digest=_digest(path.read_text(encoding="utf-8")),
                    path=Path(str(path)) if isinstance(path, Path) else None)


PACK_NAMES = ("cn", "us", "uk")


def all_packs() -> dict[str, Pack]:
    return {name: load_pack(name) for name in PACK_NAMES}


def strategy_examples(strategy: Strategy) -> list[dict[str, Any]]:
    """The example cases a strategy carries (case file → expected decision)."""
    name = strategy.raw.get("examples_file")
    if not name:
        return list(strategy.raw.get("examples", []))
    base = strategy.path.parent if strategy.path else PACKAGE / "strategies"
    data = yaml.safe_load((base / name).read_text(encoding="utf-8"))
    return list(data.get("examples", []))
