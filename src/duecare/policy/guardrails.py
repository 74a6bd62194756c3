"""Guardrails: the earliest lawful moment (`not_before`) for each decided action, vectorised.

Pack rules of kind `contact_hours`, `daily_call_cap` and `seven_in_seven`, and the strategy's visit window,
each compute the first local day they allow; the latest of those days wins, at the window's opening time.
Every rule that is violated at as_of is reported in `blocked_rules` (it moved `not_before`).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from duecare.kit.columns import codes_list
from duecare.kit.localtime import utc_from_local
from duecare.policy.loader import Pack, Strategy

CONTACT_ACTIONS = ("sms_reminder", "email_notice", "call", "visit_notice")
WEEKDAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}


def _seconds(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 3600 + int(minutes) * 60


@dataclass(frozen=True)
class Window:
    rule: str
    start: int  # seconds after local midnight, inclusive
    end: int    # exclusive


def contact_window(pack: Pack) -> Window:
    rule = pack.rules_of("contact_hours")[0]
    return Window(rule.id, _seconds(rule.params["start"]), _seconds(rule.params["end"]))


def _at(day: pl.Expr, seconds: int) -> pl.Expr:
    return day.cast(pl.Datetime("us")) + pl.duration(seconds=seconds)


def _rules_list(pairs: list[tuple[str, pl.Expr]]) -> pl.Expr:
    return codes_list(pairs)


def pack_not_before(df: pl.DataFrame, pack: Pack, strategy: Strategy, zones: list[str]) -> pl.DataFrame:
    """not_before (UTC) and blocked_rules for rows of one jurisdiction."""
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

    vw = strategy.raw["visit_window"]
    v_start, v_end = max(_seconds(vw["start"]), hours.start), min(_seconds(vw["end"]), hours.end)
    allowed_days = [WEEKDAYS[d] for d in vw["weekdays"]]
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
    violated.append((vw["rule"], visit_hit))

    local = pl.when(is_contact).then(contact_local).when(is_visit).then(visit_local)
    return df.with_columns(nb_local=local).with_columns(
        not_before=pl.when(pl.col("nb_local").is_not_null())
        .then(utc_from_local(pl.col("nb_local"), pl.col("timezone"), zones))
        .otherwise(pl.col("as_of_utc")),
        blocked_rules=_rules_list([(rule, v.fill_null(False)) for rule, v in violated]),
    ).drop("nb_local")
