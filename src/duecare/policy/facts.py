"""Decision facts: the feature table joined with holds, the visit-notice chain and call-cap history.

Every column here may be named in a strategy's SQL conditions (docs/policy.md lists them).
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from duecare.kit.columns import codes_list, run
from duecare.ledger.casefile import VISITED
from duecare.ledger.frames import FLAGS, empty
from duecare.policy.consent import consent_frame, live_notice_frame
from duecare.policy.model import Params

DAY = pl.duration(days=1)
Lazy = dict[str, pl.LazyFrame]  # the frames, each as a lazy query


# (name shown in `visit_holds`, column): the borrower-level holds that close the visit gate
VISIT_HOLDS = (("deceased", "deceased"), ("bankrupt", "bankrupt"), ("dispute_open", "dispute_open"),
               ("do_not_contact", "do_not_contact"), ("represented_by_lawyer", "represented_by_lawyer"),
               ("hardship_open", "hardship_open"), ("ptp_pending", "ptp_pending_borrower"))


def holds(frames: Lazy, features: pl.LazyFrame) -> pl.LazyFrame:
    """Borrower flags, `ptp_pending` (an open promise dated today or later, borrower-local, naming this loan or
    no loan) and `ptp_pending_borrower` (such a promise on any loan of the borrower: it closes the visit gate
    of every loan, while the ladder may still remind about the other loans).

    `status` is the settled one: for a promise made here (`made_at` set), the store holds what
    policy/promises.py decided from the payments (a promise the money covered is `kept` from `kept_on`, one
    whose day passed uncovered `broken`), written back when a payment or promise is recorded and by the nightly
    run; the lender's promises carry the lender's status. So a kept promise stops holding the day its money
    came, not on its promised date. A decision for an earlier day reads that settlement as it stood then: a
    promise made here was still open on a day before it was kept, and before its day passed (a `broken` one).

    `visit_holds` lists the borrower-level holds that close the visit gate (a plan accepted in the portal is
    promises plus a hardship hold, so it appears as both).
    """
    made_here = pl.col("made_at").is_not_null()
    open_then = (pl.col("status") == "open") | (made_here & (
        (pl.col("status") == "broken") | ((pl.col("status") == "kept") & (pl.col("kept_on") > pl.col("today")))))
    open_promises = (
        features.select("loan_id", "borrower_id", "today")
        .join(frames["promises"].rename({"loan_id": "promise_loan_id"}), on="borrower_id", how="inner")
        .filter(open_then & (pl.col("promised_date") >= pl.col("today")))
    )
    promises = (
        open_promises
        .filter(pl.col("promise_loan_id").is_null() | (pl.col("promise_loan_id") == pl.col("loan_id")))
        .group_by("loan_id")
        .agg(ptp_pending=pl.lit(True), ptp_date=pl.col("promised_date").min())
    )
    any_promise = open_promises.group_by("loan_id").agg(ptp_pending_borrower=pl.lit(True))
    borrowers = frames["borrowers"].select("borrower_id", "jurisdiction", *FLAGS,
                                           risk_band_given=pl.col("risk_band"))
    return (
        features.select("loan_id", "borrower_id")
        .join(borrowers, on="borrower_id", how="left")
        .join(promises, on="loan_id", how="left")
        .join(any_promise, on="loan_id", how="left")
        .with_columns([pl.col(f).fill_null(False) for f in (*FLAGS, "ptp_pending", "ptp_pending_borrower")])
        .with_columns(visit_holds=codes_list([(name, pl.col(col)) for name, col in VISIT_HOLDS]))
        .drop("borrower_id")
    )


def visit_chain(frames: Lazy, features: pl.LazyFrame, params: Params) -> pl.LazyFrame:
    """The live visit notice per loan, the consent state for it, the approval after that, and the visit limits.

    Consent follows `policy.consent` (one semantics with its scalar form). An approval counts only after the
    granting record; the latest counts, a rejection beating an approval at the same instant. While the notice
    period runs the gate stays closed (`notice_period_running`) whatever was approved.
    """
    base = features.select("loan_id", "borrower_id", "as_of_utc")
    latest_notice = live_notice_frame(base, frames["notices"], params.notice_valid_days)
    latest_consent = consent_frame(
        base.join(latest_notice.select("loan_id", "notice_id", "sent_at"), on="loan_id", how="inner"),
        frames["consents"],
    ).drop("consent_notice_id")
    approvals = (
        base.join(latest_notice.select("loan_id", "notice_id", "sent_at"), on="loan_id", how="inner")
        .join(latest_consent.filter(pl.col("consent_state") == "granted"), on="loan_id", how="inner")
        .join(frames["approvals"].rename({"notice_id": "approval_notice_id"}), on="borrower_id", how="inner")
        .filter(
            (pl.col("at") > pl.col("consent_at"))
            & (pl.col("at") <= pl.col("as_of_utc"))
            & (pl.col("approval_notice_id").is_null() | (pl.col("approval_notice_id") == pl.col("notice_id")))
        )
    )
    latest_approval = (
        approvals.sort("loan_id", "at", pl.col("decision") == "rejected")
        .group_by("loan_id", maintain_order=True)
        .agg(approval_state=pl.col("decision").last())
    )
    refused_block = pl.duration(days=params.visit_refused_block_days)
    refused = (
        base.join(frames["visits"], on="borrower_id", how="inner")
        .filter(
            ((pl.col("status") == "refused") | (pl.col("outcome") == "refused"))
            & (pl.col("at") <= pl.col("as_of_utc")) & (pl.col("as_of_utc") - pl.col("at") < refused_block)
        )
        .group_by("loan_id")
        .agg(visit_refused_recently=pl.lit(True), visit_refused_at=pl.col("at").max())
    )
    cooldown = pl.duration(days=params.visit_cooldown_days)
    limit = (
        base.join(frames["visits"], on="borrower_id", how="inner")
        .filter(
            (pl.col("status") == "scheduled")
            | (pl.col("status").is_in(VISITED) & (pl.col("at") <= pl.col("as_of_utc"))
               & (pl.col("as_of_utc") - pl.col("at") < cooldown))
        )
        .group_by("loan_id")
        .agg(visit_limit=pl.lit(True))
    )
    return (
        base.select("loan_id")
        .join(alternatives(frames, base, params), on="loan_id", how="left")
        .join(latest_notice, on="loan_id", how="left")
        .join(latest_consent, on="loan_id", how="left")
        .join(latest_approval, on="loan_id", how="left")
        .join(limit, on="loan_id", how="left")
        .join(refused, on="loan_id", how="left")
        .with_columns(
            visit_refused_recently=pl.col("visit_refused_recently").fill_null(False),
            alternative_in_progress=pl.col("alternative_in_progress").fill_null(False),
            verified_remotely=pl.col("verified_remotely").fill_null(False),
            has_notice=pl.col("notice_id").is_not_null(),
            consent_state=pl.col("consent_state").fill_null("none"),
            approval_state=pl.col("approval_state").fill_null("none"),
            visit_limit=pl.col("visit_limit").fill_null(False),
        )
        .drop("sent_at")
    )


def alternatives(frames: Lazy, base: pl.LazyFrame, params: Params) -> pl.LazyFrame:
    """Per loan, the borrower's remote alternatives to a visit (any loan of theirs: the situation is the person's).

    `alternative_in_progress`: one chosen (or completed, awaiting a person's confirmation) less than
    `alternative_pause_days` ago. `verified_remotely`: one a person verified less than `verified_remotely_days`
    ago; the situation is known, so no visit is needed. Rows dated after as_of are ignored.
    """
    alts = frames.get("alternatives", empty("alternatives").lazy()).drop("loan_id")
    pause = pl.duration(days=params.alternative_pause_days)
    valid = pl.duration(days=params.verified_remotely_days)
    rows = base.join(alts, on="borrower_id", how="inner").filter(pl.col("chosen_at") <= pl.col("as_of_utc"))
    running = pl.col("state").is_in(["chosen", "completed"]) & (pl.col("as_of_utc") - pl.col("chosen_at") < pause)
    verified = ((pl.col("state") == "verified") & pl.col("completed_at").is_not_null()
                & (pl.col("completed_at") <= pl.col("as_of_utc"))
                & (pl.col("as_of_utc") - pl.col("completed_at") < valid))
    return (
        rows.group_by("loan_id")
        .agg(alternative_in_progress=running.any(), verified_remotely=verified.any(),
             alternative_kind=pl.col("kind").filter(running).sort_by(pl.col("chosen_at").filter(running)).last(),
             verified_remotely_at=pl.col("completed_at").filter(verified).max())
    )


PREFERRED_HOURS = pl.List(pl.Struct({"weekday": pl.Int8(), "start_s": pl.Int32(), "end_s": pl.Int32()}))


def contact_preferences(frames: Lazy, features: pl.LazyFrame) -> pl.LazyFrame:
    """Per loan, the borrower's stated preferences: `preferred_hours` (windows, local seconds; weekday 1 =
    Monday, null = every day) and `refused_channels`. A borrower who stated nothing has empty lists."""
    hours = frames.get("preferred_hours", empty("preferred_hours").lazy())
    refused = frames.get("refused_channels", empty("refused_channels").lazy())
    base = features.select("loan_id", "borrower_id")
    windows = (
        base.join(hours, on="borrower_id", how="inner")
        .group_by("loan_id")
        .agg(preferred_hours=pl.struct("weekday", "start_s", "end_s").sort_by("weekday", "start_s"))
    )
    channels = (
        base.join(refused, on="borrower_id", how="inner")
        .group_by("loan_id")
        .agg(refused_channels=pl.col("channel").unique().sort())
    )
    return (
        base.select("loan_id")
        .join(windows, on="loan_id", how="left")
        .join(channels, on="loan_id", how="left")
        .with_columns(preferred_hours=pl.col("preferred_hours").fill_null(pl.lit([], PREFERRED_HOURS)),
                      refused_channels=pl.col("refused_channels").fill_null(pl.lit([], pl.List(pl.String))))
    )


LIMIT_LISTS = {"workplace": "workplace_barred_channels", "third_party_objected": "third_party_objected_channels",
               "third_party_contact": "third_party_channels"}


def contact_limits(frames: Lazy, features: pl.LazyFrame) -> pl.LazyFrame:
    """Per loan, the remote channels under a known limit at as_of (set at or before it, not lifted by then):
    `workplace_barred_channels` (the channel reaches the borrower at work and the employer prohibits or the
    borrower refused contact there) and `third_party_objected_channels` (a third party reached on it objected),
    `third_party_channels` (the number on file reaches a third party the borrower named: an emergency contact or a
    reference), each a sorted list, empty when none; `third_party_objected` when any third party objected.

    `debtor_out_of_reach`: the borrower is `unreachable` (the strategy's definition: no right-party contact and
    remote attempts failing over several channels for weeks) or deceased. It is stricter than cn_debtor_only's own
    example ("invalid number, 3 consecutive failed attempts"), so a third party is never contacted sooner than the
    rule allows. `third_party_barred_channels`: `third_party_channels` while the borrower is not out of reach.
    `third_party_asked_channels`: those of `third_party_channels` on which an outbound call was answered by a third
    party (outcome `third_party`) since the limit was recorded, up to as_of: the one location inquiry us_third_party
    allows was made (1692b(3)); `third_party_asked_barred_channels` is that list once the borrower is out of reach
    (before that, `third_party_barred_channels` already bars the call)."""
    limits = frames.get("contact_limits", empty("contact_limits").lazy())
    base = features.select("loan_id", "borrower_id", "as_of_utc")
    active = (
        base.join(limits, on="borrower_id", how="inner")
        .filter((pl.col("at") <= pl.col("as_of_utc"))
                & (pl.col("lifted_at").is_null() | (pl.col("lifted_at") > pl.col("as_of_utc"))))
    )
    out = base.select("loan_id")
    for kind, name in LIMIT_LISTS.items():
        per_loan = (active.filter(pl.col("kind") == kind).group_by("loan_id")
                    .agg(pl.col("channel").unique().sort().alias(name)))
        out = out.join(per_loan, on="loan_id", how="left").with_columns(
            pl.col(name).fill_null(pl.lit([], pl.List(pl.String))))
    contacts = frames.get("contacts", empty("contacts").lazy())
    answered = contacts.filter((pl.col("outcome") == "third_party") & (pl.col("direction") == "outbound")).select(
        "borrower_id", pl.col("channel").alias("_c_channel"), pl.col("at").alias("_c_at"))
    asked = (
        active.filter(pl.col("kind") == "third_party_contact")
        .join(answered, on="borrower_id", how="inner")
        .filter((pl.col("_c_channel") == pl.col("channel")) & (pl.col("_c_at") >= pl.col("at"))
                & (pl.col("_c_at") <= pl.col("as_of_utc")))
        .group_by("loan_id").agg(pl.col("channel").unique().sort().alias("third_party_asked_channels"))
    )
    out = out.join(asked, on="loan_id", how="left").with_columns(
        pl.col("third_party_asked_channels").fill_null(pl.lit([], pl.List(pl.String))))
    return out.with_columns(third_party_objected=pl.col("third_party_objected_channels").list.len() > 0)


def third_party_reach(facts: pl.LazyFrame) -> pl.LazyFrame:
    """`debtor_out_of_reach`, `third_party_barred_channels` and `third_party_asked_barred_channels` (see
    `contact_limits`), from the joined facts."""
    out_of_reach = (pl.col("unreachable").fill_null(False) | pl.col("deceased").fill_null(False))
    return facts.with_columns(debtor_out_of_reach=out_of_reach).with_columns(
        third_party_barred_channels=pl.when(pl.col("debtor_out_of_reach"))
        .then(pl.lit([], pl.List(pl.String))).otherwise(pl.col("third_party_channels")),
        third_party_asked_barred_channels=pl.when(pl.col("debtor_out_of_reach"))
        .then(pl.col("third_party_asked_channels")).otherwise(pl.lit([], pl.List(pl.String))))


def call_history(lc: pl.LazyFrame, seven_max: int = 7, seven_days: int = 7, conv_block_days: int = 7) -> pl.LazyFrame:
    """Per loan, for the US 7-in-7 rule: the first local day a call is allowed by count and by conversation."""
    lc = lc.filter(pl.col("about_loan"))  # the one per-debt count (contacts naming this loan or no loan)
    calls = lc.filter(
        (pl.col("channel") == "call") & pl.col("outbound") & (pl.col("outcome") != "invalid")
        & (pl.col("day") > pl.col("today") - pl.duration(days=seven_days))
    )
    by_count = (
        calls.sort("loan_id", "at", descending=[False, True])
        .group_by("loan_id")
        .agg(nth_day=pl.col("day").get(seven_max - 1, null_on_oob=True), calls_7d=pl.len())
        .with_columns(s7_allowed_day=pl.col("nth_day") + pl.duration(days=seven_days))
        .drop("nth_day")
    )
    by_conversation = (
        lc.filter((pl.col("channel") == "call") & pl.col("is_rpc"))
        .group_by("loan_id")
        .agg(conv_allowed_day=pl.col("day").max() + pl.duration(days=conv_block_days))
    )
    return by_count.join(by_conversation, on="loan_id", how="full", coalesce=True)


def validation(frames: Lazy, features: pl.LazyFrame, lc: pl.LazyFrame,
               within_days: dict[str, int]) -> pl.LazyFrame:
    """Per loan, for packs that require a validation notice (US Reg F 1006.34): the first communication about the
    debt (a right-party contact, or a message or letter delivered, naming this loan or no loan), whether a
    `validation_notice` was sent for it, the day it is due by, and `validation_notice_due` when it is owed."""
    first = (
        lc.filter(pl.col("about_loan") & (pl.col("is_rpc") | (pl.col("outbound")
                                                            & (pl.col("outcome") == "delivered"))))
        .group_by("loan_id").agg(first_communication_at=pl.col("at").min())
    )
    notices = frames["notices"].filter(pl.col("kind") == "validation_notice")
    sent = (
        features.select("loan_id", "borrower_id", "as_of_utc")
        .join(notices.rename({"loan_id": "notice_loan_id"}), on="borrower_id", how="inner")
        .filter((pl.col("notice_loan_id").is_null() | (pl.col("notice_loan_id") == pl.col("loan_id")))
                & (pl.col("sent_at") <= pl.col("as_of_utc")))
        .group_by("loan_id").agg(validation_sent=pl.lit(True))
    )
    packs = list(within_days)
    days = pl.col("jurisdiction").replace_strict(within_days, default=None, return_dtype=pl.Int64)
    return (
        features.select("loan_id")
        .join(holds_jurisdiction(frames, features), on="loan_id", how="left")
        .join(first, on="loan_id", how="left")
        .join(sent, on="loan_id", how="left")
        .with_columns(validation_sent=pl.col("validation_sent").fill_null(False))
        .with_columns(
            validation_due_by=pl.col("first_communication_at") + pl.duration(days=days),
            validation_notice_due=(pl.col("jurisdiction").is_in(packs) & pl.col("first_communication_at").is_not_null()
                                   & ~pl.col("validation_sent")).fill_null(False),
        )
        .drop("jurisdiction")
    )


def holds_jurisdiction(frames: Lazy, features: pl.LazyFrame) -> pl.LazyFrame:
    return features.select("loan_id", "borrower_id").join(
        frames["borrowers"].select("borrower_id", "jurisdiction"), on="borrower_id", how="left").drop("borrower_id")


def decision_facts(frames: dict[str, pl.DataFrame], features: pl.DataFrame, lc: pl.DataFrame,
                   params: Params, as_of: datetime,
                   seven_in_seven: tuple[int, int, int] = (7, 7, 7),
                   validation_days: dict[str, int] | None = None) -> pl.DataFrame:
    """Everything a strategy condition or a guardrail may read, one row per loan: one lazy query over the frames,
    collected once (each part above is a lazy sub-plan of it)."""
    lazy: Lazy = {name: frame.lazy() for name, frame in frames.items()}
    band = "risk_band" in features.columns
    lf, lcl = features.lazy(), lc.lazy()
    return third_party_reach(
        lf
        .join(holds(lazy, lf), on="loan_id", how="left")
        .join(visit_chain(lazy, lf, params), on="loan_id", how="left")
        .join(call_history(lcl, *seven_in_seven), on="loan_id", how="left")
        .join(contact_preferences(lazy, lf), on="loan_id", how="left")
        .join(contact_limits(lazy, lf), on="loan_id", how="left")
        .join(validation(lazy, lf, lcl, validation_days or {}), on="loan_id", how="left")
        .with_columns(
            # A band given with the case (or by the lender) wins over the model's band.
            risk_band=pl.coalesce(pl.col("risk_band_given"), pl.col("risk_band"))
            if band else pl.col("risk_band_given"),
            # through Decimal: Polars divides a longer column by a scalar as a product with its reciprocal
            # (142212 / 100.0 -> 1422.1200000000001), so a loan decided with others got another figure than alone
            overdue_amount_num=pl.col("overdue_minor").cast(pl.Decimal(38, 2)).truediv(100).cast(pl.Float64),
            rpc_recent=pl.col("rpc_recent").fill_null(False),
        )
    ).pipe(run, features.height)
