"""Contact features per DESIGN.md (attempts, outcomes, reachability), as pure columnar functions.

Every contact feature is per borrower: a person is reached or not whichever loan a contact names, so all
the borrower's contacts count for each of their loans. The one exception is the US 7-in-7 guardrail, which
counts contacts about the particular debt (`about_loan`: naming that loan or no loan; policy/facts.py).
Substantive portal activity by the signed-in borrower (questionnaire, plan, promise, contact preferences) is an
inbound right-party contact of channel `portal`; a sign-in alone is not recorded as a contact. A contact that
answers a visit notice (`answers_notice` set: an SMS/email reply parsed into a consent record) is an answer
about the visit, not a conversation about the debt: it is neither a right-party contact nor an unsuccessful
attempt — otherwise the borrower's "yes" would make them reachable and cancel the visit they agreed to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from duecare.ageing.ageing import loan_ageing, zones_of
from duecare.kit.columns import run
from duecare.kit.localtime import iso_local, local_date

RPC_OUTCOMES = ("rpc", "ptp", "refused", "dispute")
REMOTE_CHANNELS = ("call", "sms", "email")
# The borrower acting in the signed-in portal is a right-party contact whatever outcome was recorded.
PORTAL = "portal"
WINDOWS = {"1d": 1, "7d": 7, "30d": 30}

FEATURE_NAMES = (
    "dpd", "overdue_amount", "bucket", "episodes_12m", "max_dpd_12m", "days_to_next_due", "unreachable",
    *(f"{kind}_{ch}_{w}" for kind in ("attempts", "unsuccessful") for ch in REMOTE_CHANNELS for w in WINDOWS),
    "connected_calls_today", "dial_attempts_today", "last_rpc_at", "remote_channels_failed_30d",
    "first_unsuccessful_30d_at",
)


@dataclass(frozen=True)
class Reachability:
    """The strategy's numbers for `unreachable` (defaults of DESIGN.md)."""

    no_rpc_days: int = 30
    min_unsuccessful: int = 6
    min_channels: int = 2
    window_days: int = 30
    first_attempt_min_age_days: int = 14


def _days(n: int) -> pl.Expr:
    return pl.duration(days=n)


def is_rpc(channel: pl.Expr, direction: pl.Expr, outcome: pl.Expr, answers_notice: pl.Expr | None = None) -> pl.Expr:
    """A right-party contact: an RPC outcome on any channel and direction, or the borrower in the portal —
    unless the contact answers a visit notice (`answers_notice` not null)."""
    rpc = outcome.is_in(RPC_OUTCOMES) | ((channel == PORTAL) & (direction == "inbound"))
    return rpc if answers_notice is None else rpc & answers_notice.is_null()


def borrower_contacts(frames: dict[str, pl.DataFrame], clock: pl.DataFrame) -> pl.DataFrame:
    """Contacts up to as_of, one row per contact, with the borrower's clock (zone, instant, local today: the same
    for every loan of a borrower) and the per-contact flags the features read."""
    zones = zones_of(frames["borrowers"])
    contacts = frames["contacts"]
    if "answers_notice" not in contacts.columns:  # frames built by hand before the column existed
        contacts = contacts.with_columns(answers_notice=pl.lit(None, dtype=pl.String()))
    rows = contacts.lazy().rename({"loan_id": "contact_loan_id"}).with_row_index("contact_idx")
    return (
        clock.lazy().select("borrower_id", "timezone", "as_of_utc", "today").unique("borrower_id", keep="any")
        .join(rows, on="borrower_id", how="inner")
        .filter(pl.col("at") <= pl.col("as_of_utc"))
        .with_columns(
            day=local_date(pl.col("at"), pl.col("timezone"), zones),
            is_rpc=is_rpc(pl.col("channel"), pl.col("direction"), pl.col("outcome"), pl.col("answers_notice")),
            # An answer to a visit notice is no attempt either (neither RPC nor unsuccessful).
            outbound=(pl.col("direction") == "outbound") & pl.col("answers_notice").is_null(),
            remote=pl.col("channel").is_in(REMOTE_CHANNELS),
            age=pl.col("as_of_utc") - pl.col("at"),
        )
        .pipe(run, contacts.height)
    )


def loan_contacts(frames: dict[str, pl.DataFrame], clock: pl.DataFrame,
                  borrower_rows: pl.DataFrame | None = None, about_loan_only: bool = False,
                  columns: Sequence[str] | None = None) -> pl.DataFrame:
    """Contacts up to as_of, one row per (loan, contact of the loan's borrower); `about_loan` marks contacts
    naming that loan or no loan (what the US 7-in-7 rule counts). `about_loan_only` keeps only those rows (all
    that the decision facts read); `borrower_rows` reuses `borrower_contacts` already computed; `columns` keeps
    only loan_id, those columns of the borrower rows and about_loan (a narrower join: it copies each column for
    every row)."""
    bc = borrower_rows if borrower_rows is not None else borrower_contacts(frames, clock)
    right = bc.lazy() if columns is None else \
        bc.lazy().select(*dict.fromkeys(["borrower_id", "contact_loan_id", *columns]))
    rows = clock.lazy().select("loan_id", "borrower_id").join(right, on="borrower_id", how="inner").with_columns(
        about_loan=pl.col("contact_loan_id").is_null() | (pl.col("contact_loan_id") == pl.col("loan_id")))
    rows = rows.filter(pl.col("about_loan")) if about_loan_only else rows
    if columns is not None:
        return rows.select("loan_id", *columns, "about_loan").pipe(run, max(bc.height, clock.height))
    return rows.select("loan_id", "borrower_id", "timezone", "as_of_utc", "today",
                       *[c for c in bc.columns if c not in ("borrower_id", "timezone", "as_of_utc", "today",
                                                             "day", "is_rpc", "outbound", "remote", "age")],
                       "about_loan", "day", "is_rpc", "outbound", "remote", "age").pipe(
                           run, max(bc.height, clock.height))


def contact_features(lc: pl.DataFrame, clock: pl.DataFrame, reach: Reachability = Reachability()) -> pl.DataFrame:
    """Per loan, from all the borrower's contacts: attempts and failures per channel and window, today's
    calls, last RPC, reachability. `lc` is `borrower_contacts` (one row per contact) or `loan_contacts` (a
    contact repeated for every loan of its borrower; counted once).

    Every per-contact condition is evaluated once, vectorised, before grouping; the group-by only sums,
    counts and takes extremes."""
    rows = lc.lazy()
    if "loan_id" in lc.columns:
        rows = rows.unique(subset=["contact_idx"], keep="any")
    outbound, rpc = pl.col("outbound"), pl.col("is_rpc")
    failed_remote_30d = outbound & ~rpc & pl.col("remote") & (pl.col("age") < _days(reach.window_days))
    today_calls = outbound & (pl.col("channel") == "call") & (pl.col("day") == pl.col("today"))
    int_cols = [f"{k}_{c}_{w}" for k in ("attempts", "unsuccessful") for c in REMOTE_CHANNELS for w in WINDOWS]
    flags = rows.select(
        "borrower_id", "at", "channel", "is_rpc",
        *[((pl.col("channel") == ch) & outbound).alias(f"_out_{ch}") for ch in REMOTE_CHANNELS],
        *[(pl.col("age") < _days(n)).alias(f"_in_{w}") for w, n in WINDOWS.items()],
        _failed=failed_remote_30d, _today_call=today_calls,
        _rpc_recent=rpc & (pl.col("age") < _days(reach.no_rpc_days)),
    ).with_columns(
        *[(pl.col(f"_out_{ch}") & pl.col(f"_in_{w}")).alias(f"attempts_{ch}_{w}")
          for ch in REMOTE_CHANNELS for w in WINDOWS],
        *[(pl.col(f"_out_{ch}") & pl.col(f"_in_{w}") & ~rpc).alias(f"unsuccessful_{ch}_{w}")
          for ch in REMOTE_CHANNELS for w in WINDOWS],
        _rpc_at=pl.when(rpc).then(pl.col("at")),
        _failed_channel=pl.when(pl.col("_failed")).then(pl.col("channel")),
        _failed_at=pl.when(pl.col("_failed")).then(pl.col("at")),
        _connected=pl.col("_today_call") & rpc,
    )
    per_borrower = flags.group_by("borrower_id").agg(
        *[pl.col(f"{k}_{ch}_{w}").sum().cast(pl.Int32) for ch in REMOTE_CHANNELS for w in WINDOWS
          for k in ("attempts", "unsuccessful")],
        last_rpc_ts=pl.col("_rpc_at").max(),
        rpc_recent=pl.col("_rpc_recent").any(),
        remote_channels_failed_30d=pl.col("_failed_channel").drop_nulls().n_unique().cast(pl.Int32),
        unsuccessful_remote_30d=pl.col("_failed").sum().cast(pl.Int32),
        first_unsuccessful_ts=pl.col("_failed_at").min(),
        connected_calls_today=pl.col("_connected").sum().cast(pl.Int32),
        dial_attempts_today=pl.col("_today_call").sum().cast(pl.Int32),
    )
    zones = sorted(z for z in clock["timezone"].unique().to_list() if z is not None)
    return (
        clock.lazy().select("loan_id", "borrower_id", "timezone", "as_of_utc")
        .join(per_borrower, on="borrower_id", how="left")
        .with_columns(
            [pl.col(c).fill_null(0) for c in int_cols]
            + [pl.col(c).fill_null(0) for c in ("remote_channels_failed_30d", "unsuccessful_remote_30d",
                                                 "connected_calls_today", "dial_attempts_today")]
            + [pl.col("rpc_recent").fill_null(False)]
        )
        .with_columns(
            unreachable=(
                ~pl.col("rpc_recent")
                & (pl.col("unsuccessful_remote_30d") >= reach.min_unsuccessful)
                & (pl.col("remote_channels_failed_30d") >= reach.min_channels)
                & (pl.col("as_of_utc") - pl.col("first_unsuccessful_ts") >= _days(reach.first_attempt_min_age_days))
            ).fill_null(False),
            last_rpc_at=iso_local(pl.col("last_rpc_ts"), pl.col("timezone"), zones),
            first_unsuccessful_30d_at=iso_local(pl.col("first_unsuccessful_ts"), pl.col("timezone"), zones),
        )
        .drop("borrower_id", "timezone", "as_of_utc")
        .pipe(run, lc.height)
    )


def loan_features(frames: dict[str, pl.DataFrame], as_of: datetime,
                  reach: Reachability = Reachability()) -> pl.DataFrame:
    """The feature table: one row per loan with every DESIGN.md feature (amounts also in minor units)."""
    ageing = loan_ageing(frames, as_of)
    clock = ageing.select("loan_id", "borrower_id", "timezone", "as_of_utc", "today")
    lc = loan_contacts(frames, clock)
    return (
        ageing.join(contact_features(lc, clock, reach), on="loan_id", how="left")
        .with_columns(overdue_amount=(pl.col("overdue_minor").cast(pl.Decimal(20, 2)) / 100).cast(pl.Decimal(20, 2)))
    )
