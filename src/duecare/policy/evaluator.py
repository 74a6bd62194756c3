"""The policy evaluator: pack + strategy compiled to vectorised expressions over the decision facts.

One code path serves `duecare decide --case`, the REST API and the nightly batch: `decide(frames, as_of)`.
Strategy conditions are SQL boolean strings compiled by Polars (`pl.sql_expr`), so Spark SQL can run the
same text. All reasons and all blocking rules are collected, not only the first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from difflib import get_close_matches
from functools import cache
from typing import Any, Protocol, runtime_checkable

import polars as pl

from duecare.ageing.ageing import loan_ageing, zones_of
from duecare.features.contacts import Reachability, borrower_contacts, contact_features, loan_contacts
from duecare.features.history import INSTALLMENT_AGGS, PAYMENT_AGGS, contact_aggregates, history_table
from duecare.kit.columns import run
from duecare.kit.errors import PolicyError
from duecare.kit.stablehash import stable_bucket
from duecare.ledger.frames import SCHEMAS, empty
from duecare.policy.bits import BITS, MASK, decode, mask_of
from duecare.policy.facts import decision_facts
from duecare.policy.guardrails import CHANNEL_BARS, GUARD_REASONS, PackPlan, pack_plan
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
        check_mask_sizes(self.strategy)

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
    features, lc, _ = _features(frames, as_of, Reachability(**reachability.model_dump()))
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


MODEL_COLUMNS = frozenset({"risk_score", "risk_band"})


def model_lines(strategy: Strategy) -> frozenset[str]:
    """The ladder lines whose decision the risk model makes: a line whose condition reads the model's score or
    band, and, when a visit-gate condition reads them, every line that reads the gate's outcome. A decision
    taken on one of these lines is the model's decision, and the nightly run gives its reason codes."""
    def reads(text: str, names: frozenset[str]) -> bool:
        return any(condition_columns(text.format(**params.as_dict())) & names for params in variants)

    variants = [strategy.params]
    if strategy.variants.challenger is not None:
        variants.append(strategy.variant_params("challenger"))
    through_gate = any(reads(g.unmet_when, MODEL_COLUMNS) for g in strategy.visit_gate)
    names = MODEL_COLUMNS | (LADDER_COLUMNS if through_gate else frozenset())
    return frozenset(line.id for line in strategy.ladder if reads(line.when, names))


# Actions the evaluator guards itself, whatever a strategy line says: lawful by construction.
GUARDED = {"visit_schedule": "visit_gate_open", "visit_approval": "visit_track", "visit_notice": "visit_track"}


def _sql(text: str, params: Params, where: str) -> pl.Expr:
    try:
        return pl.sql_expr(text.format(**params.as_dict())).fill_null(False)
    except (KeyError, pl.exceptions.PolarsError, ValueError) as exc:
        raise PolicyError(f"cannot compile condition {text!r}: {exc}", place=where) from None


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


UNMET, LINES, REASONS, BLOCKED = "_unmet", "_lines", "_reasons", "_blocked"  # bitmasks (policy/bits.py)
# What one variant's evaluation writes (the challenger's replace the champion's on challenger rows).
VARIANT_OUT = (UNMET, "visit_track", "visit_gate_open", LINES)


def _variant_stages(strategy: Strategy, variant: str, reads_unmet: bool) -> list[list[pl.Expr]]:
    """The gate and the ladder's conditions as successive `with_columns` stages, each condition once: the gate's
    unmet codes as a bitmask (bit i: gate line i), the visit track and gate from it, and the matching ladder lines
    as another (bit j: ladder line j). What the matching lines decide is `ladder_outcomes`."""
    params = strategy.variant_params(variant)
    gate = compile_gate(strategy, params)
    lines = compile_ladder(strategy, params)
    unmet = pl.col(UNMET)
    pre = sum(1 << i for i, (_, _, is_pre) in enumerate(gate) if is_pre)
    gate_out = [
        # the visit track: every precondition holds (the notice/consent/approval steps come after)
        ((unmet & pl.lit(pre, MASK)) == 0).alias("visit_track"),
        (unmet == 0).alias("visit_gate_open"),
    ]
    if reads_unmet:
        gate_out.append(decode(unmet, [code for code, _, _ in gate]).alias("visit_unmet"))
    return [
        [mask_of([expr for _, expr, _ in gate]).alias(UNMET)],
        gate_out,
        [mask_of([cond for _, cond in lines]).alias(LINES)],
    ]


def ladder_outcomes(matched: pl.Series, strategy: Strategy) -> pl.DataFrame:
    """Per distinct mask of matching ladder lines: the action and id of the first matching line, and the reason
    mask (the deciding line's reason plus every other matching line marked `collect: true`, the stop conditions,
    in ladder order, so the deciding one is first: the bits of matching lines that collect or share the deciding
    line's id). A table of the few distinct masks, joined back to the rows."""
    ladder = strategy.ladder
    collect = sum(1 << j for j, line in enumerate(ladder) if line.collect)
    masks = matched.unique().drop_nulls().to_list()
    actions: list[str] = []
    ids: list[str | None] = []
    reasons: list[int] = []
    for m in masks:
        if m == 0:
            actions.append("none")
            ids.append(None)
            reasons.append(0)
            continue
        first = ladder[(m & -m).bit_length() - 1]
        same_id = sum(1 << k for k, other in enumerate(ladder) if other.id == first.id)
        actions.append(first.action)
        ids.append(first.id)
        reasons.append(m & (collect | same_id))
    return pl.DataFrame({LINES: masks, "action": actions, "ladder_line": ids, REASONS: reasons},
                        schema={LINES: MASK, "action": pl.String, "ladder_line": pl.String, REASONS: MASK})


def decoded(mask: str, codes_of: Callable[[int], list[str]], distinct: list[int]) -> pl.Expr:
    """A mask column as the list of its codes, decoded once per distinct mask (`distinct`: the masks present)."""
    if not distinct:
        return pl.lit(None, pl.List(pl.String))  # no rows (a mask is never null)
    return pl.col(mask).replace_strict({m: codes_of(m) for m in distinct if m is not None},
                                       return_dtype=pl.List(pl.String))


def bits_of(codes: list[str]) -> Callable[[int], list[str]]:
    return lambda mask: [code for i, code in enumerate(codes) if mask >> i & 1]


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
    features, lc, _ = _features(frames, as_of, Reachability(**strategy.reachability.model_dump()))
    return features, lc


def features_and_history(frames: dict[str, pl.DataFrame], as_of: datetime,
                         strategy: Strategy) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """`features_and_contacts` and the risk model's history features of the same loans
    (`risk.portfolio.history_features(frames, as_of)`'s table), computed in the same passes: the payment and
    schedule aggregations in ageing's group-bys, the contact ones over the per-loan contact rows."""
    features, lc, hist = _features(frames, as_of, Reachability(**strategy.reachability.model_dump()), history=True)
    assert hist is not None
    return features, lc, hist


# What `policy.facts` (call_history, validation) and `features.history.CONTACT_AGGS` read of the per-loan contact
# rows, besides loan_id and about_loan (the simulator's rows hold the facts' part: simulate/incremental.py)
LOAN_CONTACT_COLUMNS = ("at", "channel", "direction", "outcome", "day", "today", "as_of_utc", "is_rpc", "outbound")


def _features(frames: dict[str, pl.DataFrame], as_of: datetime, reach: Reachability,
              history: bool = False) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame | None]:
    extra = {**PAYMENT_AGGS, **INSTALLMENT_AGGS} if history else {}
    ageing = loan_ageing(frames, as_of, PAYMENT_AGGS, INSTALLMENT_AGGS) if history else loan_ageing(frames, as_of)
    clock = ageing.select("loan_id", "borrower_id", "timezone", "as_of_utc", "today")
    bc = borrower_contacts(frames, clock)  # each contact once: the features are per borrower
    features = ageing.drop(*extra).join(contact_features(bc, clock, reach), on="loan_id", how="left")
    # the per-debt rows the decision facts count (7-in-7, first communication): contacts about each loan, with the
    # columns they and the history's contact aggregations read
    lc = loan_contacts(frames, clock, borrower_rows=bc, about_loan_only=True, columns=LOAN_CONTACT_COLUMNS)
    if not history:
        return features, lc, None
    hist = history_table(ageing.lazy().select("loan_id", "as_of_utc", "today", *extra),
                         contact_aggregates(lc.lazy()))
    return features, lc, hist.pipe(run, lc.height)


Scorer = Callable[[dict[str, pl.DataFrame], datetime, pl.DataFrame], pl.DataFrame]


@runtime_checkable
class HistoryScorer(Protocol):
    """A scorer that reads the risk model's history features (`risk.batch.RegisteredScorer`): given them, it need
    not recompute them from the frames."""

    def __call__(self, frames: dict[str, pl.DataFrame], as_of: datetime, features: pl.DataFrame) -> pl.DataFrame:
        ...

    def score_with_history(self, features: pl.DataFrame, hist: pl.DataFrame) -> pl.DataFrame:
        """What `self(frames, as_of, features)` returns, given `features_and_history`'s history table."""
        ...


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
    """Features, risk scores, holds, the visit chain and call history: everything the strategy reads. A scorer that
    reads the history features (`HistoryScorer`) is given them from the feature passes (`features_and_history`)."""
    strategy = policy.strategy
    reach = Reachability(**strategy.reachability.model_dump())
    features, lc, hist = _features(frames, as_of, reach, history=isinstance(scorer, HistoryScorer))
    if scorer is not None and features.height:
        features = scorer.score_with_history(features, hist) if isinstance(scorer, HistoryScorer) and \
            hist is not None else scorer(frames, as_of, features)
    unknown = set(frames["borrowers"]["jurisdiction"].unique().to_list()) - set(policy.packs)
    if unknown:
        raise PolicyError(f"no jurisdiction pack for {sorted(unknown)}; known: {sorted(policy.packs)}")
    s7 = [r.params for p in policy.packs.values() for r in p.rules_of("seven_in_seven")]
    s7_params = (s7[0]["max_calls"], s7[0]["days"], s7[0]["conversation_block_days"]) if s7 else (7, 7, 7)
    validation = {code: r.params["within_days"] for code, p in policy.packs.items()
                  for r in p.rules_of("validation_notice")}
    return decision_facts(frames, features, lc, strategy.params, as_of, s7_params, validation)


def evaluate_facts(facts: pl.DataFrame, policy: Policy, zones: list[str]) -> pl.DataFrame:
    """The compiled strategy and guardrails over a decision-facts table (the part a rules engine would do).

    Two lazy queries: the variant's gate and ladder conditions as bitmasks; then the outcome of each distinct
    ladder mask (a small table, `ladder_outcomes`), per jurisdiction its guardrails and not_before. The
    expressions are built once per (policy, zones, fact columns) and kept (`_plan`), so a single case pays for
    the rows, not for compiling the strategy again; unmet codes, reasons and blocking rules travel as bitmasks
    and become lists at output, decoded once per distinct mask. A guardrail step no row needs (no stated hours,
    no barred channel) is left out of the query: it would change nothing.
    """
    strategy = policy.strategy
    plan = _plan(policy, tuple(zones), tuple(facts.columns))
    if strategy.challenger_share > 0:
        variant: Any = assign_variant(facts["loan_id"], strategy)
    else:  # every bucket is at or above 0: all champion, no hash needed
        variant = pl.lit("champion", pl.String).alias("variant")
    masked = facts.lazy().with_columns(variant)
    for stage in plan.stages:
        masked = masked.with_columns(stage)
    gated = masked.pipe(run, facts.height)
    decided = gated.lazy().join(ladder_outcomes(gated[LINES], strategy).lazy(), on=LINES, how="left",
                                maintain_order="left")
    present, bars, preferred = facts.select(
        pl.col("jurisdiction").unique().implode(),
        _listed(BAR_COLUMNS, facts.columns).alias("bars"),
        _listed(("preferred_hours",), facts.columns).alias("preferred"),
    ).row(0)
    packs = list(policy.packs)
    many = facts.height > DISTINCT_MOMENTS_FROM
    parts = [plan.pack(code, bars, preferred).apply(decided.filter(pl.col("jurisdiction") == code), many).with_columns(
        pack=pl.lit(code), policy_version=pl.lit(policy.version(code))) for code in packs if code in present]
    if parts:
        out = pl.concat(parts, how="vertical").sort("loan_id").pipe(run, facts.height)
    else:
        out = decided.clear().with_columns(
            not_before=pl.col("as_of_utc"), blocked_rules=pl.lit([], pl.List(pl.String)),
            pack=pl.lit(None, pl.String), policy_version=pl.lit(None, pl.String)).pipe(run, facts.height)
    rules = {code: plan.blocked_rules(code, bars, preferred) for code in packs}
    decoders: dict[str, tuple[str, Callable[[int], list[str]]]] = {
        "visit_unmet": (UNMET, bits_of(strategy.gate_codes())), "reasons": (REASONS, bits_of(plan.reasons))}
    if parts:
        decoders["blocked_rules"] = (BLOCKED, lambda m: bits_of(rules[packs[m >> PACK_SHIFT]])(m))
    distinct = out.select(pl.col(mask).unique().implode().alias(name) for name, (mask, _) in decoders.items()).row(
        0, named=True) if out.height else {}
    columns = [decoded(mask, codes_of, distinct.get(name, [])).alias(name) for name, (mask, codes_of) in decoders.items()]
    return out.lazy().with_columns(
        *columns,
        channel=pl.col("action").replace_strict(CHANNEL_OF, return_dtype=pl.String),
        visit_eligible=pl.col(UNMET) == 0,
        strategy=pl.lit(strategy.strategy),
    ).select(plan.columns).pipe(run, facts.height)


def _listed(columns: tuple[str, ...], present: list[str]) -> pl.Expr:
    """Whether any row has a non-empty list in one of these columns (those present)."""
    return pl.any_horizontal(pl.lit(False), *[pl.col(c).list.len().max().fill_null(0) > 0
                                              for c in columns if c in present])


DISTINCT_MOMENTS_FROM = 1_000  # rows: from here not_before is converted per distinct (zone, moment)
BAR_COLUMNS = tuple(column for _, column, _ in CHANNEL_BARS)
PACK_SHIFT = 56  # the blocking-rule mask keeps the pack's place in the policy above this bit


@dataclass
class _Plan:
    """A policy compiled for one set of zones and fact columns: the variant stages, each pack's guardrails (built
    when first needed, per which optional steps the rows need), the reasons' codes by bit and the output columns
    in order."""

    policy: Policy
    zones: tuple[str, ...]
    fact_columns: frozenset[str]
    stages: list[list[pl.Expr]]
    reasons: list[str]
    columns: list[str]
    packs: dict[tuple[str, bool, bool], PackPlan] = field(default_factory=dict)

    def pack(self, code: str, bars: bool, preferred: bool) -> PackPlan:
        key = (code, bars, preferred)
        if key not in self.packs:
            place = list(self.policy.packs).index(code)
            self.packs[key] = pack_plan(self.policy.packs[code], self.policy.strategy, list(self.zones),
                                        self.fact_columns, REASONS, len(self.policy.strategy.ladder),
                                        BLOCKED, place << PACK_SHIFT, bars=bars, preferred=preferred)
        return self.packs[key]

    def blocked_rules(self, code: str, bars: bool, preferred: bool) -> list[str]:
        return self.pack(code, bars, preferred).rules


_PLANS: dict[tuple[Any, ...], tuple[tuple[Any, ...], _Plan]] = {}
_PLANS_KEPT = 64


def _plan(policy: Policy, zones: tuple[str, ...], columns: tuple[str, ...]) -> _Plan:
    """The compiled plan, kept per (strategy and pack objects, zones, fact columns). The loader keeps each strategy
    and pack object (functools.cache), so every Policy built from them shares one plan; the kept objects are
    compared by identity, so an id reused after an object is gone never finds a stale plan."""
    objects = (policy.strategy, *policy.packs.values())
    key = (tuple(map(id, objects)), tuple(policy.packs), zones, columns)
    hit = _PLANS.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], objects, strict=True)):
        return hit[1]
    plan = _build_plan(policy, zones, columns)
    if len(_PLANS) >= _PLANS_KEPT:
        _PLANS.clear()
    _PLANS[key] = (objects, plan)
    return plan


def _build_plan(policy: Policy, zones: tuple[str, ...], columns: tuple[str, ...]) -> _Plan:
    strategy = policy.strategy
    check_mask_sizes(strategy)
    if len(policy.packs) > 1 << (BITS - PACK_SHIFT):
        raise PolicyError(f"{len(policy.packs)} packs; at most {1 << (BITS - PACK_SHIFT)}")
    reads_unmet = any("visit_unmet" in line.when for line in strategy.ladder)
    outs = [*VARIANT_OUT, *(["visit_unmet"] if reads_unmet else [])]
    stages = _variant_stages(strategy, "champion", reads_unmet)
    if strategy.challenger_share > 0:
        stages.append([pl.col(c).alias(f"_champion{c}") for c in outs])
        stages += _variant_stages(strategy, "challenger", reads_unmet)
        is_ch = pl.col("variant") == "challenger"
        stages.append([pl.when(is_ch).then(pl.col(c)).otherwise(pl.col(f"_champion{c}")).alias(c) for c in outs])
    reasons = [line.reason for line in strategy.ladder] + list(GUARD_REASONS)
    out_columns = [*columns, *(["variant"] if "variant" not in columns else []), "visit_unmet", "visit_track",
                   "visit_gate_open", "action", "ladder_line", "reasons", "not_before", "blocked_rules", "pack",
                   "policy_version", "channel", "visit_eligible", "strategy"]
    return _Plan(policy, zones, frozenset(columns), stages, reasons, list(dict.fromkeys(out_columns)))


def check_mask_sizes(strategy: Strategy) -> None:
    """The gate's codes and the ladder's lines (with the reasons the guardrails add) each fit one 64-bit mask."""
    if len(strategy.visit_gate) > BITS:
        raise PolicyError(f"the visit gate has {len(strategy.visit_gate)} lines; at most {BITS}",
                          place=strategy_place(strategy))
    if len(strategy.ladder) + len(GUARD_REASONS) > BITS:
        raise PolicyError(f"the ladder has {len(strategy.ladder)} lines; at most {BITS - len(GUARD_REASONS)}",
                          place=strategy_place(strategy))
