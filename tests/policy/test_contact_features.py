"""Contact features per DESIGN.md: windows on timestamps, local days for today's calls, reachability."""

from __future__ import annotations

from duecare.ledger.casefile import parse_case
from duecare.ledger.frames import case_to_frames
from duecare.policy.evaluator import Policy, decide
from duecare.policy.output import feature_dict

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


def test_a_contact_with_a_loan_id_concerns_only_that_loan_but_call_caps_count_the_borrower():
    f = features([("2026-11-12T09:00:00+08:00", "call", "outbound", "no_answer", "L2"),
                  ("2026-11-12T10:00:00+08:00", "call", "outbound", "no_answer")], loans=("L1", "L2"))
    assert f["L1"]["attempts_call_1d"] == 1 and f["L2"]["attempts_call_1d"] == 2
    assert f["L1"]["dial_attempts_today"] == f["L2"]["dial_attempts_today"] == 2


def test_local_day_across_dst_in_london():
    # Clocks go back on 2026-10-25 at 02:00 BST: 00:30+01:00 and 01:30+00:00 are both Oct 25 local.
    f = features([("2026-10-25T00:30:00+01:00", "call", "outbound", "no_answer"),
                  ("2026-10-25T01:30:00+00:00", "call", "outbound", "no_answer"),
                  ("2026-10-24T23:30:00+01:00", "call", "outbound", "no_answer")],
                 as_of="2026-10-25T12:00:00+00:00", tz="Europe/London")["L1"]
    assert f["dial_attempts_today"] == 2
