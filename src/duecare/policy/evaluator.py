"""The policy evaluator: pack + strategy compiled to vectorised expressions over the decision facts.

One code path serves `duecare decide --case`, the REST API and the nightly batch: `decide(frames, as_of)`.
Strategy conditions are SQL boolean strings compiled by Polars (`pl.sql_expr`), so Spark SQL can run the
same text. All reasons and all blocking rules are collected, not only the first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from difflib import get_close_matches
from functools import cache
from typing import Any

import polars as pl

from duecare.ageing.ageing import loan_ageing, zones_of
from duecare.features.contacts import Reachability, borrower_contacts, contact_features, loan_contacts
from duecare.kit.columns import codes_list
from duecare.kit.errors import PolicyError
from duecare.kit.stablehash import stable_bucket
from duecare.ledger.frames import SCHEMAS, empty
from duecare.policy.facts import decision_facts
from duecare.policy.guardrails import pack_not_before
from duecare.policy.loader import Pack, all_packs, load_strategy
from duecare.policy.model import GateLine, LadderLine, Params, ReachabilitySpec, RuleRefs, Strategy

CHANNEL_OF = {
    "sms_reminder": "sms", "email_notice": "email", "call": "call", "visit_notice": "notice",
    "visit_schedule": "visit", "visit_approval": "internal", "legal_review": "internal",
    "specialist_review": "internal", "hold": "none", "none": "none", "validation_notice": "letter",
}


@dataclass(frozen=True)
class Policy:
    """The packs (by jurisdiction) and the strategy one evaluation uses."""

    packs: dict[str, Pack]
    strategy: Strategy

    def __post_init__(self) -> None:
        check_rule_refs(self)
        check_columns(self.strategy)

    @classmethod
    def default(cls, strategy: str = "standard") -> Policy:
        return cls(packs=all_packs(), strategy=load_strategy(strategy))

    def version(self, pack: str) -> str:
        return f"{pack}-{self.packs[pack].version}+{self.strategy.strategy}-{self.strategy.version}"


def rule_ids(spec: RuleRefs | None, pack: str) -> list[str]:
    """The rule ids a ladder or gate line names for one pack (`all` applies to every pack)."""
    return spec.ids(pack) if spec is not None else []


def rule_sources(policy: Policy, pack: str) -> dict[str, str]:
    """Every rule id a decision may name for this pack (pack rules, strategy rules, the visit window) → source."""
    strategy = policy.strategy
    sources = {r.id: r.source for r in policy.packs[pack].rules}
    sources.update({r.id: r.source for r in strategy.rules})
    sources[strategy.visit_window.rule] = strategy.visit_window.source
    return sources


def check_rule_refs(policy: Policy) -> None:
    """Every rule a ladder or gate line names exists in every pack (or in the strategy): validated on load."""
    for pack in policy.packs:
        known = rule_sources(policy, pack)
        for where, line in strategy_lines(policy.strategy):
            for rule in line.rule_ids(pack):
                if rule not in known:
                    raise PolicyError(f"{where}: rule {rule!r} is neither in pack {pack!r} nor in the strategy's "
                                      "rules", place=strategy_place(policy.strategy))


def strategy_lines(strategy: Strategy) -> list[tuple[str, LadderLine | GateLine]]:
    """(`ladder S12 (line 140)`, line) for every ladder line, then every gate line."""
    def at(line: LadderLine | GateLine) -> str:
        return f" (line {line.line})" if line.line is not None else ""

    return ([(f"ladder {x.id}{at(x)}", x) for x in strategy.ladder]
            + [(f"visit_gate {x.code}{at(x)}", x) for x in strategy.visit_gate])


def strategy_place(strategy: Strategy) -> str:
    """The strategy's file when it came from one, else its name."""
    return str(strategy.path) if strategy.path is not None else strategy.strategy


# Columns a condition may name besides the decision facts: the variant (both), the gate's outcome (ladder only),
# and what a registered risk model adds (a band given with the case is always a fact).
VARIANT_COLUMNS = frozenset({"variant"})
LADDER_COLUMNS = frozenset({"visit_track", "visit_gate_open", "visit_unmet"})
SCORER_COLUMNS = frozenset({"risk_score", "reason_codes"})


@cache
def fact_columns(reachability: ReachabilitySpec, params: Params) -> frozenset[str]:
    """Every column of the decision facts, read off the facts built for an empty portfolio (never a list kept by
    hand, so it cannot drift from `facts.decision_facts`)."""
    frames = {name: empty(name) for name in SCHEMAS}
    as_of = datetime(2000, 1, 1, tzinfo=UTC)
    features, lc = _features(frames, as_of, Reachability(**reachability.model_dump()))
    facts = decision_facts(frames, features, lc, params, as_of)
    return frozenset(facts.columns) | VARIANT_COLUMNS | SCORER_COLUMNS


@cache
def condition_columns(text: str) -> frozenset[str]:
    """The columns a (parameter-substituted) SQL condition names."""
    return frozenset(pl.sql_expr(text).meta.root_names())


def check_columns(strategy: Strategy) -> None:
    """Every column a ladder or gate condition names is a decision fact: checked when the strategy is loaded, so a
    typo is a user error naming the line, never a Polars error while deciding."""
    known = fact_columns(strategy.reachability, strategy.params)
    problems: list[str] = []
    variants = [strategy.params]
    if strategy.variants.challenger is not None:
        variants.append(strategy.variant_params("challenger"))
    for where, line in strategy_lines(strategy):
        text = line.when if isinstance(line, LadderLine) else line.unmet_when
        allowed = known | LADDER_COLUMNS if isinstance(line, LadderLine) else known
        for params in variants:
            try:
                names = condition_columns(text.format(**params.as_dict()))
            except KeyError as exc:
                problems.append(f"{where}: no parameter {exc} for {{{exc.args[0]}}} in {text!r}")
                continue
            except (pl.exceptions.PolarsError, ValueError, IndexError) as exc:
                problems.append(f"{where}: cannot compile condition {text!r}: {exc}")
                continue
            for name in sorted(names - allowed):
                hint = get_close_matches(name, sorted(allowed), n=1)
                problems.append(f"{where}: unknown column {name!r} in {text!r}"
                                + (f" (did you mean {hint[0]!r}?)" if hint else "")
                                + (" (only the ladder may read the gate's outcome)"
                                   if name in LADDER_COLUMNS else ""))
    if problems:
        raise PolicyError("; ".join(dict.fromkeys(problems)), place=strategy_place(strategy))


# Actions the evaluator guards itself, whatever a strategy line says: lawful by construction.
GUARDED = {"visit_schedule": "visit_gate_open", "visit_approval": "visit_track", "visit_notice": "visit_track"}


def _sql(text: str, params: Params, where: str) -> pl.Expr:
    try:
        return pl.sql_expr(text.format(**params.as_dict())).fill_null(False)
    except (KeyError, pl.exceptions.PolarsError, ValueError) as exc:
        raise PolicyError(f"cannot compile condition {text!r}: {exc}", place=where) from None


def _str_list(pairs: list[tuple[str, pl.Expr]]) -> pl.Expr:
    """The codes whose condition holds, in order, as a list column (codes never contain commas)."""
    return codes_list(pairs)


def compile_gate(strategy: Strategy, params: Params) -> list[tuple[str, pl.Expr, bool]]:
    """Each gate condition as (unmet code, expression, is a precondition of the visit track)."""
    return [(line.code, _sql(line.unmet_when, params, f"{strategy.strategy}: visit_gate[{i}]"),
             not line.step) for i, line in enumerate(strategy.visit_gate)]


def compile_ladder(strategy: Strategy, params: Params) -> list[tuple[LadderLine, pl.Expr]]:
    """Each ladder line with its compiled condition."""
    out = []
    for line in strategy.ladder:
        cond = _sql(line.when, params, f"{strategy.strategy}: ladder {line.id}")
        guard = GUARDED.get(line.action)
        out.append((line, cond & pl.col(guard) if guard else cond))
    return out


def _apply_variant(facts: pl.DataFrame, strategy: Strategy, variant: str) -> pl.DataFrame:
    """Gate, action, deciding line and reasons, each condition evaluated once as a column.

    The first matching line decides the action; reasons are the deciding line's reason plus every other
    matching line marked `collect: true` (the stop conditions), in ladder order, so the deciding one is first.
    """
    params = strategy.variant_params(variant)
    gate = compile_gate(strategy, params)
    lines = compile_ladder(strategy, params)
    gate_cols = [f"_gate_{i}" for i in range(len(gate))]
    line_cols = [f"_line_{i}" for i in range(len(lines))]
    staged = facts.with_columns(
        [expr.alias(c) for (_, expr, _), c in zip(gate, gate_cols, strict=True)]
    ).with_columns(
        visit_unmet=_str_list([(code, pl.col(c)) for (code, _, _), c in zip(gate, gate_cols, strict=True)]),
        # the visit track: every precondition holds (the notice/consent/approval steps come after)
        visit_track=~pl.any_horizontal([pl.col(c) for (_, _, pre), c in zip(gate, gate_cols, strict=True) if pre]),
        visit_gate_open=~pl.any_horizontal([pl.col(c) for c in gate_cols]),
    ).with_columns(
        [cond.alias(c) for (_, cond), c in zip(lines, line_cols, strict=True)]
    )
    action: Any = pl
    line_id: Any = pl
    for (line, _), c in zip(lines, line_cols, strict=True):
        action = action.when(pl.col(c)).then(pl.lit(line.action))
        line_id = line_id.when(pl.col(c)).then(pl.lit(line.id))
    decided = staged.with_columns(action=action.otherwise(pl.lit("none")),
                                  ladder_line=line_id.otherwise(pl.lit(None, pl.String)))
    reasons = _str_list([(line.reason, pl.col(c) & (pl.lit(line.collect)
                                                  | (pl.col("ladder_line") == line.id)))
                         for (line, _), c in zip(lines, line_cols, strict=True)])
    return decided.with_columns(reasons=reasons).drop(gate_cols + line_cols)


def assign_variant(loan_ids: pl.Series, strategy: Strategy) -> pl.Series:
    """Champion or challenger by a stable hash of the loan id; the challenger's share comes from the strategy."""
    share = strategy.challenger_share
    bucket = stable_bucket(loan_ids)
    return pl.Series("variant", ["champion"] * len(loan_ids), dtype=pl.String).zip_with(
        bucket >= round(share * 10_000), pl.Series(["challenger"] * len(loan_ids), dtype=pl.String)
    )


def features_and_contacts(frames: dict[str, pl.DataFrame], as_of: datetime,
                          strategy: Strategy) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The feature table (DESIGN names) and the per-loan contact rows the guardrails count (those about the loan)."""
    return _features(frames, as_of, Reachability(**strategy.reachability.model_dump()))


def _features(frames: dict[str, pl.DataFrame], as_of: datetime,
              reach: Reachability) -> tuple[pl.DataFrame, pl.DataFrame]:
    ageing = loan_ageing(frames, as_of)
    clock = ageing.select("loan_id", "borrower_id", "timezone", "as_of_utc", "today")
    bc = borrower_contacts(frames, clock)  # each contact once: the features are per borrower
    features = ageing.join(contact_features(bc, clock, reach), on="loan_id", how="left")
    # the per-debt rows the decision facts count (7-in-7, first communication): contacts about each loan
    return features, loan_contacts(frames, clock, borrower_rows=bc, about_loan_only=True)


Scorer = Callable[[dict[str, pl.DataFrame], datetime, pl.DataFrame], pl.DataFrame]


def decide(frames: dict[str, pl.DataFrame], as_of: datetime, policy: Policy | None = None,
           scorer: Scorer | None = None) -> pl.DataFrame:
    """The decision table: one row per loan with action, channel, not_before, reasons, blocks, gate, variant.

    `scorer`, when given, adds `risk_score`, `risk_band` and `reason_codes` to the features before the
    strategy reads them (a band given in the input still wins).
    """
    policy = policy or Policy.default()
    facts = build_facts(frames, as_of, policy, scorer)
    return evaluate_facts(facts, policy, zones_of(frames["borrowers"]))


def build_facts(frames: dict[str, pl.DataFrame], as_of: datetime, policy: Policy,
                scorer: Scorer | None = None) -> pl.DataFrame:
    """Features, risk scores, holds, the visit chain and call history: everything the strategy reads."""
    strategy = policy.strategy
    features, lc = features_and_contacts(frames, as_of, strategy)
    if scorer is not None and features.height:
        features = scorer(frames, as_of, features)
    unknown = set(frames["borrowers"]["jurisdiction"].unique().to_list()) - set(policy.packs)
    if unknown:
        raise PolicyError(f"no jurisdiction pack for {sorted(unknown)}; known: {sorted(policy.packs)}")
    s7 = [r.params for p in policy.packs.values() for r in p.rules_of("seven_in_seven")]
    s7_params = (s7[0]["max_calls"], s7[0]["days"], s7[0]["conversation_block_days"]) if s7 else (7, 7, 7)
    validation = {code: r.params["within_days"] for code, p in policy.packs.items()
                  for r in p.rules_of("validation_notice")}
    return decision_facts(frames, features, lc, strategy.params, as_of, s7_params, validation)


def evaluate_facts(facts: pl.DataFrame, policy: Policy, zones: list[str]) -> pl.DataFrame:
    """The compiled strategy and guardrails over a decision-facts table (the part a rules engine would do)."""
    strategy = policy.strategy
    facts = facts.with_columns(assign_variant(facts["loan_id"], strategy))
    decided = _apply_variant(facts, strategy, "champion")
    if strategy.challenger_share > 0:
        challenger = _apply_variant(facts, strategy, "challenger")
        is_ch = pl.col("variant") == "challenger"
        decided = decided.with_columns(
            [pl.when(is_ch).then(challenger[c]).otherwise(pl.col(c)).alias(c)
             for c in ("visit_unmet", "visit_track", "visit_gate_open", "action", "reasons", "ladder_line")]
        )
    parts = []
    for code, pack in policy.packs.items():
        part = decided.filter(pl.col("jurisdiction") == code)
        if part.height:
            part = pack_not_before(part, pack, strategy, zones).with_columns(
                pack=pl.lit(code), policy_version=pl.lit(policy.version(code)))
            parts.append(part)
    out = pl.concat(parts, how="vertical") if parts else decided.clear().with_columns(
        not_before=pl.col("as_of_utc"), blocked_rules=pl.lit([], pl.List(pl.String)), pack=pl.lit(None, pl.String),
        policy_version=pl.lit(None, pl.String))
    return out.with_columns(
        channel=pl.col("action").replace_strict(CHANNEL_OF, return_dtype=pl.String),
        visit_eligible=pl.col("visit_unmet").list.len() == 0,
        strategy=pl.lit(strategy.strategy),
    ).sort("loan_id")
