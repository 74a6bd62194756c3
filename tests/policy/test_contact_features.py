"""Contact features per DESIGN.md: windows on timestamps, local days for today's calls, reachability."""

from __future__ import annotations

from duecare.ledger.casefile import parse_case
from duecare.ledger.frames import case_to_frames
from duecare.policy.evaluator import Policy, decide
from duecare.policy.output import decision_json, feature_dict

AS_OF = "2026-11-12T14:00:00+08:00"


def features(contacts, as_of=AS_OF, tz="Asia/Shanghai", loans=("L1",)):
    case = parse_case({
        "as_of": as_of, "borrower": {"id": "B", "jurisdiction": "cn", "timezone": tz},
        "loans": [{"id": x, "installments": [{"seq": 1, "due_date": "2026-08-10", "amount": 900}]} for x in loans],
        "contacts": [dict(zip(("at", "channel", "direction", "outcome"), c[:4], strict=False), **({"loan_id": c[4]} if len(c) > 4 else {}))
                     for c in contacts],
    })
    rows = decide(case_to_frames(case), case.as_of, Policy.default()).to_dicts()
    return {r["loan_id"]: feature_dict(r) for r in rows}


def test_windows_are_half_open_on_timestamps():
    f = features([
        ("2026-11-11T14:00:00+08:00", "call", "outbound", "no_answer"),   # exactly 24 h old: outside 1d
        ("2026-11-11T14:00:01+08:00", "call", "outbound", "no_answer"),   # inside 1d
        ("2026-10-13T14:00:00+08:00", "sms", "outbound", "delivered"),    # exactly 30 days: outside
        ("2026-11-12T14:00:01+08:00", "call", "outbound", "no_answer"),   # after as_of: ignored
    ])["L1"]
    assert f["attempts_call_1d"] == 1 and f["attempts_call_7d"] == 2 and f["attempts_sms_30d"] == 0


def test_rpc_outcomes_are_not_unsuccessful_and_inbound_is_not_an_attempt():
    f = features([
        ("2026-11-12T09:00:00+08:00", "call", "outbound", "ptp"),
        ("2026-11-12T10:00:00+08:00", "call", "inbound", "rpc"),
        ("2026-11-12T11:00:00+08:00", "email", "outbound", "delivered"),
    ])["L1"]
    assert (f["attempts_call_1d"], f["unsuccessful_call_1d"], f["unsuccessful_email_1d"]) == (1, 0, 1)
    assert f["last_rpc_at"] == "2026-11-12T10:00:00+08:00"
    assert f["connected_calls_today"] == 1 and f["dial_attempts_today"] == 1


def test_today_is_the_borrower_local_day():
    # 23:30 local yesterday is not today; 00:30 local today is.
    f = features([("2026-11-11T23:30:00+08:00", "call", "outbound", "no_answer"),
                  ("2026-11-12T00:30:00+08:00", "call", "outbound", "no_answer")])["L1"]
    assert f["dial_attempts_today"] == 1


def test_unreachable_needs_six_failures_on_two_channels_starting_14_days_ago():
    base = [("2026-10-20T10:00:00+08:00", "call", "outbound", "no_answer")] + [
        (f"2026-11-0{d}T10:00:00+08:00", "call", "outbound", "busy") for d in range(1, 5)]
    assert features(base + [("2026-11-05T10:00:00+08:00", "sms", "outbound", "delivered")])["L1"]["unreachable"]
    # only one channel
    assert not features(base + [("2026-11-05T10:00:00+08:00", "call", "outbound", "busy")])["L1"]["unreachable"]
    # first failure only 13 days ago
    late = [("2026-10-30T10:00:00+08:00", *base[0][1:])] + base[1:]
    assert not features(late + [("2026-11-05T10:00:00+08:00", "sms", "outbound", "delivered")])["L1"]["unreachable"]
    # an RPC in the last 30 days, on any channel and direction
    rpc = [("2026-11-06T10:00:00+08:00", "email", "inbound", "rpc")]
    f = features(base + [("2026-11-05T10:00:00+08:00", "sms", "outbound", "delivered")] + rpc)["L1"]
    assert not f["unreachable"] and f["remote_channels_failed_30d"] == 2
    assert f["first_unsuccessful_30d_at"] == "2026-10-20T10:00:00+08:00"


def test_every_contact_feature_counts_the_borrower_whatever_loan_a_contact_names():
    # DESIGN "Who is reached": a person is reached or not, whichever loan the call was about.
    f = features([("2026-11-12T09:00:00+08:00", "call", "outbound", "no_answer", "L2"),
                  ("2026-11-12T10:00:00+08:00", "call", "outbound", "no_answer"),
                  ("2026-11-11T10:00:00+08:00", "call", "inbound", "rpc", "L2")], loans=("L1", "L2"))
    assert f["L1"] == f["L2"]
    assert f["L1"]["attempts_call_1d"] == 2 and f["L1"]["dial_attempts_today"] == 2
    assert f["L1"]["last_rpc_at"] == "2026-11-11T10:00:00+08:00" and not f["L1"]["unreachable"]


def test_failed_attempts_on_another_loan_make_the_borrower_unreachable_for_every_loan():
    base = [("2026-10-20T10:00:00+08:00", "call", "outbound", "no_answer", "L2")] + [
        (f"2026-11-0{d}T10:00:00+08:00", "call", "outbound", "busy", "L2") for d in range(1, 5)]
    f = features(base + [("2026-11-05T10:00:00+08:00", "sms", "outbound", "delivered", "L2")], loans=("L1", "L2"))
    assert f["L1"]["unreachable"] and f["L2"]["unreachable"]


def test_portal_activity_is_a_right_party_contact_but_not_a_remote_attempt():
    f = features([("2026-11-10T21:00:00+08:00", "portal", "inbound", "rpc")])["L1"]
    assert f["last_rpc_at"] == "2026-11-10T21:00:00+08:00" and not f["unreachable"]
    assert f["remote_channels_failed_30d"] == 0 and f["attempts_call_30d"] == 0


def _us_calls(calls, as_of="2026-11-12T10:00:00-05:00"):
    case = parse_case({
        "as_of": as_of, "borrower": {"id": "B", "jurisdiction": "us", "timezone": "America/New_York"},
        "loans": [{"id": x, "installments": [{"seq": 1, "due_date": "2026-10-20", "amount": 900}]}
                  for x in ("L1", "L2")],
        "contacts": [{"at": at, "channel": "call", "direction": "outbound", "outcome": "no_answer", "loan_id": ln}
                     for at, ln in calls],
    })
    return {d["loan_id"]: d for d in decision_json(decide(case_to_frames(case), case.as_of, Policy.default()),
                                                    Policy.default())}


def test_the_us_seven_in_seven_count_is_per_debt():
    # seven calls about L2 in the last 7 days: L2 waits, L1 (a different debt) may be called
    calls = [(f"2026-11-{d:02d}T10:00:00-05:00", "L2") for d in range(6, 13)]
    d = _us_calls(calls)
    assert d["L1"]["action"] == d["L2"]["action"] == "call"
    assert "us_7in7" in [b["rule"] for b in d["L2"]["blocked_by"]]
    assert "us_7in7" not in [b["rule"] for b in d["L1"]["blocked_by"]]
    # a call naming no loan is about every debt
    d = _us_calls([(f"2026-11-{d:02d}T10:00:00-05:00", None) for d in range(6, 13)])
    assert all("us_7in7" in [b["rule"] for b in x["blocked_by"]] for x in d.values())


def test_local_day_across_dst_in_london():
    # Clocks go back on 2026-10-25 at 02:00 BST: 00:30+01:00 and 01:30+00:00 are both Oct 25 local.
    f = features([("2026-10-25T00:30:00+01:00", "call", "outbound", "no_answer"),
                  ("2026-10-25T01:30:00+00:00", "call", "outbound", "no_answer"),
                  ("2026-10-24T23:30:00+01:00", "call", "outbound", "no_answer")],
                 as_of="2026-10-25T12:00:00+00:00", tz="Europe/London")["L1"]
    assert f["dial_attempts_today"] == 2
