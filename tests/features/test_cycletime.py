"""Investigation cycle time: unreachable onsets agree with the batch's own `unreachable` feature at every
moment, and spells pair with the first situation-known event after them."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from duecare.features.contacts import Reachability, contact_features, loan_contacts
from duecare.features.cycletime import cycle_times, summary, unreachable_onsets
from duecare.ledger.frames import SCHEMAS

T0 = datetime(2026, 6, 1, tzinfo=UTC)
CHANNELS = ("call", "sms", "email")


def _history(seed: int, borrowers: int = 40) -> pl.DataFrame:
    """Random contact histories: bursts of failed attempts over 120 days, an occasional right-party contact."""
    rng = random.Random(seed)
    rows = []
    for b in range(borrowers):
        for _ in range(rng.randint(0, 25)):
            at = T0 + timedelta(minutes=rng.randint(0, 120 * 24 * 60))
            rpc = rng.random() < 0.08
            rows.append({"borrower_id": f"B{b}", "loan_id": f"B{b}-L1", "at": at, "channel": rng.choice(CHANNELS),
                         "direction": "inbound" if rpc and rng.random() < 0.3 else "outbound",
                         "outcome": "rpc" if rpc else rng.choice(["no_answer", "busy", "undelivered", "voicemail"]),
                         "answers_notice": None})
    return pl.DataFrame(rows, schema=SCHEMAS["contacts"])


def _feature_unreachable(contacts: pl.DataFrame, moments: pl.DataFrame, reach: Reachability) -> set[tuple[str, datetime]]:
    """The batch's `unreachable` feature, evaluated at each (borrower, moment) as its as_of (the oracle)."""
    borrowers = pl.DataFrame({"borrower_id": moments["borrower_id"].unique(), "timezone": "UTC"})
    out: set[tuple[str, datetime]] = set()
    for (t,), group in moments.group_by("at"):
        clock = group.select((pl.col("borrower_id") + "-L1").alias("loan_id"), "borrower_id").with_columns(
            timezone=pl.lit("UTC"), as_of_utc=pl.lit(t).cast(pl.Datetime("us", "UTC")), today=pl.lit(t.date()))
        lc = loan_contacts({"borrowers": borrowers, "contacts": contacts}, clock)
        f = contact_features(lc, clock, reach).join(clock.select("loan_id", "borrower_id"), on="loan_id")
        out |= {(b, t) for b in f.filter(pl.col("unreachable"))["borrower_id"].to_list()}
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_onsets_are_exactly_the_candidate_moments_the_feature_calls_unreachable(seed: int) -> None:
    reach = Reachability()
    contacts = _history(seed)
    onsets = unreachable_onsets(contacts, reach)
    assert onsets.height > 0, "the random histories must make someone unreachable"
    # Every candidate moment (attempt, attempt + 14 days, RPC + 30 days), checked against the feature.
    failed = contacts.filter(pl.col("outcome") != "rpc")
    candidates = pl.concat([
        failed.select("borrower_id", "at"),
        failed.select("borrower_id", pl.col("at") + pl.duration(days=14)),
        contacts.filter(pl.col("outcome") == "rpc").select("borrower_id", pl.col("at") + pl.duration(days=30)),
    ]).unique()
    truth = _feature_unreachable(contacts, candidates, reach)
    assert set(zip(onsets["borrower_id"].to_list(), onsets["at"].to_list(), strict=True)) == truth


def test_any_unreachable_moment_has_an_onset_at_or_before_it_in_the_same_quiet_run() -> None:
    reach = Reachability()
    contacts = _history(7)
    onsets = unreachable_onsets(contacts, reach)
    rng = random.Random(7)
    probes = pl.DataFrame({"borrower_id": [f"B{rng.randrange(40)}" for _ in range(300)],
                           "at": [T0 + timedelta(hours=rng.randint(0, 150 * 24)) for _ in range(300)]},
                          schema={"borrower_id": pl.String, "at": pl.Datetime("us", "UTC")})
    truth = _feature_unreachable(contacts, probes, reach)
    assert truth, "some probe must fall inside an unreachable spell"
    for b, t in truth:
        before = onsets.filter((pl.col("borrower_id") == b) & (pl.col("at") <= t)
                               & (pl.col("at") > t - timedelta(days=30)))
        assert before.height > 0, (b, t)


def _contact(b: str, at: datetime, channel: str, outcome: str, direction: str = "outbound") -> dict[str, object]:
    return {"borrower_id": b, "loan_id": f"{b}-L1", "at": at, "channel": channel, "direction": direction,
            "outcome": outcome, "answers_notice": None}


def test_a_spell_ends_at_the_first_route_that_made_the_situation_known() -> None:
    day = timedelta(days=1)
    rows = [_contact("A", T0 + i * 2 * day, ("call", "sms")[i % 2], "no_answer") for i in range(8)]
    rows += [_contact("V", T0 + i * 2 * day, ("call", "email")[i % 2], "no_answer") for i in range(8)]
    rows += [_contact("N", T0 + i * 2 * day, ("call", "sms")[i % 2], "no_answer") for i in range(8)]
    rows += [_contact("A", T0 + 30 * day, "call", "rpc", "inbound")]  # A calls in: known by a call
    contacts = pl.DataFrame(rows, schema=SCHEMAS["contacts"])
    onsets = unreachable_onsets(contacts)
    first = {r["borrower_id"]: r["at"] for r in onsets.group_by("borrower_id").agg(pl.col("at").min()).to_dicts()}
    # The sixth failure is on day 10 but the first is only 10 days old then: unreachable from day 14.
    assert first["A"] == T0 + 14 * day and first["V"] == T0 + 14 * day
    known = pl.DataFrame([{"borrower_id": "A", "at": T0 + 30 * day, "route": "call"},
                          {"borrower_id": "V", "at": T0 + 10 * day, "route": "questionnaire"},  # before the spell
                          {"borrower_id": "V", "at": T0 + 40 * day, "route": "visit"}])
    closed, still_open = cycle_times(onsets, known)
    got = {r["borrower_id"]: (r["route"], r["days"]) for r in closed.to_dicts()}
    assert got == {"A": ("call", 16.0), "V": ("visit", 26.0)}
    assert still_open["borrower_id"].to_list() == ["N"]
    s = summary(closed, still_open)
    assert s["known"] == 2 and s["open"] == 1 and s["without_visit_share"] == 0.5
    assert [r["route"] for r in s["per_route"]] == ["call", "visit"]
