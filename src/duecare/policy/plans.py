"""Repayment-plan rules PL01–PL05 as data, and the instant evaluation of a proposal against them (pure).

The rules (thresholds, texts, ids, sources) and their worked examples live in `plan_rules.yaml`, parsed into typed
models on load; `duecare policy test` runs the examples (each rule firing in one and silent in another).

Outcome: `accepted`; a `counter_offer` (the nearest plan the rules allow, with the rules that the proposal
missed); or `referred` to a specialist when no plan within the rules is affordable (hardship review). The portal
records proposals and turns an accepted plan into promises to pay (`portal.plans`, through
`policy.promises.record_promise`); this is the one implementation of the rules, for the portal and `policy test`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from duecare.kit.errors import PolicyError
from duecare.kit.money import to_minor
from duecare.policy.model import Bilingual, Number

MINOR = 100
RULE_IDS = ("PL01_min_instalment", "PL02_max_term", "PL03_affordable", "PL04_covers_overdue", "PL05_starts_soon")
PlanRuleId = Literal["PL01_min_instalment", "PL02_max_term", "PL03_affordable", "PL04_covers_overdue",
                     "PL05_starts_soon"]
# Besides the rules, an evaluation may name this: no questionnaire, so affordability is unknown.
QUESTIONNAIRE_MISSING = "questionnaire_missing"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PlanRuleParams(_Model):
    min_instalment: Number | None = Field(default=None, gt=0)
    max_term_months: int | None = Field(default=None, ge=1)
    share_of_disposable: Number | None = Field(default=None, gt=0, le=1)
    allowance_per_dependant: Number | None = Field(default=None, ge=0)
    first_within_days: int | None = Field(default=None, ge=1)


class PlanRule(_Model):
    id: PlanRuleId
    description: Bilingual
    source: str | None = None  # the file's source when not given
    params: PlanRuleParams = PlanRuleParams()


class ExampleInstalment(_Model):
    date: date
    amount: Number = Field(gt=0)


class ExampleAfford(_Model):
    income: Number = Field(ge=0)
    expenses: Number = Field(ge=0)
    dependants: int = Field(default=0, ge=0)


class PlanExpect(_Model):
    outcome: Literal["accepted", "counter_offer", "referred"]
    fires: list[str] = []   # rules the evaluation must name
    silent: list[str] = []  # rules evaluated here that must not be named
    counter_instalments: int | None = None


class PlanExample(_Model):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    note: str = ""
    today: date
    overdue: Number = Field(gt=0)
    afford: ExampleAfford | None = None
    proposed: list[ExampleInstalment]
    expect: PlanExpect


class PlanRulesFile(_Model):
    version: str = Field(min_length=1)
    source: str = Field(min_length=1)
    rules: list[PlanRule]
    examples: list[PlanExample] = []


@dataclass(frozen=True)
class PlanRules:
    version: str
    source: str
    min_instalment_minor: int
    max_term_months: int
    share_of_disposable: float
    allowance_per_dependant_minor: int
    first_within_days: int
    descriptions: dict[str, dict[str, str]]
    sources: dict[str, str] = field(default_factory=dict)
    examples: tuple[PlanExample, ...] = ()


def _minor(value: Number) -> int:
    return to_minor(Decimal(str(value)))


def parse_plan_rules(text: str, place: str = "plan_rules.yaml") -> PlanRules:
    """The plan rules from their YAML text; PolicyError naming the key when a rule or threshold is missing."""
    try:
        doc = PlanRulesFile.model_validate(yaml.safe_load(text))
    except yaml.YAMLError as exc:
        raise PolicyError(f"invalid YAML ({exc})", place=place) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise PolicyError(f"{where}: {first['msg']}", place=place) from None
    by_id: dict[str, PlanRule] = {r.id: r for r in doc.rules}
    missing = [r for r in RULE_IDS if r not in by_id]
    if missing or len(by_id) != len(doc.rules):
        raise PolicyError(f"rules: each of {list(RULE_IDS)} exactly once (missing {missing})", place=place)

    def need(rule: str, name: str) -> Number:
        value = getattr(by_id[rule].params, name)
        if value is None:
            raise PolicyError(f"rules {rule}: params.{name} is required", place=place)
        return value  # type: ignore[no-any-return]

    return PlanRules(
        version=doc.version, source=doc.source,
        min_instalment_minor=_minor(need("PL01_min_instalment", "min_instalment")),
        max_term_months=int(need("PL02_max_term", "max_term_months")),
        share_of_disposable=float(need("PL03_affordable", "share_of_disposable")),
        allowance_per_dependant_minor=_minor(need("PL03_affordable", "allowance_per_dependant")),
        first_within_days=int(need("PL05_starts_soon", "first_within_days")),
        descriptions={r.id: r.description.model_dump() for r in doc.rules},
        sources={r.id: r.source or doc.source for r in doc.rules},
        examples=tuple(doc.examples),
    )


@cache
def plan_rules() -> PlanRules:
    """The packaged plan rules."""
    path = resources.files("duecare.policy") / "plan_rules.yaml"
    return parse_plan_rules(path.read_text(encoding="utf-8"), place=str(path))


@dataclass(frozen=True)
class Instalment:
    date: date
    amount_minor: int

    def as_json(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "amount_minor": self.amount_minor}


@dataclass(frozen=True)
class Affordability:
    """What the questionnaire says the borrower can afford each month (None: not answered)."""

    income_minor: int
    expenses_minor: int
    dependants: int

    def monthly_minor(self, rules: PlanRules) -> int:
        disposable = self.income_minor - self.expenses_minor - self.dependants * rules.allowance_per_dependant_minor
        return max(int(disposable * rules.share_of_disposable), 0)


@dataclass(frozen=True)
class Evaluation:
    outcome: str  # accepted | counter_offer | referred
    reasons: list[str]  # rule ids the proposal did not meet (empty when accepted)
    counter: list[Instalment] = field(default_factory=list)
    affordable_minor: int | None = None


def add_months(start: date, months: int) -> date:
    y, mo = divmod(start.month - 1 + months, 12)
    year, month = start.year + y, mo + 1
    for day in (start.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError(start)


def months_between(start: date, end: date) -> int:
    """Whole calendar months from start to end, rounded up (a plan ending 1 Feb from 15 Jan is 1 month)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months + (1 if end.day > start.day else 0)


def equal_plan(total_minor: int, months: int, first: date) -> list[Instalment]:
    """`months` monthly instalments from `first`, equal amounts rounded up to a whole unit, the last the rest."""
    each = math.ceil(total_minor / months / MINOR) * MINOR
    out, left = [], total_minor
    for i in range(months):
        amount = min(each, left)
        if amount <= 0:
            break
        out.append(Instalment(add_months(first, i), amount))
        left -= amount
    return out


Month = tuple[int, int]


def committed_by_month(upcoming: list[Instalment]) -> dict[Month, int]:
    """The contractual instalments still falling due (their unpaid part), summed per calendar month."""
    out: dict[Month, int] = {}
    for i in upcoming:
        out[(i.date.year, i.date.month)] = out.get((i.date.year, i.date.month), 0) + i.amount_minor
    return out


def free_for_plan(affordable: int | None, committed: dict[Month, int], today: date,
                  rules: PlanRules | None = None) -> int | None:
    """What is left each month for a plan once the contractual instalments still falling due are paid: the
    affordable amount less the largest month of those instalments within the plan's maximum term."""
    if affordable is None:
        return None
    rules = rules or plan_rules()
    horizon = {(d.year, d.month) for d in (add_months(today, k) for k in range(rules.max_term_months + 1))}
    return max(affordable - max((v for k, v in committed.items() if k in horizon), default=0), 0)


def evaluate(proposed: list[Instalment], overdue_minor: int, today: date,
             afford: Affordability | None, rules: PlanRules | None = None,
             upcoming: list[Instalment] | None = None) -> Evaluation:
    """Check each rule, collecting every miss (not only the first); then find the nearest allowed plan.
    `upcoming`: the borrower's contractual instalments still falling due; each month's plan payment plus those
    must stay within what is affordable (PL03)."""
    rules = rules or plan_rules()
    committed = committed_by_month(upcoming or [])
    missed: list[str] = []
    plan = sorted(proposed, key=lambda i: i.date)
    if not plan or plan[0].date < today or plan[0].date > today + timedelta(days=rules.first_within_days) \
            or len({i.date for i in plan}) != len(plan):
        missed.append("PL05_starts_soon")
    if any(i.amount_minor < rules.min_instalment_minor for i in plan[:-1]) or \
            (plan and plan[-1].amount_minor < min(rules.min_instalment_minor, overdue_minor)):
        missed.append("PL01_min_instalment")
    if plan and months_between(today, plan[-1].date) > rules.max_term_months:
        missed.append("PL02_max_term")
    if sum(i.amount_minor for i in plan) < overdue_minor:
        missed.append("PL04_covers_overdue")
    affordable = afford.monthly_minor(rules) if afford is not None else None
    if affordable is not None and plan and _max_monthly(plan, committed) > affordable:
        missed.append("PL03_affordable")
    if afford is None:
        missed.append(QUESTIONNAIRE_MISSING)
    if not missed:
        return Evaluation("accepted", [], [], affordable)
    return _counter(missed, overdue_minor, today, plan, free_for_plan(affordable, committed, today, rules), rules)


def _max_monthly(plan: list[Instalment], committed: dict[Month, int] | None = None) -> int:
    per_month: dict[Month, int] = {}
    for i in plan:
        per_month[(i.date.year, i.date.month)] = per_month.get((i.date.year, i.date.month), 0) + i.amount_minor
    return max(v + (committed or {}).get(k, 0) for k, v in per_month.items())


def _counter(missed: list[str], overdue_minor: int, today: date, plan: list[Instalment],
             affordable: int | None, rules: PlanRules) -> Evaluation:
    if affordable is None:
        return Evaluation("counter_offer", missed, [], None)
    first = plan[0].date if plan and "PL05_starts_soon" not in missed else today + timedelta(days=7)
    cap = max(affordable, 0)
    if cap < min(rules.min_instalment_minor, overdue_minor):
        return Evaluation("referred", missed, [], affordable)
    months = max(1, math.ceil(overdue_minor / cap))
    if months > rules.max_term_months:
        return Evaluation("referred", missed, [], affordable)
    proposed_months = max(len(plan), 1)
    months = max(months, min(proposed_months, rules.max_term_months))  # keep the borrower's pace if allowed
    while months > 1 and overdue_minor / months < rules.min_instalment_minor:
        months -= 1
    counter = equal_plan(overdue_minor, months, first)
    if _max_monthly(counter) > cap:  # rounding up to whole units can cross the cap by a little
        months += 1
        counter = equal_plan(overdue_minor, months, first)
    if months > rules.max_term_months or _max_monthly(counter) > cap:
        return Evaluation("referred", missed, [], affordable)
    return Evaluation("counter_offer", missed, counter, affordable)


@dataclass(frozen=True)
class PlanExampleResult:
    name: str
    note: str
    failures: list[str]
    named: tuple[str, ...]
    silent: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.failures


def run_plan_examples(rules: PlanRules | None = None) -> list[PlanExampleResult]:
    """Each worked example through `evaluate`; a failure says what differs, in words."""
    rules = rules or plan_rules()
    out = []
    for ex in rules.examples:
        afford = None if ex.afford is None else Affordability(
            _minor(ex.afford.income), _minor(ex.afford.expenses), ex.afford.dependants)
        proposed = [Instalment(i.date, _minor(i.amount)) for i in ex.proposed]
        got = evaluate(proposed, _minor(ex.overdue), ex.today, afford, rules)
        failures = []
        if got.outcome != ex.expect.outcome:
            failures.append(f"outcome: got {got.outcome!r}, expected {ex.expect.outcome!r}")
        failures += [f"rule {r!r} should fire but the evaluation does not name it" for r in ex.expect.fires
                     if r not in got.reasons]
        failures += [f"rule {r!r} should be silent but the evaluation names it" for r in ex.expect.silent
                     if r in got.reasons]
        if ex.expect.counter_instalments is not None and len(got.counter) != ex.expect.counter_instalments:
            failures.append(f"counter-offer: got {len(got.counter)} instalments, "
                            f"expected {ex.expect.counter_instalments}")
        out.append(PlanExampleResult(ex.name, ex.note, failures, tuple(got.reasons), tuple(ex.expect.silent)))
    return out


def plan_coverage(results: list[PlanExampleResult]) -> dict[str, tuple[list[str], list[str]]]:
    """Per rule: the passing examples in which it fires and those in which it is shown silent."""
    return {rule: ([r.name for r in results if r.ok and rule in r.named],
                   [r.name for r in results if r.ok and rule in r.silent]) for rule in RULE_IDS}
