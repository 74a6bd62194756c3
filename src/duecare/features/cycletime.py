"""Investigation cycle time: from the moment a borrower became *unreachable* (DESIGN.md, the strategy's numbers)
to the moment their situation was known, by the route that made it known (a right-party call, the hardship
questionnaire, documents, a video or phone appointment, a plan proposal, a home visit).

Pure and columnar. `unreachable_onsets` finds every moment the borrower turned unreachable from the contact
history alone; `cycle_times` pairs each spell with the first situation-known event after its onset.

How an onset is found without a day-by-day loop: *unreachable at T* is "no RPC in (T-30d, T], >= 6 unsuccessful
outbound remote attempts in (T-30d, T] over >= 2 channels, the first of them at least 14 days before T". Its
truth only changes at an attempt (counts rise), at an attempt's 14th day (it becomes old enough to be the first)
or at an RPC's 30th day (the RPC leaves the window): counts falling out of the window only make it false. So the
first moment of a spell is one of those candidate moments, and each candidate is evaluated with cumulative
counts looked up by `join_asof` (count in (A, B] = count up to B - count up to A).
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from duecare.features.contacts import REMOTE_CHANNELS, Reachability, is_rpc

# The routes by which a borrower's situation becomes known, in the order the dashboards list them.
ROUTES = ("call", "questionnaire", "documents", "video", "phone", "plan", "visit")
DEFAULT_REACH = Reachability()
KNOWN_SCHEMA = {"borrower_id": pl.String, "at": pl.Datetime("us", "UTC"), "route": pl.String}


def _count_upto(events: pl.DataFrame, queries: pl.DataFrame, at: str, name: str) -> pl.DataFrame:
    """`queries` with `name` = how many `events` of the borrower happened at or before `queries[at]`."""
    cum = events.sort("borrower_id", "at").with_columns(
        pl.int_range(1, pl.len() + 1).over("borrower_id").cast(pl.Int64).alias(name))
    found = queries.sort(at).join_asof(cum.select("borrower_id", pl.col("at").alias(at), name).sort(at),
                                       on=at, by="borrower_id", strategy="backward", check_sortedness=False)
    return found.with_columns(pl.col(name).fill_null(0))


def unreachable_onsets(contacts: pl.DataFrame, reach: Reachability = DEFAULT_REACH,
                       until: datetime | None = None) -> pl.DataFrame:
    """(borrower_id, at): each candidate moment at or before `until` at which the borrower was unreachable
    (every true candidate; `cycle_times` keeps the first of each spell)."""
    c = contacts
    if "answers_notice" not in c.columns:
        c = c.with_columns(answers_notice=pl.lit(None, dtype=pl.String()))
    if until is not None:
        c = c.filter(pl.col("at") <= until)
    c = c.with_columns(
        rpc=is_rpc(pl.col("channel"), pl.col("direction"), pl.col("outcome"), pl.col("answers_notice")))
    failed = c.filter((pl.col("direction") == "outbound") & pl.col("answers_notice").is_null() & ~pl.col("rpc")
                      & pl.col("channel").is_in(REMOTE_CHANNELS)).select("borrower_id", "at", "channel")
    rpcs = c.filter(pl.col("rpc")).select("borrower_id", "at")
    window, old = pl.duration(days=reach.window_days), pl.duration(days=reach.first_attempt_min_age_days)
    quiet = pl.duration(days=reach.no_rpc_days)
    candidates = pl.concat([
        failed.select("borrower_id", "at"),
        failed.select("borrower_id", pl.col("at") + old),
        rpcs.select("borrower_id", pl.col("at") + quiet),
    ]).unique()
    if until is not None:
        candidates = candidates.filter(pl.col("at") <= until)
    if candidates.height == 0 or failed.height == 0:
        return pl.DataFrame(schema={"borrower_id": pl.String, "at": pl.Datetime("us", "UTC")})
    q = candidates.with_columns(T=pl.col("at"), T_window=pl.col("at") - window, T_old=pl.col("at") - old,
                                T_quiet=pl.col("at") - quiet).drop("at")
    q = _count_upto(failed, q, "T", "n_T")
    q = _count_upto(failed, q, "T_window", "n_window")
    q = _count_upto(failed, q, "T_old", "n_old")
    q = _count_upto(rpcs, q, "T", "r_T")
    q = _count_upto(rpcs, q, "T_quiet", "r_quiet")
    channel_counts = []
    for ch in REMOTE_CHANNELS:
        per = failed.filter(pl.col("channel") == ch)
        q = _count_upto(per, q, "T", f"{ch}_T")
        q = _count_upto(per, q, "T_window", f"{ch}_window")
        channel_counts.append(((pl.col(f"{ch}_T") - pl.col(f"{ch}_window")) > 0).cast(pl.Int32))
    unreachable = (
        (pl.col("r_T") == pl.col("r_quiet"))  # no RPC in (T-30d, T]
        & ((pl.col("n_T") - pl.col("n_window")) >= reach.min_unsuccessful)
        & (pl.sum_horizontal(channel_counts) >= reach.min_channels)
        & ((pl.col("n_old") - pl.col("n_window")) > 0)  # the first attempt in the window is >= 14 days old
    )
    return q.filter(unreachable).select("borrower_id", pl.col("T").alias("at")).sort("borrower_id", "at")


def cycle_times(onsets: pl.DataFrame, known: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(closed, still_open). closed: one row per unreachable spell whose situation became known — borrower_id,
    onset, known_at, route, days (fractional). A spell starts at the first unreachable moment after the previous
    situation-known event and ends at the next one. still_open: spells with nothing known yet (borrower_id,
    onset)."""
    empty_closed = pl.DataFrame(schema={"borrower_id": pl.String, "onset": pl.Datetime("us", "UTC"),
                                        "known_at": pl.Datetime("us", "UTC"), "route": pl.String,
                                        "days": pl.Float64})
    if onsets.height == 0:
        return empty_closed, pl.DataFrame(schema={"borrower_id": pl.String, "onset": pl.Datetime("us", "UTC")})
    k = known.cast(KNOWN_SCHEMA).sort("at")  # type: ignore[arg-type]
    # The first known event at or after each onset (ties: the earliest route in ROUTES order).
    k = k.with_columns(rank=pl.col("route").replace_strict(list(ROUTES), list(range(len(ROUTES))), default=99))
    k = k.sort("borrower_id", "at", "rank").unique(subset=["borrower_id", "at"], keep="first", maintain_order=True)
    paired = onsets.sort("at").join_asof(
        k.select("borrower_id", pl.col("at").alias("known_at"), "route").sort("known_at"),
        left_on="at", right_on="known_at", by="borrower_id", strategy="forward", check_sortedness=False)
    spells = paired.group_by("borrower_id", "known_at", "route").agg(onset=pl.col("at").min())
    closed = (spells.filter(pl.col("known_at").is_not_null())
              .with_columns(days=(pl.col("known_at") - pl.col("onset")).dt.total_seconds() / 86400.0)
              .select("borrower_id", "onset", "known_at", "route", "days").sort("borrower_id", "onset"))
    still_open = spells.filter(pl.col("known_at").is_null()).select("borrower_id", "onset").sort("borrower_id")
    return closed, still_open


def summary(closed: pl.DataFrame, still_open: pl.DataFrame) -> dict[str, object]:
    """Aggregates only: per route the number of spells and the quartiles of their length in days; the share of
    situations known without a home visit; the spells still open."""
    rows = (closed.group_by("route").agg(
        spells=pl.len(), min=pl.col("days").min(), q1=pl.col("days").quantile(0.25, "linear"),
        median=pl.col("days").median(), q3=pl.col("days").quantile(0.75, "linear"),
        p90=pl.col("days").quantile(0.9, "linear"), max=pl.col("days").max()))
    order = {r: i for i, r in enumerate(ROUTES)}
    per_route = sorted(rows.to_dicts(), key=lambda r: order.get(r["route"], 99))
    total = closed.height
    without_visit = closed.filter(pl.col("route") != "visit").height
    return {"per_route": per_route, "known": total, "open": still_open.height,
            "without_visit_share": (without_visit / total) if total else None,
            "median_days": closed["days"].median() if total else None}
