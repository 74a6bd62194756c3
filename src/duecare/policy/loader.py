"""Load jurisdiction packs (versioned YAML, validated by JSON Schema) and strategies (parsed into the typed
models of `policy.model`) on load.

YAML is read with libyaml (PyYAML's C loader) when PyYAML was built with it. A pack's JSON Schema validation is
remembered per content: a marker named by the SHA-256 of (schema text, pack text) in the user's cache folder
(`$XDG_CACHE_HOME/duecare/validated`, default `~/.cache/duecare/validated`) lets the next process skip it (and the
import of jsonschema); any change to either text is a new key, so the pack is validated again. The cache is only
an optimisation: when the folder cannot be written, every load validates.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from duecare.kit.errors import NotFound, PolicyError
from duecare.policy.model import Strategy, StrategyFile

__all__ = ["PACK_NAMES", "Pack", "Rule", "Strategy", "all_packs", "load_pack", "load_strategy",
           "parse_strategy", "strategy_examples", "strategy_from_definition"]

PACKAGE = resources.files("duecare.policy")


class PolicyFileNotFound(PolicyError, NotFound):
    """A pack or strategy named that has no file (the CLI: exit 2; the API: 404)."""


SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compose(text: str) -> tuple[yaml.Node | None, Any]:
    """The YAML document's node tree (lines of keys) and its data, from one parse."""
    loader = SafeLoader(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def _schema_text(name: str) -> str:
    return (PACKAGE / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8")


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "duecare" / "validated"


def _validated_marker(schema: str, text: str) -> Path:
    return _cache_dir() / hashlib.sha256(f"{schema}\0{text}".encode()).hexdigest()


def _validate(data: Any, kind: str, text: str, place: str) -> None:
    """JSON Schema validation of a pack, skipped when this very (schema, text) pair was validated before."""
    schema = _schema_text(kind)
    marker = _validated_marker(schema, text)
    if marker.exists():
        return
    import jsonschema  # only when validating: a known pack does not pay for the import

    validator = jsonschema.Draft202012Validator(json.loads(schema))
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        raise PolicyError(f"{where}: {err.message}", place=place)
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    except OSError:
        pass  # a read-only home: the next load validates again


def _load_yaml(path: Path | Any, kind: str) -> tuple[dict[str, Any], str]:
    """The validated data of a pack file and its text."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyFileNotFound(f"{kind} file not found", place=str(path)) from None
    try:
        _, data = _compose(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"invalid YAML ({exc})", place=str(path)) from None
    _validate(data, kind, text, str(path))
    return data, text


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
    # What this rule makes binding on the guardrails: the borrower's stated preferences (`stated_hours`,
    # `refused_channels`) and known limits on a channel (`workplace_limits`, `third_party_objections`,
    # `third_party_contacts`, `third_party_location_once`).
    honours: tuple[str, ...] = ()
    # Call-QA codes this rule is breached by (speech/qa.py: a conduct finding on an agent turn, or a disclosure
    # never made); the case timeline names the rule and its source beside each such finding.
    qa: tuple[str, ...] = ()


@dataclass(frozen=True)
class HelpLine:
    """A free source of help the pack points borrowers to (texts: policy/helplines.py, keyed by id)."""

    id: str
    kind: str  # legal_aid | debt_advice | ombudsman | regulator
    url: str
    source: str
    phone: str | None = None


@dataclass(frozen=True)
class BorrowerRight:
    """A contract right the terms page states for this pack (texts: portal/terms.py, keyed by pack and topic)."""

    topic: str
    source: str
    confidence: str
    days: int | None = None


@dataclass(frozen=True)
class Pack:
    pack: str
    version: str
    name: dict[str, str]
    rules: list[Rule]
    digest: str
    help: tuple[HelpLine, ...] = ()
    borrower_rights: tuple[BorrowerRight, ...] = ()

    def rules_of(self, kind: str) -> list[Rule]:
        return [r for r in self.rules if r.kind == kind]

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def breached_by(self, code: str) -> tuple[Rule, ...]:
        """The rules a call-QA finding or missing disclosure with this code breaches, in pack order (none: the
        code is held only to the lender's own call standard in this pack)."""
        return tuple(r for r in self.rules if code in r.qa)


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
    data, text = _load_yaml(path, "pack")
    for rule in data["rules"]:
        if rule["confidence"] == "U" and not rule.get("lender_choice"):
            raise PolicyError(f"rule {rule['id']}: confidence U may only appear as a labelled lender choice "
                              "(set lender_choice: true)", place=str(path))
    rules = [Rule(**{**r, "honours": tuple(r.get("honours", ())), "qa": tuple(r.get("qa", ()))})
             for r in data["rules"]]
    return Pack(pack=data["pack"], version=data["version"], name=data["name"], rules=rules,
                digest=_digest(text),
                help=tuple(HelpLine(**h) for h in data.get("help", ())),
                borrower_rights=tuple(BorrowerRight(**r) for r in data.get("borrower_rights", ())))


@cache
def load_strategy(name_or_path: str = "standard") -> Strategy:
    """A strategy by name (`standard`) or by path to a YAML file, parsed into the typed model.

    A problem is named by file, line and key: `standard.yaml: line 12 (ladder[3].action): must be one of ...`.
    """
    path = _resolve(name_or_path, "strategies")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyFileNotFound("strategy file not found", place=str(path)) from None
    return parse_strategy(text, place=str(path), path=Path(str(path)) if isinstance(path, Path) else None)


def parse_strategy(text: str, place: str = "strategy", path: Path | None = None) -> Strategy:
    """A strategy from its YAML text; PolicyError naming the line and key of the first problems."""
    try:
        node, data = _compose(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"invalid YAML ({exc})", place=place) from None
    lines = _node_lines(node) if node is not None else {}
    try:
        doc = StrategyFile.model_validate(data)
    except ValidationError as exc:
        problems = [f"{_line_label(lines, tuple(e['loc']))}{_message(e)}" for e in exc.errors()[:5]]
        more = f" (and {exc.error_count() - 5} more)" if exc.error_count() > 5 else ""
        raise PolicyError("; ".join(problems) + more, place=place) from None
    for i, gate_line in enumerate(doc.visit_gate):
        gate_line._line = lines.get(("visit_gate", i))
    for i, ladder_line in enumerate(doc.ladder):
        ladder_line._line = lines.get(("ladder", i))
    return Strategy.model_construct(_fields_set=set(doc.model_fields_set),
                                    **dict(doc), digest=_digest(text), path=path)


def strategy_from_definition(data: dict[str, Any], place: str = "strategy", path: Path | None = None) -> Strategy:
    """A strategy built in code from a definition (e.g. an edited `Strategy.definition()`), validated like a file."""
    return parse_strategy(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), place=place, path=path)


Loc = tuple[int | str, ...]


def _node_lines(node: yaml.Node, at: Loc = ()) -> dict[Loc, int]:
    """The 1-based line of every key and list item of a composed YAML document."""
    out: dict[Loc, int] = {at: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            here = (*at, str(key.value))
            out.update(_node_lines(value, here))
            out[here] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out.update(_node_lines(item, (*at, i)))
    return out


def _where(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _line_label(lines: dict[Loc, int], loc: Loc) -> str:
    """`line N (ladder[3].action): ` — the nearest line the file has for this place."""
    # pydantic adds the union member's type to the place of a union error (`params.x.int`): not a key of the file
    keys = tuple(p for p in loc if isinstance(p, int) or not p.startswith(("function-", "int", "float")))
    for n in range(len(keys), -1, -1):
        if keys[:n] in lines:
            return f"line {lines[keys[:n]]} ({_where(keys)}): "
    return f"{_where(keys)}: "


def _message(err: Any) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind == "extra_forbidden":
        return "unknown key (remove it or check its spelling)"
    if kind == "missing":
        return "is required"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}"
    if kind == "string_pattern_mismatch":
        return f"must match {ctx.get('pattern')}"
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    return str(err["msg"])


PACK_NAMES = ("cn", "us", "uk")


def all_packs() -> dict[str, Pack]:
    return {name: load_pack(name) for name in PACK_NAMES}


def strategy_examples(strategy: Strategy) -> list[dict[str, Any]]:
    """The example cases a strategy carries (case file → expected decision)."""
    name = strategy.examples_file
    if not name:
        return list(strategy.examples)
    base = strategy.path.parent if strategy.path else PACKAGE / "strategies"
    _, data = _compose((base / name).read_text(encoding="utf-8"))
    return list(data.get("examples", []))
