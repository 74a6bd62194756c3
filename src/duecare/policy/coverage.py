"""`duecare policy coverage`: each rule, where it acts, and the example cases that show it firing and silent.

A rule *decides* when the evaluator reads it (a guardrail kind, a stated preference it honours) or a strategy
line or gate code cites it; such a rule needs at least one example whose decision names it (firing) and one
that declares it silent and is checked not to name it. Rules that only inform (conduct, data handling) are
listed with where they are cited, and no example is asked of them. A rule that call QA holds agents to (`qa` in
the pack: the finding codes that breach it) is listed with those codes too; the case timeline names it beside each
such finding, and no decision example is asked for that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from duecare.policy.evaluator import Policy
from duecare.policy.examples import ExampleResult, run_examples

ENFORCED = {"contact_hours": "guardrail: contact hours (not_before)",
            "daily_call_cap": "guardrail: daily call cap (not_before)",
            "seven_in_seven": "guardrail: 7-in-7 (not_before)"}


# Pack rules the product applies outside the decision engine, by kind: they decide no collection action, so no
# example is asked of them, and the coverage report says where they are applied instead of "informs".
ELSEWHERE = {
    "letter_cap": "letters: a cap per borrower and window and one live letter per purpose, checked when a batch "
                  "queues letters and again when the worker sends (contacts/letters.py)",
    "retention": "retention: records kept for the pack's schedule, then anonymised by `duecare retention run` "
                 "(privacy/retention.yaml)",
    "rights": "data rights: access export, correction and deletion requests with their deadlines, audited under "
              "this rule (privacy/rights.py, visits/corrections.py)",
}


def honours_text(what: str) -> str:
    """Where a rule acts by honouring something: a stated preference or a known limit on a channel."""
    if what == "third_party_contacts":
        return "guardrail: a number reaching a third party the borrower named is barred until they are out of reach"
    if what == "third_party_location_once":
        return "guardrail: once out of reach, a named third party's number is called for one location inquiry only"
    if what in ("workplace_limits", "third_party_objections"):
        return f"guardrail: channel barred by known {what.replace('_', ' ')}"
    return f"honours the borrower's {what.replace('_', ' ')}"


@dataclass
class RuleCoverage:
    pack: str
    rule: str
    confidence: str
    source: str
    lender_choice: bool
    acts: list[str] = field(default_factory=list)
    elsewhere: list[str] = field(default_factory=list)  # where the product applies a rule that decides nothing
    calls: list[str] = field(default_factory=list)  # call QA: "call QA: threat", one per finding code (pack `qa`)
    firing: list[str] = field(default_factory=list)
    silent: list[str] = field(default_factory=list)

    @property
    def decides(self) -> bool:
        return bool(self.acts)

    @property
    def where(self) -> str:
        """Where the rule acts, for the report: what decides, else where it is applied instead, then call QA."""
        places = list(dict.fromkeys(self.acts)) or list(self.elsewhere)
        if self.calls:
            places.append("call QA: " + ", ".join(c.removeprefix("call QA: ") for c in self.calls))
        return "; ".join(places) or "informs (no condition)"

    @property
    def complete(self) -> bool:
        return not self.decides or (bool(self.firing) and bool(self.silent))

    def as_json(self) -> dict[str, Any]:
        return {"pack": self.pack, "rule": self.rule, "confidence": self.confidence, "source": self.source,
                "lender_choice": self.lender_choice, "acts": self.acts, "elsewhere": self.elsewhere,
                "calls": self.calls, "decides": self.decides,
                "firing": self.firing, "silent": self.silent, "complete": self.complete}


def coverage(policy: Policy | None = None, results: list[ExampleResult] | None = None) -> list[RuleCoverage]:
    """One row per (pack, rule): the pack's rules, then the strategy's own rules as they apply to that pack."""
    policy = policy or Policy.default()
    results = results if results is not None else run_examples(policy)
    strategy = policy.strategy
    rows: list[RuleCoverage] = []
    for code, pack in policy.packs.items():
        entries = {r.id: RuleCoverage(code, r.id, r.confidence, r.source, r.lender_choice,
                                      elsewhere=[ELSEWHERE[r.kind]] if r.kind in ELSEWHERE else [],
                                      calls=[f"call QA: {qa}" for qa in r.qa])
                   for r in pack.rules}
        for own in strategy.rules:
            entries[own.id] = RuleCoverage(code, own.id, "lender", own.source, True)
        vw = strategy.visit_window
        entries[vw.rule] = RuleCoverage(code, vw.rule, "lender", vw.source, True, ["guardrail: visit window"])
        for r in pack.rules:
            if r.kind in ENFORCED:
                entries[r.id].acts.append(ENFORCED[r.kind])
            entries[r.id].acts += [honours_text(what) for what in r.honours]
        for line in strategy.ladder:
            for rule in line.rule_ids(code):
                entries[rule].acts.append(f"ladder {line.id} ({line.reason})")
        for gate_line in strategy.visit_gate:
            for rule in gate_line.rule_ids(code):
                entries[rule].acts.append(f"visit gate {gate_line.code}")
        for res in results:
            if res.pack != code:
                continue
            for rule in res.named:
                if rule in entries:
                    entries[rule].firing.append(res.name)
            for rule in res.silent:  # declared silent and checked by the example itself
                if rule in entries and res.ok:
                    entries[rule].silent.append(res.name)
        rows += entries.values()
    return rows


def examples_per_pack(results: list[ExampleResult]) -> dict[str, int]:
    out: dict[str, int] = {}
    for res in results:
        out[res.pack] = out.get(res.pack, 0) + 1
    return out
