"""Consent to a home visit as ONE derived state (DESIGN, "Who is reached, and consent over time").

The state for the live visit notice comes from the borrower's `home_visit` consent records made after that
notice was sent and up to as_of:
- a grant counts only if it names the live notice (or no notice); a decline or withdrawal counts whatever
  notice it names (a borrower who says "no" means no, even quoting an older letter);
- the latest record wins; at the same instant a withdrawal beats a decline beats a grant (never row order).

Two forms with the same semantics, tested against each other: `consent_state` for one borrower and one notice
(the workflow, the portal, the API), and `consent_frame` over columns (the evaluator and the nightly batch).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

import polars as pl

PURPOSE = "home_visit"
Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)  # the frame forms run eagerly or inside a lazy query
# At the same instant the stronger "no" wins; a grant never beats a decline or a withdrawal.
RANK = {"granted": 0, "declined": 1, "withdrawn": 2}
State = Literal["none", "granted", "declined", "withdrawn"]


@dataclass(frozen=True)
class ConsentRecord:
    """One consent record as the rule reads it (ORM rows, case-file entries and dicts are converted to it)."""

    decision: str
    at: datetime
    notice_id: str | None = None
    purpose: str = PURPOSE
    id: str | None = None


@dataclass(frozen=True)
class ConsentState:
    """The derived state and the record that decided it (None when the state is `none`)."""

    state: State
    record: ConsentRecord | None = None

    @property
    def granted(self) -> bool:
        return self.state == "granted"


def _utc(value: Any) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime, got {type(value).__name__}")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "value", value))


def as_record(item: Any) -> ConsentRecord:
    """A ConsentRecord from a mapping or any object with decision/at/notice_id/purpose attributes."""
    if isinstance(item, ConsentRecord):
        return item
    get = item.get if isinstance(item, Mapping) else (lambda k, d=None: getattr(item, k, d))
    return ConsentRecord(decision=str(_text(get("decision"))), at=_utc(get("at")),
                         notice_id=_text(get("notice_id")), purpose=_text(get("purpose")) or PURPOSE,
                         id=_text(get("id")))


def counts(record: ConsentRecord, notice_id: str | None, notice_sent_at: datetime, as_of: datetime) -> bool:
    """Whether a record takes part in the state of the live notice `notice_id` sent at `notice_sent_at`."""
    if record.purpose != PURPOSE or record.decision not in RANK:
        return False
    if not (_utc(notice_sent_at) < record.at <= _utc(as_of)):
        return False
    return record.decision != "granted" or record.notice_id is None or record.notice_id == notice_id


def consent_state(records: Iterable[Any], notice_id: str | None, notice_sent_at: datetime | None,
                  as_of: datetime) -> ConsentState:
    """The consent state for the live visit notice (`notice_sent_at` None: no live notice, state `none`)."""
    if notice_sent_at is None:
        return ConsentState("none")
    chosen = [r for r in map(as_record, records) if counts(r, notice_id, notice_sent_at, as_of)]
    if not chosen:
        return ConsentState("none")
    # latest wins; same instant: withdrawn > declined > granted; then a stable tie-break on what is left
    best = max(chosen, key=lambda r: (r.at, RANK[r.decision], r.notice_id or "", r.id or ""))
    return ConsentState(best.decision, best)  # type: ignore[arg-type]


@dataclass(frozen=True)
class LiveNotice:
    """The visit notice consent is measured against: the latest one sent in the last `valid_days`."""

    id: str
    sent_at: datetime


def live_notice(notices: Iterable[Any], as_of: datetime, loan_id: str | None = None,
                valid_days: float = 30) -> LiveNotice | None:
    """The live visit notice for a loan (notices naming that loan or no loan); None if there is none.

    Same semantics as `live_notice_frame`: kind `visit_notice`, sent at or before as_of, latest sent_at
    (ties: greatest id), and less than `valid_days` old.
    """
    found: list[LiveNotice] = []
    for item in notices:
        get = item.get if isinstance(item, Mapping) else (lambda k, d=None, o=item: getattr(o, k, d))
        kind = _text(get("kind")) or "visit_notice"
        n_loan = _text(get("loan_id"))
        sent = _utc(get("sent_at"))
        if kind == "visit_notice" and sent <= _utc(as_of) and (n_loan is None or n_loan == loan_id):
            found.append(LiveNotice(str(_text(get("id")) or _text(get("notice_id"))), sent))
    if not found:
        return None
    latest = max(found, key=lambda n: (n.sent_at, n.id))
    age_days = (_utc(as_of) - latest.sent_at).total_seconds() / 86_400
    return latest if age_days < valid_days else None


def loan_consent_state(notices: Iterable[Any], records: Iterable[Any], as_of: datetime,
                       loan_id: str | None = None, valid_days: float = 30) -> ConsentState:
    """The consent state of a loan's live visit notice, from the borrower's notices and consent records."""
    notice = live_notice(notices, as_of, loan_id, valid_days)
    if notice is None:
        return ConsentState("none")
    return consent_state(records, notice.id, notice.sent_at, as_of)


def live_notice_frame(base: Frame, notices: Frame, valid_days: float) -> Frame:
    """Vectorised `live_notice`: per row of `base` (loan_id, borrower_id, as_of_utc) with a live notice,
    loan_id, notice_id, sent_at and notice_age_days."""
    return (
        base.select("loan_id", "borrower_id", "as_of_utc")
        .join(notices.rename({"loan_id": "notice_loan_id"}), on="borrower_id", how="inner")
        .filter(
            (pl.col("kind").fill_null("visit_notice") == "visit_notice")
            & (pl.col("sent_at") <= pl.col("as_of_utc"))
            & (pl.col("notice_loan_id").is_null() | (pl.col("notice_loan_id") == pl.col("loan_id")))
        )
        .sort("loan_id", "sent_at", "notice_id")
        .group_by("loan_id", maintain_order=True)
        .agg(pl.col("notice_id").last(), pl.col("sent_at").last(), pl.col("as_of_utc").last())
        .with_columns(notice_age_days=(pl.col("as_of_utc") - pl.col("sent_at")).dt.total_microseconds() / 86_400e6)
        .filter(pl.col("notice_age_days") < valid_days)
        .drop("as_of_utc")
    )


def consent_frame(live: Frame, consents: Frame) -> Frame:
    """Vectorised `consent_state`: per row of `live` (loan_id, borrower_id, notice_id, sent_at, as_of_utc).

    `consents` has the ledger columns borrower_id, purpose, decision, at, notice_id. Returns one row per
    loan that has a counting record: loan_id, consent_state, consent_at, consent_notice_id.
    """
    rank = pl.col("decision").replace_strict(RANK, default=None, return_dtype=pl.Int8)
    rows = (
        live.select("loan_id", "borrower_id", "notice_id", "sent_at", "as_of_utc")
        .join(consents.rename({"notice_id": "consent_notice_id"}), on="borrower_id", how="inner")
        .with_columns(rank=rank)
        .filter(
            (pl.col("purpose") == PURPOSE)
            & pl.col("rank").is_not_null()
            & (pl.col("at") > pl.col("sent_at"))
            & (pl.col("at") <= pl.col("as_of_utc"))
            & ((pl.col("decision") != "granted") | pl.col("consent_notice_id").is_null()
               | (pl.col("consent_notice_id") == pl.col("notice_id")))
        )
    )
    return (
        rows.sort("loan_id", "at", "rank", pl.col("consent_notice_id").fill_null(""))
        .group_by("loan_id", maintain_order=True)
        .agg(consent_state=pl.col("decision").last(), consent_at=pl.col("at").last(),
             consent_notice_id=pl.col("consent_notice_id").last())
    )
