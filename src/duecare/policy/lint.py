"""`duecare policy lint`: every cited rule exists, and the packs say what the regulations say.

The regulations table (`duecare/policy/regulations.md`, the same text as docs/regulations.md) is the reference:
each rule with confidence P, Q or S must be in its pack with the same confidence, a source that starts with the
table's source and an English description that starts with the table's requirement (a pack may add a sentence
on how duecare applies it), and a scope covering the table's. A pack rule the table does not list must be a
labelled lender choice. Every rule id a strategy line, a gate code or a visit step cites must resolve.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from typing import Any

from duecare.policy.evaluator import Policy, rule_sources, strategy_lines

SECTION_PACK = {"China": "cn", "United States": "us", "United Kingdom": "uk"}
ALL_SCOPES = ("V", "C", "M", "D")


@dataclass(frozen=True)
class RegRule:
    pack: str
    id: str
    requirement: str
    source: str
    applies: tuple[str, ...]
    confidence: str

    @property
    def binding(self) -> bool:
        """P, Q or S (alone or combined): must be encoded; U never is law."""
        return any(c in self.confidence for c in "PQS")


def regulations_text() -> str:
    return (resources.files("duecare.policy") / "regulations.md").read_text(encoding="utf-8")


def parse_regulations(text: str) -> list[RegRule]:
    """The rule tables of regulations.md, one row per rule, with the pack their section names."""
    out: list[RegRule] = []
    pack: str | None = None
    for line in text.splitlines():
        if line.startswith("## "):
            pack = next((code for name, code in SECTION_PACK.items() if line[3:].startswith(name)), None)
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if pack is None or len(cells) != 5 or not re.fullmatch(r"[a-z][a-z0-9_]*", cells[0]) or cells[0] == "rule_id":
            continue
        applies = ALL_SCOPES if cells[3] == "all" else tuple(s.strip() for s in cells[3].split(","))
        out.append(RegRule(pack, cells[0], cells[1], cells[2], applies, cells[4]))
    return out


def normalise(text: str) -> str:
    """Compare wording, not typography: quotes, dashes, spaces and width are unified."""
    text = unicodedata.normalize("NFKC", text)
    for a, b in (("“", '"'), ("”", '"'), ("‘", "'"), ("’", "'"), ("–", "-"), ("—", "-"), ("−", "-")):
        text = text.replace(a, b)
    return re.sub(r"\s+", " ", text).strip().rstrip(".").lower()


def cite(source: str) -> str:
    """A source without the code names the table leaves out (`15 USC`, `12 CFR`, `Art.`): the same citation."""
    return normalise(re.sub(r"\b(15 USC|12 CFR|Arts?\.)\s*", "", source))


def _cited(policy: Policy, pack: str) -> list[tuple[str, str]]:
    """(where, rule id) for every rule a strategy line or gate code cites for this pack."""
    return [(where, r) for where, line in strategy_lines(policy.strategy) for r in line.rule_ids(pack)]


def _visit_cited(pack: str) -> list[tuple[str, str]]:
    """The rules the visit workflow cites (steps, gate codes, two agents, recording) for this pack."""
    import yaml

    data: dict[str, Any] = yaml.safe_load(
        (resources.files("duecare.visits") / "standard.visit.yaml").read_text(encoding="utf-8"))
    out = [(f"visit step {step}", refs[pack]) for step, refs in data.get("step_rules", {}).items() if pack in refs]
    for code, refs in data.get("gate_rules", {}).items():
        out += [(f"visit gate {code}", r) for r in refs.get(pack, refs.get("all", []))]
    return out


def lint(policy: Policy | None = None, regulations: str | None = None) -> list[str]:
    """Every problem found, in words (empty when the packs and strategy are consistent with the regulations)."""
    policy = policy or Policy.default()
    regs = parse_regulations(regulations if regulations is not None else regulations_text())
    problems: list[str] = []
    by_pack: dict[str, dict[str, RegRule]] = {}
    for reg in regs:
        by_pack.setdefault(reg.pack, {})[reg.id] = reg
    for code, pack in policy.packs.items():
        listed = by_pack.get(code, {})
        for reg in listed.values():
            if not reg.binding:
                continue
            try:
                rule = pack.rule(reg.id)
            except KeyError:
                problems.append(f"{code}: {reg.id} ({reg.confidence}, {reg.source}) is missing from the pack")
                continue
            if rule.confidence != reg.confidence:
                problems.append(f"{code}: {reg.id} confidence {rule.confidence!r}, regulations say {reg.confidence!r}")
            if not cite(rule.source).startswith(cite(reg.source)):
                problems.append(f"{code}: {reg.id} source {rule.source!r} does not start with {reg.source!r}")
            if not normalise(rule.description["en"]).startswith(normalise(reg.requirement)):
                problems.append(f"{code}: {reg.id} text differs from the regulations: pack "
                                f"{rule.description['en']!r}, regulations {reg.requirement!r}")
            missing = [s for s in reg.applies if s not in rule.scope]
            if missing:
                problems.append(f"{code}: {reg.id} scope {rule.scope} lacks {missing} (regulations: {reg.applies})")
        for rule in pack.rules:
            if rule.id not in listed and not rule.lender_choice:
                problems.append(f"{code}: {rule.id} is not in the regulations and not labelled lender_choice")
            if rule.confidence == "U" and not rule.lender_choice:
                problems.append(f"{code}: {rule.id} is unconfirmed (U) but not labelled lender_choice")
        known = rule_sources(policy, code)
        for where, rule_id in _cited(policy, code) + _visit_cited(code):
            if rule_id not in known:
                problems.append(f"{code}: {where} cites {rule_id!r}, which is neither a pack nor a strategy rule")
    return problems
