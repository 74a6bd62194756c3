"""Guardrails: the earliest lawful moment (`not_before`) for each decided action, vectorised.

Pack rules of kind `contact_hours`, `daily_call_cap` and `seven_in_seven`, and the strategy's visit window,
each compute the first local day they allow; the latest of those days wins, at the window's opening time.
Every rule that is violated at as_of is reported in `blocked_rules` (it moved `not_before`).

The borrower's stated preferences are honoured by the pack rule that says so (`honours` in the pack): a refused
channel is never used (the action falls to the next remote channel the borrower did not refuse, or to `none`
with the reason `channel_refused`), and `not_before` moves into the next preferred window that lies inside the
lawful hours (and, for a visit, inside the visit window). A preference that no lawful moment in the next week
can meet leaves `not_before` at the lawful time and adds the reason `preferred_hours_unlawful`.

Known limits on a channel bar it the same way where a pack rule honours them: a workplace where contact is barred
(`workplace_limits`, us_workplace, uk_contact_times), a third party's objection (`third_party_objections`,
cn_debtor_only, us_third_party, uk_privacy), and a number that reaches a third party the borrower named while the
borrower is not out of reach (`third_party_contacts`, cn_debtor_only: third parties only when the debtor is out
of reach; us_third_party: a third party only for a location inquiry, 1692b/1692c(b)), and, once they are out of
reach, such a number after the third party was already asked once (`third_party_location_once`, us_third_party:
1692b(3), not more than once).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import reduce
from typing import Any

import polars as pl

from duecare.kit.localtime import utc_from_local
from duecare.policy.bits import MASK, bit, mask_of
from duecare.policy.loader import Pack, Strategy

CONTACT_ACTIONS = ("sms_reminder", "email_notice", "call", "visit_notice")
WEEKDAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}


def seconds_of_day(hhmm: str) -> int:
    """"HH:MM" (24:00 allowed) as seconds since midnight."""
    hours, minutes = hhmm.split(":")
    return int(hours) * 3600 + int(minutes) * 60


@dataclass(frozen=True)
class Window:
    rule: str
    start: int  # seconds after local midnight, inclusive
    end: int    # exclusive


def contact_window(pack: Pack) -> Window:
    rule = pack.rules_of("contact_hours")[0]
    return Window(rule.id, seconds_of_day(rule.params["start"]), seconds_of_day(rule.params["end"]))


def _at(day: pl.Expr, seconds: int) -> pl.Expr:
    return day.cast(pl.Datetime("us")) + pl.duration(seconds=seconds)


# The remote action of each channel, and where the ladder falls when the borrower refused that channel:
# never to a more intrusive step than the one decided (no visit, no call in place of a message).
ACTION_CHANNEL = {"call": "call", "sms_reminder": "sms", "email_notice": "email"}
FALLBACK = {"call": ("sms_reminder", "email_notice"), "sms_reminder": ("email_notice",),
            "email_notice": ("sms_reminder",)}
PREFERENCE_DAYS = 8  # the next week, both ends: a weekly window is always met if it can be met at all


def honouring(pack: Pack, what: str) -> str | None:
    """The id of the pack rule that honours a stated preference or a known limit (`stated_hours`,
    `refused_channels`, `workplace_limits`, `third_party_objections`, `third_party_contacts`,
    `third_party_location_once`)."""
    return next((r.id for r in pack.rules if what in r.honours), None)


# Channels a remote action may not use, each honoured by the pack rule that says so: (what the rule honours, the
# decision-fact list of channels, the reason added when it changes the action).
CHANNEL_BARS = (("refused_channels", "refused_channels", "channel_refused"),
                ("workplace_limits", "workplace_barred_channels", "workplace_contact_barred"),
                ("third_party_objections", "third_party_objected_channels", "third_party_objected"),
                ("third_party_contacts", "third_party_barred_channels", "third_party_while_reachable"),
                ("third_party_location_once", "third_party_asked_barred_channels", "third_party_asked_once"))
PREFERRED_UNMET = "preferred_hours_unlawful"
# The reasons the guardrails may add after the ladder's, in the order they add them: their bits in the reason
# mask follow the ladder's lines.
GUARD_REASONS = (*(reason for _, _, reason in CHANNEL_BARS), PREFERRED_UNMET)


def channel_bar_stages(pack: Pack, columns: frozenset[str], reasons: str,
                       first_bit: int) -> tuple[list[list[pl.Expr]], list[tuple[str, str]]]:
    """Replace a remote action on a channel the pack's rules bar for this borrower: one they refused, one that
    reaches them at work while work contact is barred (us_workplace), one on which a third party objected
    (cn_debtor_only), one that reaches a third party the borrower named while they are not out of reach
    (cn_debtor_only, us_third_party) or, once they are, after that third party answered a call (us_third_party,
    1692b(3)). The action falls to the next channel in FALLBACK that no bar covers, else to `none`.

    Each bar that rejected a channel the decision tried sets its reason's bit in the `reasons` mask (bit
    `first_bit` + its place in CHANNEL_BARS) and is named in `blocked_by` (the returned (rule, marker column)
    pairs). Returns the `with_columns` stages and those pairs."""
    bars = [(rule, column, i, f"_bar_{i}") for i, (what, column, _) in enumerate(CHANNEL_BARS)
            if (rule := honouring(pack, what)) is not None and column in columns]
    if not bars:
        return [], []
    action = pl.col("action")

    def barred_by(column: str, name: str) -> pl.Expr:
        return pl.col(column).fill_null(pl.lit([], pl.List(pl.String))).list.contains(pl.lit(ACTION_CHANNEL[name]))

    def barred(name: str) -> pl.Expr:
        return pl.any_horizontal([barred_by(column, name) for _, column, _, _ in bars])

    chosen: Any = pl
    marks: dict[str, Any] = {marker: pl.lit(False) for *_, marker in bars}
    for name, options in FALLBACK.items():
        tried: list[str] = []
        for candidate in (name, *options):
            before = pl.all_horizontal([barred(t) for t in tried]) if tried else pl.lit(True)
            reached = (action == name) & before  # every channel tried before this one was barred
            chosen = chosen.when(reached & ~barred(candidate)).then(pl.lit(candidate))
            for _, column, _, marker in bars:
                marks[marker] = marks[marker] | (reached & barred_by(column, candidate))
            tried.append(candidate)
    fallen = pl.when(action.is_in(list(FALLBACK))).then(chosen.otherwise(pl.lit("none"))).otherwise(action)
    added = [pl.when(pl.col(marker)).then(bit(first_bit + i)).otherwise(pl.lit(0, MASK)) for _, _, i, marker in bars]
    stages = [
        [expr.fill_null(False).alias(marker) for marker, expr in marks.items()],
        [fallen.alias("action"), reduce(operator.or_, [pl.col(reasons), *added]).alias(reasons)],
    ]
    return stages, [(rule, marker) for rule, _, _, marker in bars]


def preferred_moment(df: pl.LazyFrame, candidate: str, lo: str, hi: str, visit_days: list[int]) -> pl.LazyFrame:
    """Per row `_r` of `df`: `_pref`, the earliest local moment ≥ `candidate` inside one of the row's preferred
    windows, clipped to its lawful hours [`lo`, `hi`) (seconds) and, for a visit row, to the visit weekdays;
    rows with none are absent."""
    rows = (
        df.filter(pl.col("preferred_hours").list.len() > 0)
        .select("_r", "_is_visit", pl.col(candidate).alias("_c"), pl.col(lo).alias("_lo"), pl.col(hi).alias("_hi"),
                "preferred_hours")
        .explode("preferred_hours")
        .unnest("preferred_hours")
    )
    days = pl.LazyFrame({"_k": list(range(PREFERENCE_DAYS))}, schema={"_k": pl.Int32()})
    day = pl.col("_c").dt.date() + pl.duration(days=pl.col("_k"))
    opens = pl.max_horizontal(pl.col("start_s"), pl.col("_lo"))
    closes = pl.min_horizontal(pl.col("end_s"), pl.col("_hi"))
    return (
        rows.join(days, how="cross")
        .with_columns(_day=day)
        .filter(
            (pl.col("weekday").is_null() | (pl.col("_day").dt.weekday() == pl.col("weekday")))
            & (~pl.col("_is_visit") | pl.col("_day").dt.weekday().is_in(visit_days))
            & (opens < closes)
        )
        .with_columns(_open=_at(pl.col("_day"), 0) + pl.duration(seconds=opens),
                      _close=_at(pl.col("_day"), 0) + pl.duration(seconds=closes))
        .with_columns(_at=pl.max_horizontal(pl.col("_c"), pl.col("_open")))
        .filter(pl.col("_at") < pl.col("_close"))
        .group_by("_r")
        .agg(_pref=pl.col("_at").min())
    )


@dataclass(frozen=True)
class PackPlan:
    """One pack's guardrails compiled once: `apply` adds not_before (UTC) and blocked_rules to the rows of that
    jurisdiction (and may change the action and add reasons), as a lazy query; blocked_rules as a mask (bit i:
    `rules[i]`)."""

    before: list[list[pl.Expr]]
    preferred: tuple[list[pl.Expr], list[int], list[list[pl.Expr]]] | None
    after: list[pl.Expr]
    drop: list[str]
    rules: list[str]  # the rule of each bit of the blocking mask
    to_utc: pl.Expr  # the local moment `nb_local` in the zone `timezone` as UTC

    def apply(self, df: pl.LazyFrame, distinct_moments: bool = True) -> pl.LazyFrame:
        """`distinct_moments`: convert each distinct (zone, local moment) once and join it back (many rows); else
        convert on every row (a few rows: the join costs more than it saves). The same values either way."""
        for stage in self.before:
            df = df.with_columns(stage)
        if self.preferred is not None:
            staging, visit_days, moved = self.preferred
            staged = df.with_columns(staging).with_row_index("_r")
            found = preferred_moment(staged, "_cand", "_lo", "_hi", visit_days)
            df = staged.join(found, on="_r", how="left", maintain_order="left").drop("_r")
            for step in moved:
                df = df.with_columns(step)
        # the local moment to UTC once per distinct (zone, moment): most rows share a few (08:00 today, tomorrow)
        if distinct_moments:
            moments = (df.select("timezone", "nb_local").filter(pl.col("nb_local").is_not_null()).unique()
                       .with_columns(self.to_utc.alias("_nb_utc")))
            df = df.join(moments, on=["timezone", "nb_local"], how="left", maintain_order="left")
        else:
            df = df.with_columns(self.to_utc.alias("_nb_utc"))
        return df.with_columns(self.after).drop(self.drop, "_nb_utc")


def pack_plan(pack: Pack, strategy: Strategy, zones: list[str], columns: frozenset[str], reasons: str,
              first_bit: int, blocked: str, tag: int, bars: bool = True, preferred: bool = True) -> PackPlan:
    """not_before (UTC) and the `blocked` mask of rules that moved it, for rows of one jurisdiction; the reasons
    the guardrails add set bits of the `reasons` mask from `first_bit` on (GUARD_REASONS order); `tag` is OR-ed
    into the blocking mask (the pack's place, above the rule bits). `bars` / `preferred`: whether the rows may
    have a barred channel / stated hours (without any, those steps change nothing and are left out)."""
    before, bar_marks = channel_bar_stages(pack, columns, reasons, first_bit) if bars else ([], [])
    t = (pl.col("as_of_local").dt.hour().cast(pl.Int32) * 3600
         + pl.col("as_of_local").dt.minute().cast(pl.Int32) * 60
         + pl.col("as_of_local").dt.second().cast(pl.Int32))
    today = pl.col("today")
    action = pl.col("action")
    is_contact = action.is_in(CONTACT_ACTIONS)
    is_call = action == "call"
    is_visit = action == "visit_schedule"

    hours = contact_window(pack)
    outside = is_contact & ((t < hours.start) | (t >= hours.end))
    days: list[pl.Expr] = [pl.when(is_contact & (t >= hours.end)).then(today + pl.duration(days=1))]
    violated: list[tuple[str, pl.Expr]] = [(hours.rule, outside)]
    for cap in pack.rules_of("daily_call_cap"):
        hit = is_call & (pl.col(cap.params["feature"]).fill_null(0) >= cap.params["max"])
        days.append(pl.when(hit).then(today + pl.duration(days=1)))
        violated.append((cap.id, hit))
    for s7 in pack.rules_of("seven_in_seven"):
        allowed = pl.max_horizontal(pl.col("s7_allowed_day"), pl.col("conv_allowed_day"))
        hit = (is_call & (allowed > today)).fill_null(False)
        days.append(pl.when(hit).then(allowed))
        violated.append((s7.id, hit))
    contact_day = pl.max_horizontal(today, *days)
    contact_local = (
        pl.when(contact_day > today).then(_at(contact_day, hours.start))
        .when(outside).then(_at(today, hours.start))
    )

    vw = strategy.visit_window
    v_start, v_end = max(seconds_of_day(vw.start), hours.start), min(seconds_of_day(vw.end), hours.end)
    allowed_days = [WEEKDAYS[d] for d in vw.weekdays]
    day_ok = today.dt.weekday().is_in(allowed_days)
    visit_hit = is_visit & ~(day_ok & (t >= v_start) & (t < v_end))
    next_day = pl.coalesce([
        pl.when((today + pl.duration(days=k)).dt.weekday().is_in(allowed_days)).then(today + pl.duration(days=k))
        for k in range(1, 8)
    ])
    visit_local = (
        pl.when(~visit_hit).then(None)
        .when(day_ok & (t < v_start)).then(_at(today, v_start))
        .otherwise(_at(next_day, v_start))
    )
    violated.append((vw.rule, visit_hit))

    local = pl.when(is_contact).then(contact_local).when(is_visit).then(visit_local)
    before = [*before, [local.alias("nb_local")]]
    hours_rule = honouring(pack, "stated_hours")
    pref_plan = None
    drop = ["nb_local", *[marker for _, marker in bar_marks]]
    if preferred and hours_rule is not None and "preferred_hours" in columns:
        staging = [
            is_visit.alias("_is_visit"),
            pl.coalesce(pl.col("nb_local"), pl.col("as_of_local")).alias("_cand"),
            pl.when(is_visit).then(pl.lit(v_start)).otherwise(pl.lit(hours.start)).alias("_lo"),
            pl.when(is_visit).then(pl.lit(v_end)).otherwise(pl.lit(hours.end)).alias("_hi"),
        ]
        wants = (is_contact | is_visit) & (pl.col("preferred_hours").list.len() > 0)
        unmet_bit = first_bit + GUARD_REASONS.index(PREFERRED_UNMET)
        moved = [
            [(wants & pl.col("_pref").is_not_null() & (pl.col("_pref") > pl.col("_cand"))).fill_null(False)
             .alias("_pref_moved"),
             (wants & pl.col("_pref").is_null()).fill_null(False).alias("_pref_unmet")],
            [pl.when(pl.col("_pref_moved")).then(pl.col("_pref")).otherwise(pl.col("nb_local")).alias("nb_local"),
             (pl.col(reasons) | pl.when(pl.col("_pref_unmet")).then(bit(unmet_bit)).otherwise(pl.lit(0, MASK)))
             .alias(reasons)],
        ]
        pref_plan = (staging, allowed_days, moved)
        drop += ["_is_visit", "_cand", "_lo", "_hi", "_pref", "_pref_unmet", "_pref_moved"]
        violated.append((hours_rule, pl.col("_pref_moved")))
    violated += [(rule, pl.col(marker)) for rule, marker in bar_marks]
    if len(violated) > tag.bit_length() - 1 and tag:
        raise ValueError(f"{pack.pack}: {len(violated)} blocking rules do not fit below the pack's tag")
    after = [
        pl.when(pl.col("nb_local").is_not_null()).then(pl.col("_nb_utc")).otherwise(pl.col("as_of_utc"))
        .alias("not_before"),
        (mask_of([v.fill_null(False) for _, v in violated]) | pl.lit(tag, MASK)).alias(blocked),
    ]
    return PackPlan(before, pref_plan, after, drop, [rule for rule, _ in violated],
                    utc_from_local(pl.col("nb_local"), pl.col("timezone"), zones))
