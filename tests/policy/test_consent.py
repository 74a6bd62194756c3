"""Consent to a visit is one derived state: the scalar rule, its vectorised twin, and their properties."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from duecare.ledger.frames import SCHEMAS
from duecare.policy.consent import (
    ConsentRecord,
    consent_frame,
    consent_state,
    live_notice,
    live_notice_frame,
    loan_consent_state,
)

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # the live notice N2 is sent
AS_OF = T0 + timedelta(days=5)
PROPS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def rec(decision, hours, notice_id=None, purpose="home_visit"):
    return ConsentRecord(decision=decision, at=T0 + timedelta(hours=hours), notice_id=notice_id, purpose=purpose)


def state(records, notice_id="N2", sent_at=T0, as_of=AS_OF):
    return consent_state(records, notice_id, sent_at, as_of).state


class TestConsentState:
    def test_no_live_notice_means_no_consent(self):
        assert state([rec("granted", 1, "N2")], sent_at=None) == "none"

    def test_a_grant_naming_the_live_notice_or_none_counts(self):
        assert state([rec("granted", 1, "N2")]) == "granted"
        assert state([rec("granted", 1)]) == "granted"

    def test_a_grant_naming_an_older_notice_does_not_count(self):
        assert state([rec("granted", 1, "N1")]) == "none"

    def test_a_withdrawal_naming_an_older_notice_still_counts(self):
        assert state([rec("granted", 1, "N2"), rec("withdrawn", 2, "N1")]) == "withdrawn"

    def test_a_decline_naming_another_notice_still_counts(self):
        assert state([rec("declined", 1, "N9")]) == "declined"

    def test_at_the_same_instant_a_withdrawal_beats_a_grant_in_either_row_order(self):
        pair = [rec("granted", 3, "N2"), rec("withdrawn", 3, "N2")]
        assert state(pair) == state(pair[::-1]) == "withdrawn"

    def test_at_the_same_instant_a_decline_beats_a_grant(self):
        assert state([rec("declined", 3), rec("granted", 3, "N2")]) == "declined"

    def test_the_latest_record_wins(self):
        assert state([rec("withdrawn", 1), rec("granted", 2, "N2")]) == "granted"
        assert state([rec("granted", 1, "N2"), rec("declined", 2)]) == "declined"

    def test_records_before_the_notice_or_after_as_of_are_ignored(self):
        assert state([rec("granted", 0, "N2")]) == "none"  # at the very moment of sending: not after it
        assert state([rec("withdrawn", -1)]) == "none"
        assert state([rec("granted", 1, "N2"), rec("withdrawn", 24 * 6)]) == "granted"

    def test_other_purposes_are_ignored(self):
        assert state([rec("granted", 1, "N2"), rec("withdrawn", 2, purpose="marketing")]) == "granted"

    def test_the_deciding_record_is_returned(self):
        got = consent_state([rec("granted", 1, "N2"), rec("withdrawn", 2, "N1")], "N2", T0, AS_OF)
        assert got.record is not None and got.record.notice_id == "N1" and not got.granted

    def test_orm_like_objects_and_dicts_are_accepted(self):
        class Row:
            decision, at, notice_id, purpose, id = "granted", (T0 + timedelta(hours=1)).replace(tzinfo=None), "N2", \
                "home_visit", "C1"
        assert consent_state([Row()], "N2", T0, AS_OF).state == "granted"
        assert consent_state([{"decision": "withdrawn", "at": T0 + timedelta(hours=2)}], "N2", T0, AS_OF).state \
            == "withdrawn"


class TestLiveNotice:
    def test_the_latest_notice_of_the_loan_within_30_days_is_live(self):
        notices = [{"id": "N1", "loan_id": "L1", "sent_at": T0 - timedelta(days=10)},
                   {"id": "N2", "loan_id": "L1", "sent_at": T0},
                   {"id": "N3", "loan_id": "L2", "sent_at": T0 + timedelta(days=1)}]
        assert live_notice(notices, AS_OF, "L1").id == "N2"
        assert live_notice(notices, T0 + timedelta(days=30), "L1") is None

    def test_loan_consent_state_reads_notices_and_records_together(self):
        notices = [{"id": "N1", "loan_id": "L1", "sent_at": T0 - timedelta(days=10)},
                   {"id": "N2", "loan_id": "L1", "sent_at": T0}]
        records = [rec("granted", 1, "N2"), rec("withdrawn", 2, "N1")]
        assert loan_consent_state(notices, records, AS_OF, "L1").state == "withdrawn"


# ---- the vectorised form agrees with the scalar form -------------------------------------------------

DECISIONS = st.sampled_from(["granted", "declined", "withdrawn", "maybe"])
NOTICE_IDS = st.sampled_from([None, "N1", "N2", "N3"])


@st.composite
def histories(draw):
    """A borrower's consent records around a notice, with many same-instant ties."""
    n = draw(st.integers(0, 8))
    records = [ConsentRecord(decision=draw(DECISIONS), at=T0 + timedelta(hours=draw(st.integers(-3, 6))),
                             notice_id=draw(NOTICE_IDS),
                             purpose=draw(st.sampled_from(["home_visit", "home_visit", "other"])))
               for _ in range(n)]
    return records, draw(st.sampled_from(["N1", "N2", "N3"])), T0 + timedelta(hours=draw(st.integers(-1, 7)))


def vectorised(records, notice_id, as_of):
    live = pl.DataFrame({"loan_id": ["L1"], "borrower_id": ["B1"], "notice_id": [notice_id], "sent_at": [T0],
                         "as_of_utc": [as_of]},
                        schema_overrides={"sent_at": pl.Datetime("us", "UTC"), "as_of_utc": pl.Datetime("us", "UTC")})
    consents = pl.DataFrame([{"borrower_id": "B1", "purpose": r.purpose, "decision": r.decision, "at": r.at,
                              "notice_id": r.notice_id} for r in records], schema=SCHEMAS["consents"])
    out = consent_frame(live, consents)
    return out["consent_state"][0] if out.height else "none"


@PROPS
@given(histories())
def test_vectorised_consent_equals_the_scalar_rule(history):
    records, notice_id, as_of = history
    assert vectorised(records, notice_id, as_of) == consent_state(records, notice_id, T0, as_of).state


@PROPS
@given(histories(), st.randoms())
def test_consent_state_does_not_depend_on_row_order(history, rnd):
    records, notice_id, as_of = history
    shuffled = list(records)
    rnd.shuffle(shuffled)
    assert consent_state(shuffled, notice_id, T0, as_of).state == consent_state(records, notice_id, T0, as_of).state
    assert vectorised(shuffled, notice_id, as_of) == vectorised(records, notice_id, as_of)


@PROPS
@given(histories(), st.lists(NOTICE_IDS, min_size=8, max_size=8))
def test_consent_state_does_not_depend_on_the_notice_a_withdrawal_or_decline_names(history, renames):
    records, notice_id, as_of = history
    renamed = [ConsentRecord(r.decision, r.at, new, r.purpose) if r.decision in ("withdrawn", "declined") else r
               for r, new in zip(records, renames, strict=False)]
    assert consent_state(renamed, notice_id, T0, as_of).state == consent_state(records, notice_id, T0, as_of).state


def test_live_notice_frame_equals_the_scalar_rule():
    rnd = random.Random(13)
    for _ in range(200):
        as_of = T0 + timedelta(days=rnd.randint(0, 40))
        notices = [{"notice_id": f"N{i}", "borrower_id": "B1", "loan_id": rnd.choice([None, "L1", "L2"]),
                    "kind": rnd.choice(["visit_notice", "visit_notice", "reminder"]),
                    "sent_at": T0 + timedelta(days=rnd.randint(-20, 40), hours=rnd.choice([0, 0, 5]))}
                   for i in range(rnd.randint(0, 5))]
        base = pl.DataFrame({"loan_id": ["L1", "L2"], "borrower_id": ["B1", "B1"], "as_of_utc": [as_of, as_of]},
                            schema_overrides={"as_of_utc": pl.Datetime("us", "UTC")})
        frame = live_notice_frame(base, pl.DataFrame(notices, schema=SCHEMAS["notices"]), 30)
        got = dict(zip(frame["loan_id"].to_list(), frame["notice_id"].to_list(), strict=True))
        for loan in ("L1", "L2"):
            want = live_notice([{**n, "id": n["notice_id"]} for n in notices], as_of, loan, 30)
            assert got.get(loan) == (want.id if want else None)


# ---- the evaluator (decide) reads the same state the workflow computes with the scalar form ---------------

CASE = "examples/cases/consent-tie-grant-first.json"
CODES = {"none": "consent_missing", "declined": "consent_declined", "withdrawn": "consent_withdrawn"}


@st.composite
def consent_cases(draw):
    import json
    from pathlib import Path

    case = json.loads((Path(__file__).resolve().parents[2] / CASE).read_text(encoding="utf-8"))
    as_of = datetime.fromisoformat(case["as_of"])
    case["notices"] = [{"id": f"N{i}", "kind": "visit_notice", "loan_id": draw(st.sampled_from([None, "L1"])),
                        "sent_at": (as_of - timedelta(days=draw(st.integers(0, 40)),
                                                      hours=draw(st.integers(0, 23)))).isoformat()}
                       for i in range(draw(st.integers(0, 3)))]
    case["consents"] = [{"purpose": "home_visit", "decision": draw(st.sampled_from(["granted", "declined", "withdrawn"])),
                         "notice_id": draw(st.sampled_from([None, "N0", "N1", "N2"])),
                         "at": (as_of - timedelta(hours=draw(st.integers(0, 24 * 12)))).isoformat()}
                        for _ in range(draw(st.integers(0, 5)))]
    if case["consents"] and draw(st.booleans()):
        twin = dict(draw(st.sampled_from(case["consents"])), decision=draw(st.sampled_from(["granted", "withdrawn"])))
        case["consents"].append(twin)
    case["approvals"] = []
    return case


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(consent_cases())
def test_the_gate_reads_the_consent_state_of_the_scalar_rule(raw):
    from duecare.ledger.casefile import parse_case
    from duecare.ledger.frames import case_to_frames
    from duecare.policy.evaluator import Policy, decide
    from duecare.policy.output import decision_json

    case = parse_case(raw)
    policy = Policy.default()
    unmet = decision_json(decide(case_to_frames(case), case.as_of, policy), policy)[0]["visit_gate"]["unmet"]
    want = loan_consent_state(case.notices, case.consents, case.as_of, "L1",
                              policy.strategy.params.notice_valid_days).state
    if want == "granted":
        assert not set(CODES.values()) & set(unmet)
    else:
        assert CODES[want] in unmet and not (set(CODES.values()) - {CODES[want]}) & set(unmet)
