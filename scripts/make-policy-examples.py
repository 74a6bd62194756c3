"""Write src/duecare/policy/strategies/standard.examples.yaml: the standard strategy's example cases.

Each scenario is a small edit of one base borrower, with its expected decision written by hand from
DESIGN.md and the issue's rules (never computed by the evaluator). Run: .venv/bin/python scripts/make-policy-examples.py
"""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

OUT = Path(__file__).resolve().parents[1] / "src/duecare/policy/strategies/standard.examples.yaml"

MONTHS = ["2026-01-10", "2026-02-10", "2026-03-10", "2026-04-10", "2026-05-10", "2026-06-10", "2026-07-10",
          "2026-08-10", "2026-09-10", "2026-10-10", "2026-11-10"]


def base(as_of: str = "2026-11-12T14:00:00+08:00") -> dict:
    """李强: 2 episodes in 12 months (April 15 days late; unpaid since August), unreachable for 23 days."""
    inst = [{"seq": i + 1, "due_date": d, "amount": 2000} for i, d in enumerate(MONTHS[1:])]
    pays = [{"paid_at": f"{d}T09:00:00+08:00", "amount": 2000} for d in ("2026-02-10", "2026-03-10")]
    pays += [{"paid_at": "2026-04-25T09:00:00+08:00", "amount": 2000}]
    pays += [{"paid_at": f"{d}T09:00:00+08:00", "amount": 2000} for d in ("2026-05-10", "2026-06-10", "2026-07-10")]
    contacts = [
        ("2026-10-20T11:00:00+08:00", "call", "no_answer"), ("2026-10-22T11:00:00+08:00", "sms", "delivered"),
        ("2026-10-25T11:00:00+08:00", "call", "busy"), ("2026-10-28T11:00:00+08:00", "email", "undelivered"),
        ("2026-11-02T11:00:00+08:00", "call", "no_answer"), ("2026-11-06T11:00:00+08:00", "call", "invalid"),
        ("2026-11-09T11:00:00+08:00", "sms", "undelivered"),
    ]
    return {
        "as_of": as_of,
        "borrower": {"id": "B1", "name": "李强", "jurisdiction": "cn", "timezone": "Asia/Shanghai",
                     "language": "zh", "phones": ["13900001111"], "flags": {}},
        "loans": [{"id": "L1", "currency": "CNY", "principal": 20000, "disbursed_on": "2026-01-10",
                   "installments": inst, "payments": pays}],
        "contacts": [{"at": a, "channel": c, "direction": "outbound", "outcome": o} for a, c, o in contacts],
        "notices": [], "consents": [], "approvals": [], "promises": [], "visits": [],
    }


NOTICE = {"id": "N1", "kind": "visit_notice", "loan_id": "L1", "sent_at": "2026-11-03T10:00:00+08:00"}
CONSENT = {"purpose": "home_visit", "decision": "granted", "at": "2026-11-05T20:00:00+08:00", "notice_id": "N1"}
APPROVAL = {"notice_id": "N1", "decision": "approved", "at": "2026-11-06T10:00:00+08:00", "by": "SUP7"}
PRE_VISIT_UNMET = ["notice_not_sent", "consent_missing", "approval_missing"]


def with_visit_chain(case: dict, notice=True, consent=True, approval=True) -> dict:
    if notice:
        case["notices"] = [copy.deepcopy(NOTICE)]
    if consent:
        case["consents"] = [copy.deepcopy(CONSENT)]
    if approval:
        case["approvals"] = [copy.deepcopy(APPROVAL)]
    return case


def paid_up(case: dict, until_index: int) -> dict:
    """Every installment up to until_index paid on its due date."""
    loan = case["loans"][0]
    loan["payments"] = [{"paid_at": f"{i['due_date']}T09:00:00+08:00", "amount": i["amount"]}
                        for i in loan["installments"][: until_index + 1]]
    return case


def scenarios() -> list[dict]:
    out: list[dict] = []

    def add(name: str, case: dict, expect: dict, note: str) -> None:
        out.append({"name": name, "note": note, "case": case, "expect": expect})

    for flag, action, reason in [("deceased", "hold", "deceased"), ("bankrupt", "hold", "bankrupt"),
                                 ("dispute_open", "hold", "dispute_open"),
                                 ("do_not_contact", "hold", "do_not_contact"),
                                 ("represented_by_lawyer", "hold", "attorney_only"),
                                 ("vulnerable", "specialist_review", "vulnerable"),
                                 ("hardship_open", "hold", "hardship_review")]:
        c = with_visit_chain(base())
        c["borrower"]["flags"] = {flag: True}
        unmet = "vulnerable" if flag == "vulnerable" else "hold_active"
        add(f"flag_{flag}", c, {"action": action, "reason": reason, "not_before": c["as_of"],
                                "unmet_includes": [unmet], "eligible": False},
            f"{flag} stops collection before any contact; the gate names {unmet}")

    c = base()
    c["promises"] = [{"loan_id": "L1", "promised_date": "2026-11-15", "amount": 2000, "status": "open"}]
    add("ptp_pending", c, {"action": "hold", "reason": "ptp_pending", "unmet_includes": ["hold_active"]},
        "an open promise dated after today holds collection")
    c = base()
    c["promises"] = [{"loan_id": "L1", "promised_date": "2026-11-12", "amount": 2000, "status": "open"}]
    add("ptp_due_today", c, {"action": "hold", "reason": "ptp_pending"}, "a promise dated today still holds")
    c = base()
    c["promises"] = [{"loan_id": "L1", "promised_date": "2026-11-11", "amount": 2000, "status": "open"}]
    add("ptp_lapsed", c, {"action": "visit_notice", "reasons_exclude": ["ptp_pending"]},
        "a promise dated yesterday no longer holds")

    c = paid_up(base("2026-11-08T10:00:00+08:00"), 8)
    c["borrower"]["risk_band"] = "high"
    c["contacts"] = []
    add("pre_due_high_risk", c, {"action": "sms_reminder", "reason": "pre_due_high_risk", "channel": "sms",
                                 "features": {"dpd": 0, "days_to_next_due": 2}},
        "current, high risk, next due in 2 days: a friendly reminder")
    c = paid_up(base("2026-11-08T10:00:00+08:00"), 8)
    c["borrower"]["risk_band"] = "medium"
    add("pre_due_not_high_risk", c, {"action": "none", "channel": "none", "features": {"dpd": 0}},
        "current and not high risk: nothing to do")
    c = paid_up(base("2026-11-05T10:00:00+08:00"), 8)
    c["borrower"]["risk_band"] = "high"
    add("pre_due_too_early", c, {"action": "none", "features": {"dpd": 0, "days_to_next_due": 5}},
        "next due in 5 days: too early for a pre-due reminder")

    c = paid_up(base("2026-11-12T10:00:00+08:00"), 8)
    c["contacts"] = []
    add("dpd_2_sms", c, {"action": "sms_reminder", "reason": "early_arrears_reminder",
                         "features": {"dpd": 2, "overdue_amount": 2000, "bucket": "1-30"}},
        "two days late: an SMS reminder")
    c = paid_up(base("2026-10-20T10:00:00+08:00"), 7)
    c["contacts"] = []
    add("dpd_10_call", c, {"action": "call", "reason": "arrears_call", "features": {"dpd": 10}},
        "ten days late: a call")
    c = paid_up(base("2026-11-12T10:00:00+08:00"), 7)
    add("dpd_33_call", c, {"action": "call", "reason": "serious_arrears_call", "features": {"dpd": 33},
                           "unmet_includes": ["dpd_below_threshold"]},
        "33 days late: a call; the visit gate is far away")

    add("visit_notice", base(), {"action": "visit_notice", "channel": "notice",
                                 "not_before": "2026-11-12T14:00:00+08:00", "unmet": PRE_VISIT_UNMET},
        "every precondition holds and no notice was sent: send the transparency notice")
    c = base()
    c["notices"] = [dict(NOTICE, sent_at="2026-11-11T10:00:00+08:00")]
    add("notice_period", c, {"action": "call", "reason": "notice_period_running",
                             "unmet": ["notice_period_running", "consent_missing", "approval_missing"]},
        "notice one day old: the notice period runs")
    c = base()
    c["notices"] = [copy.deepcopy(NOTICE)]
    c["consents"] = [dict(CONSENT, decision="declined")]
    add("consent_declined", c, {"action": "call", "channel": "call", "reason": "consent_declined",
                                "unmet": ["consent_declined", "approval_missing"]},
        "declined: the visit track ends in remote contact, never a visit nor an automatic legal step")
    c = with_visit_chain(base(), approval=False)
    c["consents"].append(dict(CONSENT, decision="withdrawn", at="2026-11-08T09:00:00+08:00"))
    add("consent_withdrawn", c, {"action": "call", "reason": "consent_withdrawn",
                                 "unmet": ["consent_withdrawn", "approval_missing"]},
        "consent withdrawn after it was granted")
    c = base()
    c["notices"] = [dict(NOTICE, sent_at="2026-10-28T10:00:00+08:00")]
    add("no_consent_after_14_days", c, {"action": "call", "reason": "no_consent_after_notice",
                                        "unmet": ["consent_missing", "approval_missing"]},
        "notice 15 days old and no answer: back to remote contact (a legal review is a person's decision)")
    c = base()
    c["notices"] = [dict(NOTICE, sent_at="2026-11-07T10:00:00+08:00")]
    add("awaiting_consent", c, {"action": "call", "reason": "awaiting_consent",
                                "unmet": ["consent_missing", "approval_missing"]},
        "notice 5 days old and no answer yet: keep calling")
    c = base()
    c["notices"] = [copy.deepcopy(NOTICE)]
    c["consents"] = [dict(CONSENT, at="2026-11-02T20:00:00+08:00")]
    add("consent_before_notice", c, {"action": "call", "reason": "awaiting_consent",
                                     "unmet": ["consent_missing", "approval_missing"]},
        "a consent given before the latest notice does not count: still awaiting consent (notice 9 days old)")
    c = with_visit_chain(base(), approval=False)
    add("visit_approval", c, {"action": "visit_approval", "channel": "internal", "unmet": ["approval_missing"]},
        "consented: a supervisor must approve")
    c = with_visit_chain(base())
    c["approvals"][0]["decision"] = "rejected"
    add("approval_rejected", c, {"action": "visit_approval", "unmet": ["approval_missing"]},
        "a rejected approval is no approval")
    add("visit_schedule", with_visit_chain(base()),
        {"action": "visit_schedule", "channel": "visit", "not_before": "2026-11-12T14:00:00+08:00",
         "unmet": [], "eligible": True,
         "features": {"dpd": 94, "overdue_amount": 8000, "bucket": "91-180", "episodes_12m": 2,
                      "unreachable": True}},
        "every condition holds: schedule the visit")
    add("visit_window_sunday", with_visit_chain(base("2026-11-15T14:00:00+08:00")),
        {"action": "visit_schedule", "not_before": "2026-11-16T09:00:00+08:00",
         "blocked_by": ["visit_window"]},
        "no visits on Sunday: Monday 09:00")
    add("visit_window_saturday_evening", with_visit_chain(base("2026-11-14T20:30:00+08:00")),
        {"action": "visit_schedule", "not_before": "2026-11-16T09:00:00+08:00",
         "blocked_by": ["visit_window"]},
        "Saturday 20:30 is after the window and Sunday is closed: Monday 09:00")
    add("visit_window_early", with_visit_chain(base("2026-11-12T08:15:00+08:00")),
        {"action": "visit_schedule", "not_before": "2026-11-12T09:00:00+08:00",
         "blocked_by": ["visit_window"]},
        "08:15 is inside contact hours but before the visit window")
    c = with_visit_chain(base())
    c["visits"] = [{"loan_id": "L1", "status": "completed", "at": "2026-11-01T10:00:00+08:00"}]
    add("visit_limit", c, {"action": "call", "unmet": ["visit_limit_reached"]},
        "a visit 11 days ago: at most one per 30 days")
    c = with_visit_chain(base())
    c["visits"] = [{"loan_id": "L1", "status": "reported", "at": "2026-11-05T10:00:00+08:00"}]
    add("visit_limit_reported", c, {"action": "call", "unmet": ["visit_limit_reached"]},
        "a visit whose report is filed took place: it counts like a completed one")
    c = with_visit_chain(base())
    c["visits"] = [{"loan_id": "L1", "status": "scheduled", "at": "2026-12-20T10:00:00+08:00"}]
    add("visit_limit_scheduled", c, {"action": "call", "unmet": ["visit_limit_reached"]},
        "a visit already scheduled (even in the future) blocks another")
    c = with_visit_chain(base())
    c["visits"] = [{"loan_id": "L1", "status": "completed", "at": "2026-10-01T10:00:00+08:00"}]
    add("visit_limit_expired", c, {"action": "visit_schedule", "unmet": []},
        "a visit 42 days ago no longer limits")
    c = with_visit_chain(base())
    c["loans"][0]["installments"] = c["loans"][0]["installments"][:8]
    c["loans"][0]["installments"][-1]["amount"] = 400
    c["loans"][0]["installments"][-2]["amount"] = 0.01
    add("amount_below_minimum", c, {"action": "call", "unmet_includes": ["amount_below_minimum"]},
        "overdue 400.01: below the visit minimum of 500")
    c = with_visit_chain(base())
    c["contacts"].append({"at": "2026-11-10T19:00:00+08:00", "channel": "call", "direction": "inbound",
                          "outcome": "rpc"})
    add("reachable_inbound", c, {"action": "call", "unmet": ["reachable"], "features": {"unreachable": False}},
        "the borrower called in two days ago: reachable, no visit")
    c = with_visit_chain(base())
    c["contacts"] = c["contacts"][2:]
    add("not_exhausted", c, {"action": "call", "unmet": ["remote_channels_not_exhausted"],
                             "features": {"unreachable": False}},
        "only 5 failed attempts in 30 days, the first 18 days ago: remote channels not exhausted")
    c = with_visit_chain(base())
    c["contacts"] = [x for x in c["contacts"] if x["channel"] == "call"] + [
        {"at": "2026-11-03T11:00:00+08:00", "channel": "call", "direction": "outbound", "outcome": "busy"},
        {"at": "2026-11-04T11:00:00+08:00", "channel": "call", "direction": "outbound", "outcome": "busy"}]
    add("single_channel", c, {"action": "call", "unmet": ["remote_channels_not_exhausted"]},
        "six failed calls but only one channel tried")
    c = with_visit_chain(base())
    c["loans"][0]["payments"][2]["paid_at"] = "2026-04-10T09:00:00+08:00"
    add("one_episode", c, {"action": "call", "unmet": ["too_few_episodes"], "features": {"episodes_12m": 1}},
        "overdue only once in 12 months: no visit")
    c = with_visit_chain(base())
    c["notices"][0]["sent_at"] = "2026-10-10T10:00:00+08:00"
    c["consents"][0]["at"] = "2026-10-11T10:00:00+08:00"
    c["approvals"][0]["at"] = "2026-10-12T10:00:00+08:00"
    add("notice_expired", c, {"action": "visit_notice", "unmet": PRE_VISIT_UNMET},
        "a notice older than 30 days no longer counts: send a new one")

    add("quiet_hours_night", base("2026-11-12T22:30:00+08:00"),
        {"action": "visit_notice", "not_before": "2026-11-13T08:00:00+08:00", "blocked_by": ["cn_quiet_hours"]},
        "22:30 is inside quiet hours: 08:00 next morning")
    add("quiet_hours_morning", base("2026-11-12T07:59:00+08:00"),
        {"action": "visit_notice", "not_before": "2026-11-12T08:00:00+08:00", "blocked_by": ["cn_quiet_hours"]},
        "07:59: wait one minute")
    c = base("2026-11-12T21:59:00+08:00")
    add("quiet_hours_edge", c, {"action": "visit_notice", "not_before": "2026-11-12T21:59:00+08:00",
                                "blocked_by": []}, "21:59 is still allowed (half-open 08:00–22:00)")
    c = paid_up(base("2026-10-20T15:00:00+08:00"), 7)
    c["contacts"] = [{"at": f"2026-10-20T{h}:00:00+08:00", "channel": "call", "direction": "outbound",
                      "outcome": "rpc"} for h in ("09", "10", "11")]
    add("cn_voice_cap", c, {"action": "call", "not_before": "2026-10-21T08:00:00+08:00",
                            "blocked_by": ["cn_voice_cap"], "features": {"connected_calls_today": 3}},
        "three connected calls today: no more until tomorrow 08:00")
    c = paid_up(base("2026-10-20T15:00:00+08:00"), 7)
    c["contacts"] = [{"at": f"2026-10-20T{h}:30:00+08:00", "channel": "call", "direction": "outbound",
                      "outcome": "no_answer"} for h in ("08", "09", "10", "11", "12", "13")]
    add("cn_unanswered_cap", c, {"action": "call", "not_before": "2026-10-21T08:00:00+08:00",
                                 "blocked_by": ["cn_unanswered_cap"], "features": {"dial_attempts_today": 6}},
        "six dial attempts today: no more until tomorrow 08:00")
    c = paid_up(base("2026-10-20T23:00:00+08:00"), 7)
    c["contacts"] = [{"at": f"2026-10-20T{h}:30:00+08:00", "channel": "call", "direction": "outbound",
                      "outcome": "no_answer"} for h in ("08", "09", "10", "11", "12", "13")]
    add("cn_cap_and_quiet", c, {"action": "call", "not_before": "2026-10-21T08:00:00+08:00",
                                "blocked_by": ["cn_quiet_hours", "cn_unanswered_cap"]},
        "both rules hold at 23:00 and both are named")

    us = paid_up(base("2026-10-20T10:00:00-04:00"), 7)
    us["borrower"].update(jurisdiction="us", timezone="America/New_York", language="en")
    us["contacts"] = [{"at": f"2026-10-{d:02d}T10:00:00-04:00", "channel": "call", "direction": "outbound",
                       "outcome": "no_answer"} for d in (14, 15, 16, 17, 18, 19, 19)]
    add("us_7in7", us, {"action": "call", "not_before": "2026-10-21T08:00:00-04:00", "blocked_by": ["us_7in7"]},
        "7 calls on Oct 14–19: the next may be placed when the Oct 14 call leaves the window, Oct 21")
    us2 = copy.deepcopy(us)
    us2["contacts"][0]["outcome"] = "invalid"
    add("us_7in7_invalid_not_counted", us2, {"action": "call", "not_before": "2026-10-20T10:00:00-04:00",
                                             "blocked_by": []},
        "a call to an invalid number does not count: 6 calls, allowed now")
    us3 = copy.deepcopy(us)
    us3["contacts"] = [{"at": "2026-10-18T17:00:00-04:00", "channel": "call", "direction": "inbound",
                        "outcome": "rpc"}]
    us3["notices"] = [dict(US_VALIDATION_SENT, sent_at="2026-10-19T10:00:00-04:00")]
    add("us_conversation", us3, {"action": "call", "not_before": "2026-10-25T08:00:00-04:00",
                                 "blocked_by": ["us_7in7"]},
        "a telephone conversation on Oct 18 (day 1): the next call on day 8, Oct 25 08:00")
    us4 = copy.deepcopy(us)
    us4["as_of"] = "2026-11-01T23:30:00-05:00"
    us4["contacts"] = []
    add("us_dst_fall_back", us4, {"action": "call", "not_before": "2026-11-02T08:00:00-05:00",
                                  "blocked_by": ["us_time_place"]},
        "after the clocks go back: 08:00 EST next day (21:00 rule)")
    v = copy.deepcopy(us)
    v["contacts"] = [{"at": "2026-10-17T12:00:00-04:00", "channel": "sms", "direction": "outbound",
                      "outcome": "delivered"}]
    add("us_validation_notice_due", v,
        {"action": "validation_notice", "channel": "letter", "reason": "validation_notice_due",
         "not_before": "2026-10-20T10:00:00-04:00", "fires": ["us_validation"]},
        "an SMS was delivered on Oct 17 and no validation notice has gone out: send it now (due within 5 days, "
        "12 CFR 1006.34(a)(1)(i)(B))")
    v2 = copy.deepcopy(v)
    v2["notices"] = [dict(US_VALIDATION_SENT, sent_at="2026-10-18T10:00:00-04:00")]
    add("us_validation_notice_sent", v2, {"action": "call", "reason": "arrears_call", "silent": ["us_validation"]},
        "the validation notice went out on Oct 18: the ladder goes on (a call)")
    v3 = copy.deepcopy(us)
    v3["contacts"] = [{"at": "2026-10-17T12:00:00-04:00", "channel": "call", "direction": "outbound",
                       "outcome": "no_answer"}]
    add("us_validation_not_before_communication", v3,
        {"action": "call", "silent": ["us_validation"]},
        "only an unanswered call: nothing was communicated yet, no validation notice is owed")
    v4 = paid_up(copy.deepcopy(v), 8)
    v4["as_of"] = "2026-10-05T10:00:00-04:00"
    v4["contacts"] = [{"at": "2026-10-01T12:00:00-04:00", "channel": "call", "direction": "inbound",
                       "outcome": "rpc"}]
    add("us_validation_not_while_current", v4, {"action": "none", "silent": ["us_validation"]},
        "a current account (nothing overdue): a conversation does not start collection, no notice is owed")
    v5 = copy.deepcopy(v)
    v5["borrower"]["flags"] = {"dispute_open": True}
    add("us_validation_hold_first", v5, {"action": "hold", "reason": "dispute_open", "blocked_by": ["us_validation"]},
        "a dispute is open: collection stops (1006.38(d)(2)) before any further notice")
    uk = paid_up(base("2026-10-20T21:15:00+01:00"), 7)
    uk["borrower"].update(jurisdiction="uk", timezone="Europe/London", language="en")
    add("uk_contact_times", uk, {"action": "call", "not_before": "2026-10-21T08:00:00+01:00",
                                 "blocked_by": ["uk_contact_times"]},
        "21:15 in London: the lender's 21:00 limit applies")
    uk2 = copy.deepcopy(uk)
    uk2["as_of"] = "2026-10-25T06:30:00+00:00"
    add("uk_dst_end", uk2, {"action": "call", "not_before": "2026-10-25T08:00:00+00:00",
                            "blocked_by": ["uk_contact_times"]},
        "the morning the clocks go back: 08:00 GMT")
    return out


def preference_scenarios() -> list[dict]:
    """Issue 13 item 5: stated contact times and refused channels, honoured by the guardrails (each rule
    that honours them firing, and silent when the preference is met or absent)."""
    out: list[dict] = []

    def add(name: str, case: dict, expect: dict, note: str) -> None:
        out.append({"name": name, "note": note, "case": case, "expect": expect})

    evening = {"hours": [{"start": "18:00", "end": "20:00"}]}
    c = paid_up(base("2026-11-12T10:00:00+08:00"), 7)
    c["borrower"]["contact_preferences"] = evening
    add("cn_preferred_hours_move_call", c, {"action": "call", "reason": "serious_arrears_call",
                                            "not_before": "2026-11-12T18:00:00+08:00", "blocked_by": ["cc_privacy"]},
        "the borrower asked to be called 18:00–20:00: the 10:00 call waits until 18:00 (民法典 1033)")
    c = paid_up(base("2026-11-12T18:30:00+08:00"), 7)
    c["borrower"]["contact_preferences"] = evening
    add("cn_preferred_hours_met", c, {"action": "call", "not_before": "2026-11-12T18:30:00+08:00",
                                      "blocked_by": []},
        "18:30 is inside the stated window: nothing moves")
    c = paid_up(base("2026-11-12T10:00:00+08:00"), 7)
    c["borrower"]["contact_preferences"] = {"hours": [{"days": ["sat"], "start": "21:00", "end": "23:30"}]}
    add("cn_preferred_hours_clipped_to_quiet_hours", c,
        {"action": "call", "not_before": "2026-11-14T21:00:00+08:00", "blocked_by": ["cc_privacy"]},
        "Saturdays 21:00–23:30: Saturday 21:00, never inside quiet hours (the window ends at 22:00)")
    c = paid_up(base("2026-11-12T10:00:00+08:00"), 7)
    c["borrower"]["contact_preferences"] = {"hours": [{"start": "23:00", "end": "23:30"}]}
    add("cn_preferred_hours_unlawful", c,
        {"action": "call", "not_before": "2026-11-12T10:00:00+08:00", "blocked_by": [],
         "reasons_include": ["preferred_hours_unlawful"]},
        "a window wholly inside quiet hours cannot be met lawfully: lawful hours, and the reason says so")
    c = paid_up(base("2026-11-12T10:00:00+08:00"), 7)
    c["borrower"]["contact_preferences"] = {"channels_refused": ["call"]}
    add("cn_refused_call_falls_to_sms", c,
        {"action": "sms_reminder", "channel": "sms", "reason": "serious_arrears_call",
         "reasons_include": ["channel_refused"], "blocked_by": ["cc_privacy"]},
        "the borrower refused calls: the ladder falls to an SMS")
    c = paid_up(base("2026-11-12T10:00:00+08:00"), 7)
    c["borrower"]["contact_preferences"] = {"channels_refused": ["call", "sms", "email"]}
    add("cn_every_channel_refused", c,
        {"action": "none", "channel": "none", "reasons_include": ["channel_refused"], "blocked_by": ["cc_privacy"]},
        "calls, SMS and email all refused: no remote contact, and the reason names the refusal")
    c = paid_up(base("2026-11-12T10:00:00+08:00"), 7)
    c["borrower"]["contact_preferences"] = {"channels_refused": ["email"]}
    add("cn_refused_other_channel_silent", c,
        {"action": "call", "blocked_by": [], "reasons_exclude": ["channel_refused"]},
        "email refused, a call decided: nothing changes")
    c = with_visit_chain(base())
    c["borrower"]["contact_preferences"] = {"hours": [{"days": ["sun", "mon"], "start": "19:00", "end": "21:00"}]}
    add("cn_preferred_hours_visit", c,
        {"action": "visit_schedule", "not_before": "2026-11-16T19:00:00+08:00", "blocked_by": ["cc_privacy"]},
        "a visit honours the stated window inside the visit window: Sunday is closed, so Monday 19:00–20:00")

    us = paid_up(base("2026-10-20T10:00:00-04:00"), 7)
    us["borrower"].update(jurisdiction="us", timezone="America/New_York", language="en")
    us["contacts"] = []
    u = copy.deepcopy(us)
    u["borrower"]["contact_preferences"] = {"hours": [{"days": ["mon", "tue", "wed", "thu", "fri"],
                                                       "start": "17:30", "end": "20:00"}]}
    add("us_inconvenient_time_stated", u,
        {"action": "call", "not_before": "2026-10-20T17:30:00-04:00", "blocked_by": ["us_time_place"]},
        "the consumer said only weekday evenings suit: 10:00 is known to be inconvenient (1006.6(b)(1))")
    u = copy.deepcopy(us)
    u["borrower"]["contact_preferences"] = {"channels_refused": ["call"]}
    add("us_medium_refused", u,
        {"action": "sms_reminder", "reasons_include": ["channel_refused"], "blocked_by": ["us_ecomm"]},
        "the consumer asked not to be called: a prohibited medium (1006.14(h)(1)); an SMS instead")
    u = copy.deepcopy(us)
    u["borrower"]["contact_preferences"] = {"hours": [{"start": "09:00", "end": "12:00"}], "channels_refused": []}
    add("us_preference_met_silent", u, {"action": "call", "not_before": "2026-10-20T10:00:00-04:00",
                                        "blocked_by": []},
        "10:00 is inside the stated window: no rule moves anything")
    uk = paid_up(base("2026-10-20T12:00:00+01:00"), 7)
    uk["borrower"].update(jurisdiction="uk", timezone="Europe/London", language="en")
    uk["contacts"] = []
    k = copy.deepcopy(uk)
    k["borrower"]["contact_preferences"] = {"hours": [{"start": "18:00", "end": "19:00"}],
                                            "channels_refused": ["call"]}
    add("uk_reasonable_request", k,
        {"action": "sms_reminder", "not_before": "2026-10-20T18:00:00+01:00", "reasons_include": ["channel_refused"],
         "blocked_by": ["uk_contact_times"]},
        "a reasonable request about when and how: no calls, messages 18:00–19:00 (CONC 7.9)")
    k = copy.deepcopy(uk)
    k["borrower"]["contact_preferences"] = {"channels_refused": ["letter"]}
    add("uk_refused_letter_silent", k, {"action": "call", "blocked_by": []},
        "letters refused, a call decided: nothing changes")
    out += limit_scenarios(us, uk)
    return out


def limit_scenarios(us: dict, uk: dict) -> list[dict]:
    """Issue 15 (g): known limits on a channel. cn_debtor_only: a third party reached on the borrower's number
    objected, so that channel is no longer used; us_workplace: the channel reaches the consumer at work and the
    employer prohibits it or the consumer said so. Each firing, and silent when lifted, elsewhere or absent."""
    out: list[dict] = []

    def add(name: str, case: dict, expect: dict, note: str) -> None:
        out.append({"name": name, "note": note, "case": case, "expect": expect})

    def objected(channel: str, at: str = "2026-11-08T15:00:00+08:00", **extra: str) -> dict:
        return {"id": f"TP-{channel}", "kind": "third_party_objected", "by": "third_party", "channel": channel,
                "at": at, **extra}

    c = paid_up(base("2026-11-12T10:00:00+08:00"), 7)
    c["contact_limits"] = [objected("call")]
    add("cn_third_party_objected_call", c,
        {"action": "sms_reminder", "channel": "sms", "reason": "serious_arrears_call",
         "reasons_include": ["third_party_objected"], "blocked_by": ["cn_debtor_only"]},
        "the borrower's mother answered the number on file on Nov 8 and asked not to be called again: no more "
        "calls on it (stop when a third party objects, GB/T 45251); a minimal SMS that names no debt instead")
    c = paid_up(base("2026-11-12T10:00:00+08:00"), 7)
    c["contact_limits"] = [objected("call"), objected("sms")]
    add("cn_third_party_objected_phone", c,
        {"action": "email_notice", "channel": "email", "reasons_include": ["third_party_objected"],
         "blocked_by": ["cn_debtor_only"]},
        "the objection covered calls and texts to that number: only email is left")
    c = paid_up(base("2026-11-12T10:00:00+08:00"), 7)
    c["contact_limits"] = [objected("call")]
    c["borrower"]["contact_preferences"] = {"channels_refused": ["sms", "email"]}
    add("cn_third_party_objected_and_refusals", c,
        {"action": "none", "channel": "none", "reasons_include": ["third_party_objected", "channel_refused"],
         "blocked_by": ["cn_debtor_only", "cc_privacy"]},
        "calls barred by the objection, SMS and email refused by the borrower: no remote contact, both named")
    c = paid_up(base("2026-11-12T10:00:00+08:00"), 7)
    c["contact_limits"] = [objected("call", lifted_at="2026-11-10T09:00:00+08:00")]
    add("cn_third_party_objection_lifted_silent", c,
        {"action": "call", "blocked_by": [], "reasons_exclude": ["third_party_objected"],
         "silent": ["cn_debtor_only"]},
        "the borrower gave a new number of their own on Nov 10 (the objection is lifted): calls resume")
    c = paid_up(base("2026-11-12T10:00:00+08:00"), 7)
    c["contact_limits"] = [objected("email")]
    add("cn_third_party_objected_other_channel_silent", c,
        {"action": "call", "blocked_by": [], "reasons_exclude": ["third_party_objected"],
         "silent": ["cn_debtor_only"]},
        "a third party objected to emails, a call is decided: the call is not barred")
    c = paid_up(base("2026-11-12T10:00:00+08:00"), 7)
    c["contact_limits"] = [objected("call", at="2026-11-13T09:00:00+08:00")]
    add("cn_third_party_objection_later_silent", c,
        {"action": "call", "blocked_by": [], "silent": ["cn_debtor_only"]},
        "an objection recorded after as_of does not change a decision made before it")
    out += third_party_contact_scenarios()
    c = paid_up(base("2026-11-12T10:00:00+08:00"), 7)
    c["contact_limits"] = [{"id": "W1", "kind": "workplace", "by": "borrower", "channel": "call",
                            "at": "2026-11-01T09:00:00+08:00"}]
    add("cn_workplace_limit_silent", c, {"action": "call", "blocked_by": [], "silent": ["cn_debtor_only"]},
        "a workplace limit is a US rule (us_workplace); the cn pack has no rule that honours it, so the call stands")

    def work(channel: str, by: str = "employer", at: str = "2026-10-01T09:00:00-04:00", **extra: str) -> dict:
        return {"id": f"W-{channel}", "kind": "workplace", "by": by, "channel": channel, "at": at, **extra}

    u = copy.deepcopy(us)
    u["contact_limits"] = [work("call")]
    add("us_workplace_employer_prohibits", u,
        {"action": "sms_reminder", "channel": "sms", "reasons_include": ["workplace_contact_barred"],
         "blocked_by": ["us_workplace"]},
        "the only phone on file is the consumer's desk line and the employer prohibits collection calls there "
        "(known since Oct 1): no call (1692c(a)(3)); a text to their mobile instead")
    u = copy.deepcopy(us)
    u["contact_limits"] = [work("call", by="borrower")]
    add("us_workplace_borrower_said_so", u,
        {"action": "sms_reminder", "reasons_include": ["workplace_contact_barred"], "blocked_by": ["us_workplace"]},
        "the consumer said not to call them at work: a place known to be inconvenient (1006.6(b)(1))")
    u = copy.deepcopy(us)
    u["contact_limits"] = [work("call"), work("sms"), work("email", by="borrower")]
    add("us_workplace_every_channel", u,
        {"action": "none", "channel": "none", "reasons_include": ["workplace_contact_barred"],
         "blocked_by": ["us_workplace"]},
        "every channel on file reaches the consumer at work and work contact is barred: no remote contact")
    u = copy.deepcopy(us)
    u["contact_limits"] = [work("call", lifted_at="2026-10-15T09:00:00-04:00")]
    add("us_workplace_lifted_silent", u,
        {"action": "call", "blocked_by": [], "reasons_exclude": ["workplace_contact_barred"],
         "silent": ["us_workplace"]},
        "the consumer changed jobs and gave a personal number on Oct 15: the limit is lifted, calls resume")
    u = copy.deepcopy(us)
    u["contact_limits"] = [work("email")]
    add("us_workplace_other_channel_silent", u,
        {"action": "call", "blocked_by": [], "silent": ["us_workplace"]},
        "only the work email is barred; a call to the personal phone is decided and stands")
    u = copy.deepcopy(us)
    u["contact_limits"] = [{"id": "TP1", "kind": "third_party_objected", "by": "third_party", "channel": "call",
                            "at": "2026-10-01T09:00:00-04:00"}]
    add("us_third_party_objected", u,
        {"action": "sms_reminder", "reasons_include": ["third_party_objected"], "blocked_by": ["us_third_party"],
         "silent": ["us_workplace"]},
        "the consumer's roommate answered the number on file and asked not to be called again: no further call "
        "reaches them (a third party is not contacted more than once unless they ask, 1692b(3)); a text instead")
    out += us_third_party_contact_scenarios()
    out += uk_limit_scenarios(uk)
    return out


def us_third_party_contact_scenarios() -> list[dict]:
    """us_third_party (1692c(b), 1692b): a third party is contacted only to learn where the consumer is, and only
    once. The number on file for calls reaches an emergency contact the consumer named (`third_party_contact`):
    while the consumer can be reached there is no location to ask for, so it is not called (reason
    third_party_while_reachable); once they are out of reach one location call may be made; after the third party
    answered one (outcome third_party) it is not called again (reason third_party_asked_once)."""
    out: list[dict] = []

    def add(name: str, case: dict, expect: dict, note: str) -> None:
        out.append({"name": name, "note": note, "case": case, "expect": expect})

    def us_case(*extra_contacts: dict) -> dict:
        c = _shift(paid_up(base("2026-11-12T10:00:00+08:00"), 7), "-05:00")
        c["borrower"].update(jurisdiction="us", timezone="America/New_York", language="en", name="Alex Doe")
        c["notices"] = [copy.deepcopy(US_VALIDATION_SENT)]
        c["contacts"] += list(extra_contacts)
        c["contact_limits"] = [{"id": "EC1", "kind": "third_party_contact", "by": "borrower", "channel": "call",
                                "at": "2026-10-01T09:00:00-04:00"}]
        return c

    texted_back = {"at": "2026-11-10T19:00:00-05:00", "channel": "sms", "direction": "inbound", "outcome": "rpc"}
    add("us_third_party_contact_while_reachable", us_case(texted_back),
        {"action": "sms_reminder", "channel": "sms", "reason": "serious_arrears_call",
         "reasons_include": ["third_party_while_reachable"], "blocked_by": ["us_third_party"],
         "features": {"unreachable": False}},
        "the only number for calls is the emergency contact the consumer named; the consumer texted back on Nov 10, "
        "so there is no location to ask a third party for: no call to them (1692c(b), 1692b), a text instead")
    add("us_third_party_contact_out_of_reach_silent", us_case(),
        {"action": "call", "reason": "serious_arrears_call", "blocked_by": [],
         "reasons_exclude": ["third_party_while_reachable", "third_party_asked_once"], "silent": ["us_third_party"],
         "features": {"unreachable": True}},
        "23 days of failed calls, texts and emails: the consumer is out of reach, so one call to the emergency "
        "contact to ask where to reach them stands (a location inquiry, never saying a debt is owed, 1692b)")
    answered = {"at": "2026-11-05T11:00:00-05:00", "channel": "call", "direction": "outbound",
                "outcome": "third_party"}
    add("us_third_party_contact_asked_once", us_case(answered),
        {"action": "sms_reminder", "channel": "sms", "reasons_include": ["third_party_asked_once"],
         "reasons_exclude": ["third_party_while_reachable"], "blocked_by": ["us_third_party"],
         "features": {"unreachable": True}},
        "out of reach, and the emergency contact already answered one call on Nov 5: a third party is not "
        "contacted more than once unless they ask (1692b(3)); a text to the consumer instead")
    return out


def third_party_contact_scenarios() -> list[dict]:
    """cn_debtor_only: third parties only when the debtor is out of reach. The number on file for calls reaches an
    emergency contact the borrower named (`third_party_contact`): while the borrower can still be reached it is not
    called (reason third_party_while_reachable); once they are out of reach (the strategy's `unreachable`) the call
    stands."""
    out: list[dict] = []

    def add(name: str, case: dict, expect: dict, note: str) -> None:
        out.append({"name": name, "note": note, "case": case, "expect": expect})

    def named(**extra: str) -> dict:
        return {"id": "EC1", "kind": "third_party_contact", "by": "borrower", "channel": "call",
                "at": "2026-10-01T09:00:00+08:00", **extra}

    c = paid_up(base("2026-11-12T10:00:00+08:00"), 7)
    c["contacts"].append({"at": "2026-11-10T19:00:00+08:00", "channel": "sms", "direction": "inbound",
                          "outcome": "rpc"})
    c["contact_limits"] = [named()]
    add("cn_third_party_contact_while_reachable", c,
        {"action": "sms_reminder", "channel": "sms", "reason": "serious_arrears_call",
         "reasons_include": ["third_party_while_reachable"], "blocked_by": ["cn_debtor_only"],
         "features": {"unreachable": False}},
        "the only number for calls is the emergency contact the borrower named; the borrower texted back on Nov "
        "10, so they can be reached: the third party is not called (cn_debtor_only), an SMS to the borrower instead")
    c = paid_up(base("2026-11-12T10:00:00+08:00"), 7)
    c["contacts"] = c["contacts"][:2]
    c["contact_limits"] = [named()]
    add("cn_third_party_contact_attempts_not_exhausted", c,
        {"action": "sms_reminder", "reasons_include": ["third_party_while_reachable"],
         "blocked_by": ["cn_debtor_only"], "features": {"unreachable": False}},
        "two unanswered attempts are not 'out of reach': the emergency contact is not called yet")
    c = paid_up(base("2026-11-12T10:00:00+08:00"), 7)
    c["contact_limits"] = [named()]
    add("cn_third_party_contact_out_of_reach_silent", c,
        {"action": "call", "reason": "serious_arrears_call", "blocked_by": [],
         "reasons_exclude": ["third_party_while_reachable"], "silent": ["cn_debtor_only"],
         "features": {"unreachable": True}},
        "23 days of failed calls, texts and emails, one number invalid: the borrower is out of reach, so the "
        "emergency contact may be called (to ask how to reach the borrower, never telling them of the debt)")
    c = paid_up(base("2026-11-12T10:00:00+08:00"), 7)
    c["contacts"].append({"at": "2026-11-10T19:00:00+08:00", "channel": "sms", "direction": "inbound",
                          "outcome": "rpc"})
    c["contact_limits"] = [named(lifted_at="2026-11-11T09:00:00+08:00")]
    add("cn_third_party_contact_lifted_silent", c,
        {"action": "call", "blocked_by": [], "reasons_exclude": ["third_party_while_reachable"],
         "silent_blocks": ["cn_debtor_only"]},
        "the borrower gave a number of their own on Nov 11 (the limit is lifted): calls go to them")
    return out


def uk_limit_scenarios(uk: dict) -> list[dict]:
    """The uk pack honours both limits: a request not to be contacted at work is a reasonable request about where
    and how (uk_contact_times, CONC 7.9); a third party who objected is kept out of it (uk_privacy, CONC 7.9.7R:
    third parties kept unaware). Each firing, and silent when lifted or on another channel."""
    out: list[dict] = []

    def add(name: str, case: dict, expect: dict, note: str) -> None:
        out.append({"name": name, "note": note, "case": case, "expect": expect})

    def limit(kind: str, by: str, channel: str, **extra: str) -> dict:
        return {"id": f"{kind[:2].upper()}-{channel}", "kind": kind, "by": by, "channel": channel,
                "at": "2026-10-01T09:00:00+01:00", **extra}

    k = copy.deepcopy(uk)
    k["contact_limits"] = [limit("workplace", "borrower", "call")]
    add("uk_workplace_customer_asked", k,
        {"action": "sms_reminder", "channel": "sms", "reasons_include": ["workplace_contact_barred"],
         "blocked_by": ["uk_contact_times"], "silent": ["uk_privacy"]},
        "the customer asked not to be rung at work, where the only number on file rings: a reasonable request "
        "about where and how (CONC 7.9); a text instead")
    k = copy.deepcopy(uk)
    k["contact_limits"] = [limit("workplace", "employer", "call"), limit("workplace", "borrower", "sms")]
    add("uk_workplace_employer_and_customer", k,
        {"action": "email_notice", "channel": "email", "reasons_include": ["workplace_contact_barred"],
         "blocked_by": ["uk_contact_times"]},
        "the employer forbids collection calls to the desk line and the customer asked for no texts at work: "
        "email is left")
    k = copy.deepcopy(uk)
    k["contact_limits"] = [limit("workplace", "borrower", "call", lifted_at="2026-10-15T09:00:00+01:00")]
    add("uk_workplace_lifted_silent", k,
        {"action": "call", "blocked_by": [], "reasons_exclude": ["workplace_contact_barred"],
         "silent_blocks": ["uk_contact_times"]},
        "the customer gave a personal number on Oct 15 (the limit is lifted): the call stands")
    k = copy.deepcopy(uk)
    k["contact_limits"] = [limit("third_party_objected", "third_party", "call")]
    add("uk_third_party_objected", k,
        {"action": "sms_reminder", "channel": "sms", "reasons_include": ["third_party_objected"],
         "blocked_by": ["uk_privacy"], "silent_blocks": ["uk_contact_times"]},
        "the customer's partner answered the number on file and objected to the calls: ringing it again keeps "
        "drawing a third party in (CONC 7.9.7R: third parties kept unaware); a text instead")
    k = copy.deepcopy(uk)
    k["contact_limits"] = [limit("third_party_objected", "third_party", "email")]
    add("uk_third_party_other_channel_silent", k,
        {"action": "call", "blocked_by": [], "reasons_exclude": ["third_party_objected"], "silent": ["uk_privacy"]},
        "the objection was to emails reaching a shared inbox; a call is decided and stands")
    k = copy.deepcopy(uk)
    k["contacts"] = [{"at": "2026-10-18T19:00:00+01:00", "channel": "sms", "direction": "inbound", "outcome": "rpc"}]
    k["contact_limits"] = [limit("third_party_contact", "borrower", "call")]
    add("uk_third_party_contact_not_barred_silent", k,
        {"action": "call", "blocked_by": [], "reasons_exclude": ["third_party_while_reachable"],
         "silent": ["uk_privacy"], "features": {"unreachable": False}},
        "the number on file reaches the customer's named emergency contact and the customer texted on Oct 18: "
        "CONC 7.9.7R and 7.9.10R govern what a call may reveal (nothing of the debt; identity verified first), "
        "not whether a third party may be rung, so the call stands and call QA checks what was said")
    return out


US_VALIDATION_SENT = {"id": "VAL1", "kind": "validation_notice", "loan_id": "L1",
                      "sent_at": "2026-09-30T10:00:00-04:00"}
OFFSET = {"us": ("America/New_York", "-05:00"), "uk": ("Europe/London", "+00:00")}
# The rule each pack names where cn names its own (the same strategy line, the pack's rule for it).
RULE_IN = {
    "us": {"cn_quiet_hours": "us_time_place", "cc_privacy": "us_time_place", "dispute_hold": "us_validation",
           "lawyer_hold": "us_attorney"},
    "uk": {"cn_quiet_hours": "uk_contact_times", "cc_privacy": "uk_contact_times", "lawyer_hold": "lawyer_hold"},
}
PORTED = ("flag_deceased", "flag_bankrupt", "flag_dispute_open", "flag_do_not_contact", "flag_represented_by_lawyer",
          "flag_vulnerable", "flag_hardship_open", "ptp_pending", "dpd_2_sms", "dpd_10_call", "dpd_33_call",
          "visit_notice", "notice_period", "consent_declined", "consent_withdrawn", "no_consent_after_14_days",
          "awaiting_consent", "visit_approval", "visit_schedule", "visit_window_sunday", "visit_limit",
          "amount_below_minimum", "reachable_inbound", "not_exhausted", "one_episode",
          "gate_refused_visit_blocks_return", "gate_alternative_pauses_visit", "gate_verified_remotely_closes_visit")


def _shift(value, offset: str):
    """Every "+08:00" timestamp of a cn scenario at the same local wall-clock time in another zone."""
    if isinstance(value, str):
        return value.replace("+08:00", offset)
    if isinstance(value, list):
        return [_shift(v, offset) for v in value]
    if isinstance(value, dict):
        return {k: _shift(v, offset) for k, v in value.items()}
    return value


def ported(examples: list[dict], pack: str) -> list[dict]:
    """The cn scenarios that do not depend on cn numbers, for a us or uk borrower (same strategy, same local
    times; the blocked_by rule is the pack's own rule for the same line)."""
    zone, offset = OFFSET[pack]
    out = []
    for ex in examples:
        if ex["name"] not in PORTED:
            continue
        case = _shift(copy.deepcopy(ex["case"]), offset)
        case["borrower"].update(jurisdiction=pack, timezone=zone, language="en", name="Alex Doe")
        if pack == "us":  # the validation notice went out with the first letter (Reg F 1006.34)
            case["notices"] = [US_VALIDATION_SENT, *case.get("notices", [])]
        expect = _shift(copy.deepcopy(ex["expect"]), offset)
        if "blocked_by" in expect:
            expect["blocked_by"] = [RULE_IN[pack].get(r, r) for r in expect["blocked_by"]]
        out.append({"name": f"{pack}_{ex['name']}", "note": f"{pack}: {ex['note']}", "case": case, "expect": expect})
    return out


def strategy_rules(pack: str) -> list[str]:
    """Every rule a gate code or stop line (S01–S08) of the standard strategy cites for this pack."""
    raw = yaml.safe_load((OUT.parent / "standard.yaml").read_text(encoding="utf-8"))
    lines = raw["visit_gate"] + [x for x in raw["ladder"] if x.get("collect")]
    out: list[str] = []
    for line in lines:
        spec = line.get("rules") or {}
        out += [*spec.get("all", []), *spec.get(pack, [])]
    return sorted(dict.fromkeys(out))


# Examples in which a rule's condition is evaluated and does not hold (checked: the decision must not name it;
# for a guardrail, SILENT_BLOCKS: it must not move or stop the decision, though a gate code may still cite it).
SILENT_BLOCKS = {
    "quiet_hours_edge": lambda pack: ["cn_quiet_hours"],
    "dpd_10_call": lambda pack: {"cn": ["cn_voice_cap", "cn_unanswered_cap", "cn_quiet_hours"],
                                 "us": ["us_time_place", "us_7in7"], "uk": ["uk_contact_times"]}[pack],
    "us_7in7_invalid_not_counted": lambda pack: ["us_7in7"],
    "pref_us_preference_met_silent": lambda pack: ["us_time_place", "us_ecomm"],
    "pref_cn_refused_other_channel_silent": lambda pack: ["cc_privacy"],
    "pref_uk_refused_letter_silent": lambda pack: ["uk_contact_times"],
}
SILENT = {
    "visit_schedule": lambda pack: strategy_rules(pack) + ["remote_after_consent", "visit_window"],
}


def with_silent(examples: list[dict]) -> list[dict]:
    for ex in examples:
        pack = ex["case"]["borrower"]["jurisdiction"]
        base_name = ex["name"].removeprefix(f"{pack}_") if pack != "cn" else ex["name"]
        rules = SILENT.get(ex["name"]) or SILENT.get(base_name)
        if rules:
            ex["expect"]["silent"] = rules(pack)
        blocks = SILENT_BLOCKS.get(ex["name"]) or SILENT_BLOCKS.get(base_name)
        if blocks:
            ex["expect"]["silent_blocks"] = blocks(pack)
    return examples


def second_loan(case: dict, due: str = "2026-12-10", paid: bool = False) -> dict:
    """Give the borrower a second loan L2 with one installment due on `due`."""
    loan = {"id": "L2", "currency": "CNY", "principal": 3000, "disbursed_on": "2026-09-01",
            "installments": [{"seq": 1, "due_date": due, "amount": 1000}], "payments": []}
    if paid:
        loan["payments"] = [{"paid_at": f"{due}T09:00:00+08:00", "amount": 1000}]
    case["loans"].append(loan)
    return case


def gate_scenarios() -> list[dict]:
    """Issue 13, "the visit gate holds at every moment": one worked case per decision bullet under **Why**.

    Each is also written to examples/cases/ as a case file for `duecare decide --case`, with its expectation.
    """
    out: list[dict] = []

    def add(name: str, case: dict, expect: dict, note: str, loan_id: str | None = None) -> None:
        item = {"name": name, "note": note, "case": case, "expect": expect}
        if loan_id:
            item["loan_id"] = loan_id
        out.append(item)

    withdrawn = ["consent_withdrawn", "approval_missing"]
    # --- a grant and a withdrawal at the same instant: the withdrawal wins, whatever the row order
    for order in ("grant_first", "withdrawal_first"):
        c = with_visit_chain(base())
        w = dict(CONSENT, decision="withdrawn")
        c["consents"] = [c["consents"][0], w] if order == "grant_first" else [w, c["consents"][0]]
        add(f"gate_consent_tie_{order}", c, {"action": "call", "channel": "call", "reason": "consent_withdrawn",
                                             "eligible": False, "unmet": withdrawn},
            f"granted and withdrawn at the same instant ({order.replace('_', ' ')}): withdrawn, never row order")
    c = with_visit_chain(base(), approval=False)
    c["consents"] = [dict(CONSENT, decision="declined"), copy.deepcopy(CONSENT)]
    add("gate_consent_tie_decline", c, {"action": "call", "reason": "consent_declined", "eligible": False,
                                        "unmet": ["consent_declined", "approval_missing"]},
        "granted and declined at the same instant: declined")
    # --- a withdrawal naming an older notice still counts
    older = dict(NOTICE, id="N0", sent_at="2026-10-20T10:00:00+08:00")
    c = with_visit_chain(base())
    c["notices"] = [older, copy.deepcopy(NOTICE)]
    c["consents"].append(dict(CONSENT, decision="withdrawn", at="2026-11-08T09:00:00+08:00", notice_id="N0"))
    add("gate_withdrawal_names_older_notice", c, {"action": "call", "reason": "consent_withdrawn",
                                                  "eligible": False, "unmet": withdrawn},
        "the withdrawal quotes the older notice N0: it still withdraws the consent to the live notice N1")
    c = with_visit_chain(base())
    c["notices"] = [older, copy.deepcopy(NOTICE)]
    c["consents"] = [dict(CONSENT, notice_id="N0")]
    add("gate_grant_names_older_notice", c, {"action": "call", "reason": "awaiting_consent", "eligible": False,
                                             "unmet": ["consent_missing", "approval_missing"]},
        "a grant that names an older notice does not count for the live one")
    c = with_visit_chain(base())
    c["consents"] = [dict(CONSENT, decision="declined"),
                     dict(CONSENT, at="2026-11-07T09:00:00+08:00", notice_id="N0")]
    c["notices"] = [older, copy.deepcopy(NOTICE)]
    add("gate_decline_then_grant_for_old_notice", c, {"action": "call", "reason": "consent_declined",
                                                      "eligible": False,
                                                      "unmet": ["consent_declined", "approval_missing"]},
        "after a decline, a later grant naming an older notice changes nothing")
    c = with_visit_chain(base())
    c["visits"] = [{"loan_id": "L1", "status": "scheduled", "at": "2026-11-14T10:00:00+08:00"}]
    c["consents"].append(dict(CONSENT, decision="withdrawn", at="2026-11-10T09:00:00+08:00", notice_id=None))
    add("gate_withdrawal_after_scheduling", c,
        {"action": "call", "eligible": False, "unmet_includes": ["consent_withdrawn", "approval_missing"]},
        "withdrawn after the visit was scheduled: the gate is closed (the workflow cancels the visit)")
    # --- reachability is per borrower
    c = second_loan(with_visit_chain(base()))
    c["contacts"].append({"at": "2026-11-10T16:00:00+08:00", "channel": "call", "direction": "inbound",
                          "outcome": "rpc", "loan_id": "L2"})
    add("gate_rpc_on_other_loan_makes_reachable", c,
        {"action": "call", "reason": "serious_arrears_call", "eligible": False, "unmet_includes": ["reachable"],
         "features": {"unreachable": False, "last_rpc_at": "2026-11-10T16:00:00+08:00"}},
        "the borrower phoned about loan L2 two days ago: reachable for L1 too, no visit")
    c = second_loan(base())
    for contact in c["contacts"]:
        contact["loan_id"] = "L2"
    add("gate_failures_on_other_loan_count", c, {"action": "visit_notice", "unmet": PRE_VISIT_UNMET,
                                                 "features": {"unreachable": True, "attempts_call_30d": 4}},
        "the failed attempts all named L2: the person is unreachable, whichever loan they were about")
    # --- portal activity is a right-party contact
    c = with_visit_chain(base())
    c["contacts"].append({"at": "2026-11-11T21:00:00+08:00", "channel": "portal", "direction": "inbound",
                          "outcome": "rpc"})
    add("gate_portal_activity_is_rpc", c,
        {"action": "call", "reason": "serious_arrears_call", "eligible": False, "unmet_includes": ["reachable"],
         "features": {"unreachable": False, "last_rpc_at": "2026-11-11T21:00:00+08:00"}},
        "the borrower answered the questionnaire in the portal last night: reachable, no visit")
    # --- an answer to the visit notice is about the visit, not the debt: it does not make the borrower reachable
    c = with_visit_chain(base())
    c["consents"] = [dict(CONSENT, channel="sms_reply", evidence="inbound:sms:R1")]
    c["contacts"].append({"at": CONSENT["at"], "channel": "sms", "direction": "inbound", "outcome": "rpc",
                          "answers_notice": "N1"})
    add("gate_sms_consent_reply_keeps_gate_open", c,
        {"action": "visit_schedule", "channel": "visit", "eligible": True, "unmet": [],
         "features": {"unreachable": True}},
        "the borrower replied YES (同意) by SMS to notice N1: an answer about the visit, not a right-party "
        "contact; still unreachable, the visit may go ahead")
    c = with_visit_chain(base())
    c["contacts"].append({"at": CONSENT["at"], "channel": "call", "direction": "inbound", "outcome": "rpc"})
    add("gate_inbound_call_after_consent_makes_reachable", c,
        {"action": "call", "reason": "serious_arrears_call", "eligible": False, "unmet_includes": ["reachable"],
         "features": {"unreachable": False, "last_rpc_at": CONSENT["at"]}},
        "the same consent, but the borrower also phoned in that evening: a right-party contact, reachable, no visit")
    c = with_visit_chain(base())
    c["contacts"].append({"at": "2026-11-11T21:00:00+08:00", "channel": "portal", "direction": "inbound",
                          "outcome": "rpc"})
    c["borrower"]["flags"] = {"hardship_open": True}
    add("gate_portal_hardship_questionnaire", c,
        {"action": "hold", "reason": "hardship_review", "eligible": False,
         "unmet_includes": ["reachable", "hold_active"], "blocked_by": ["hardship_hold"]},
        "a questionnaire reporting job loss opened a hardship review: hold, and the gate is closed")
    # --- holds are per borrower
    c = second_loan(with_visit_chain(base()), due="2026-12-10")
    c["promises"] = [{"loan_id": "L2", "promised_date": "2026-11-20", "amount": 1000, "status": "open"}]
    add("gate_promise_on_other_loan_closes_gate", c,
        {"action": "call", "reason": "serious_arrears_call", "eligible": False, "unmet_includes": ["hold_active"],
         "reasons_exclude": ["ptp_pending"]},
        "a promise to pay on L2 closes the visit gate of L1 (no visit), while L1's remote ladder continues")
    c = second_loan(base(), due="2026-11-10")
    c["promises"] = [{"loan_id": "L1", "promised_date": "2026-11-20", "amount": 2000, "status": "open"}]
    add("gate_promise_on_loan_a_keeps_sms_on_loan_b", c,
        {"action": "sms_reminder", "reason": "early_arrears_reminder", "eligible": False,
         "unmet_includes": ["hold_active"]},
        "a promise on L1 holds L1 but L2's two-day-late SMS reminder still goes out", loan_id="L2")
    c = second_loan(base(), due="2026-11-10")
    c["promises"] = [{"loan_id": "L1", "promised_date": "2026-11-20", "amount": 2000, "status": "open"}]
    add("gate_promise_hold_names_its_rule", c,
        {"action": "hold", "reason": "ptp_pending", "unmet_includes": ["hold_active"], "blocked_by": ["ptp_hold"]},
        "the hold on the promised loan names the rule it rests on")
    c = second_loan(with_visit_chain(base()))
    c["borrower"]["flags"] = {"dispute_open": True}
    add("gate_dispute_holds_every_loan", c,
        {"action": "hold", "reason": "dispute_open", "unmet_includes": ["hold_active"],
         "blocked_by": ["dispute_hold"]},
        "a dispute stops collection and closes the gate for every loan of the borrower")
    # --- "do not return"
    c = with_visit_chain(base())
    c["visits"] = [{"loan_id": "L1", "status": "completed", "outcome": "refused", "at": "2026-09-01T10:00:00+08:00"}]
    add("gate_refused_visit_blocks_return", c,
        {"action": "call", "reason": "serious_arrears_call", "eligible": False,
         "unmet_includes": ["visit_refused_recently"]},
        "the borrower refused a visit 72 days ago: no new visit for 180 days, remote contact instead")
    c = base()
    c["visits"] = [{"status": "refused", "at": "2026-09-01T10:00:00+08:00"}]
    add("gate_refused_visit_blocks_notice", c,
        {"action": "call", "reason": "serious_arrears_call", "eligible": False,
         "unmet": ["visit_refused_recently", "notice_not_sent", "consent_missing", "approval_missing"]},
        "a refused visit also stops a new visit notice")
    c = base()
    c["visits"] = [{"status": "refused", "at": "2026-05-15T10:00:00+08:00"}]
    add("gate_refused_visit_long_ago", c, {"action": "visit_notice", "unmet": PRE_VISIT_UNMET},
        "a refusal 181 days ago no longer blocks a notice")
    # --- remote alternatives first (issue 17): a chosen one pauses the visit, a verified one closes its need
    c = with_visit_chain(base(), consent=False, approval=False)
    c["alternatives"] = [{"id": "A1", "kind": "video", "state": "chosen", "chosen_at": "2026-11-06T09:00:00+08:00"}]
    add("gate_alternative_pauses_visit", c,
        {"action": "call", "reason": "serious_arrears_call", "eligible": False,
         "unmet_includes": ["alternative_in_progress"]},
        "the borrower chose a video call instead of a visit six days ago: the visit waits (14 days), remote "
        "contact continues")
    c = with_visit_chain(base(), consent=False, approval=False)
    c["alternatives"] = [{"id": "A1", "kind": "questionnaire", "state": "completed",
                          "chosen_at": "2026-10-20T09:00:00+08:00", "completed_at": "2026-10-21T09:00:00+08:00"}]
    add("gate_alternative_pause_over", c,
        {"action": "call", "reason": "awaiting_consent", "eligible": False,
         "unmet": ["consent_missing", "approval_missing"], "silent": ["visit_alternatives_first"]},
        "an alternative chosen 23 days ago and never confirmed: the 14-day pause is over, the visit track resumes")
    c = with_visit_chain(base())
    c["alternatives"] = [{"id": "A1", "kind": "documents", "state": "verified", "chosen_at": "2026-11-08T09:00:00+08:00",
                          "completed_at": "2026-11-10T15:00:00+08:00", "evidence_ref": "document:D1"}]
    add("gate_verified_remotely_closes_visit", c,
        {"action": "call", "reason": "serious_arrears_call", "eligible": False,
         "unmet_includes": ["verified_remotely"]},
        "a person verified the borrower's payslips uploaded two days ago: the situation is known, no visit")
    c = with_visit_chain(base())
    c["alternatives"] = [{"id": "A1", "kind": "video", "state": "cancelled", "chosen_at": "2026-11-08T09:00:00+08:00"}]
    add("gate_cancelled_alternative_silent", c,
        {"action": "visit_schedule", "eligible": True, "unmet": [],
         "silent": ["visit_alternatives_first", "visit_verified_remotely"]},
        "a cancelled video call neither pauses nor closes the visit")
    # --- approval during the notice period
    c = with_visit_chain(base())
    c["consents"] = [dict(CONSENT, at="2026-11-04T09:00:00+08:00")]
    c["approvals"] = [dict(APPROVAL, at="2026-11-05T10:00:00+08:00")]
    c["as_of"] = "2026-11-06T09:59:00+08:00"
    c["contacts"].append({"at": "2026-11-04T11:00:00+08:00", "channel": "call", "direction": "outbound",
                          "outcome": "no_answer"})
    add("gate_approval_during_notice_period_not_eligible", c,
        {"action": "call", "reason": "notice_period_running", "eligible": False,
         "unmet": ["notice_period_running"]},
        "approved one minute before the notice period ends: not eligible yet, no visit_schedule")
    c = with_visit_chain(base("2026-11-05T12:00:00+08:00"))
    c["contacts"].append({"at": "2026-11-04T11:00:00+08:00", "channel": "call", "direction": "outbound",
                          "outcome": "no_answer"})
    c["consents"] = [dict(CONSENT, at="2026-11-04T09:00:00+08:00")]
    c["approvals"] = [dict(APPROVAL, at="2026-11-05T10:00:00+08:00")]
    add("gate_no_schedule_while_notice_period_runs", c,
        {"action": "call", "reason": "notice_period_running", "eligible": False,
         "unmet_includes": ["notice_period_running"]},
        "consent and approval inside the notice period: never visit_schedule while it runs")
    return out


CASES = Path(__file__).resolve().parents[1] / "examples/cases"


def write_case_files(examples: list[dict]) -> None:
    """Each gate scenario as a case file plus the decision it must give (for `duecare decide --case`)."""
    import json

    CASES.mkdir(parents=True, exist_ok=True)
    for ex in examples:
        stem = ex["name"].removeprefix("gate_").replace("pref_", "preference-", 1).replace("_", "-")
        (CASES / f"{stem}.json").write_text(json.dumps(ex["case"], ensure_ascii=False, indent=1) + "\n",
                                            encoding="utf-8")
        want = {"loan_id": ex.get("loan_id", ex["case"]["loans"][0]["id"]), "note": ex["note"], **ex["expect"]}
        (CASES / f"{stem}.expected.json").write_text(json.dumps(want, ensure_ascii=False, indent=1) + "\n",
                                                     encoding="utf-8")


def write_case_index(examples: list[dict]) -> None:
    rows = [f"| `{ex['name'].removeprefix('gate_').replace('pref_', 'preference-', 1).replace('_', '-')}.json` | {ex.get('loan_id', ex['case']['loans'][0]['id'])} "
            f"| `{ex['expect']['action']}` | {ex['note']} |" for ex in sorted(examples, key=lambda e: e["name"])]
    (CASES / "README.md").write_text(CASES_README + "\n".join(rows) + "\n", encoding="utf-8")


CASES_README = """# Worked case files: the visit gate holds at every moment; stated contact preferences are honoured

Each `NAME.json` is a case file (DESIGN's format, version 1); `NAME.expected.json` is the decision it must give
for the loan it names (`action`, `reason` = the deciding reason, `unmet` = exactly the gate's unmet codes,
`unmet_includes`, `blocked_by` rule ids, `features`). Run one with

    duecare decide --case examples/cases/consent-tie-grant-first.json

`tests/policy/test_gate_cases.py` runs them all through the command; the same cases are embedded in the
standard strategy's examples (`duecare policy test`). They are written by `scripts/make-policy-examples.py`.

| case file | loan | action | what it shows |
|---|---|---|---|
"""


def main() -> None:
    gate = gate_scenarios()
    prefs = [dict(ex, name=f"pref_{ex['name']}") for ex in preference_scenarios()]
    write_case_files(gate + prefs)
    write_case_index(gate + prefs)
    plain = scenarios()
    others = ported(plain + gate, "us") + ported(plain + gate, "uk")
    doc = {"strategy": "standard", "examples": with_silent(plain + gate + prefs + others)}
    header = ("# Example cases of the standard strategy: case file → expected decision, written by hand.\n"
              "# Generated by scripts/make-policy-examples.py; run them with `duecare policy test`.\n")
    OUT.write_text(header + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")
    print(f"wrote {len(doc['examples'])} examples to {OUT}")


if __name__ == "__main__":
    main()
