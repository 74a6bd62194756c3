"""Stated contact preferences (issue 13 item 5): the pure guardrails honour preferred hours and refused channels,
through `duecare decide --case` as through the evaluator."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from duecare.cli import app
from duecare.kit.errors import CaseFileError
from duecare.ledger.casefile import parse_case
from duecare.ledger.frames import case_to_frames, preference_frames
from duecare.policy.evaluator import Policy, decide
from duecare.policy.output import decision_json

CASES = Path(__file__).resolve().parents[2] / "examples" / "cases"


def case(as_of: str = "2026-11-12T10:00:00+08:00", prefs: dict[str, Any] | None = None) -> dict[str, Any]:
    """Ten days late, never contacted: the strategy decides a call."""
    data: dict[str, Any] = {
        "as_of": as_of,
        "borrower": {"id": "B1", "jurisdiction": "cn", "timezone": "Asia/Shanghai"},
        "loans": [{"id": "L1", "installments": [{"seq": 1, "due_date": "2026-11-02", "amount": 900}]}],
    }
    if prefs is not None:
        data["borrower"]["contact_preferences"] = prefs
    return data


def decision(data: dict[str, Any]) -> dict[str, Any]:
    parsed = parse_case(data)
    policy = Policy.default()
    return decision_json(decide(case_to_frames(parsed), parsed.as_of, policy), policy)[0]


class TestPreferredHours:
    def test_without_preferences_the_call_is_lawful_now(self) -> None:
        got = decision(case())
        assert (got["action"], got["not_before"], got["blocked_by"]) == ("call", "2026-11-12T10:00:00+08:00", [])

    def test_a_call_waits_for_the_stated_window_and_names_the_rule(self) -> None:
        got = decision(case(prefs={"hours": [{"start": "18:00", "end": "20:00"}]}))
        assert got["not_before"] == "2026-11-12T18:00:00+08:00"
        assert [b["rule"] for b in got["blocked_by"]] == ["cc_privacy"]
        assert got["blocked_by"][0]["source"] == "民法典 Arts. 1032–1033"

    def test_a_window_already_open_moves_nothing(self) -> None:
        got = decision(case("2026-11-12T19:59:00+08:00", {"hours": [{"start": "18:00", "end": "20:00"}]}))
        assert (got["not_before"], got["blocked_by"]) == ("2026-11-12T19:59:00+08:00", [])

    def test_the_end_of_a_window_is_excluded(self) -> None:
        got = decision(case("2026-11-12T20:00:00+08:00", {"hours": [{"start": "18:00", "end": "20:00"}]}))
        assert got["not_before"] == "2026-11-13T18:00:00+08:00"

    def test_weekdays_pick_the_next_matching_day(self) -> None:  # 2026-11-12 is a Thursday
        got = decision(case(prefs={"hours": [{"days": ["tue"], "start": "09:00", "end": "10:00"}]}))
        assert got["not_before"] == "2026-11-17T09:00:00+08:00"

    def test_the_earliest_of_several_windows_wins(self) -> None:
        got = decision(case(prefs={"hours": [{"days": ["fri"], "start": "08:30", "end": "09:00"},
                                             {"days": ["thu"], "start": "12:00", "end": "13:00"}]}))
        assert got["not_before"] == "2026-11-12T12:00:00+08:00"

    def test_a_window_is_clipped_to_the_lawful_hours(self) -> None:
        got = decision(case("2026-11-12T22:30:00+08:00", {"hours": [{"start": "07:00", "end": "09:00"}]}))
        assert got["not_before"] == "2026-11-13T08:00:00+08:00"
        assert {b["rule"] for b in got["blocked_by"]} == {"cn_quiet_hours"}

    def test_a_window_inside_quiet_hours_falls_back_to_lawful_hours_and_says_so(self) -> None:
        got = decision(case(prefs={"hours": [{"start": "22:30", "end": "23:30"}]}))
        assert got["not_before"] == "2026-11-12T10:00:00+08:00"
        assert "preferred_hours_unlawful" in got["reasons"]

    def test_a_hold_is_not_moved(self) -> None:
        data = case(prefs={"hours": [{"start": "18:00", "end": "20:00"}]})
        data["borrower"]["flags"] = {"dispute_open": True}
        got = decision(data)
        assert got["action"] == "hold" and got["not_before"] == "2026-11-12T10:00:00+08:00"
        assert "cc_privacy" not in [b["rule"] for b in got["blocked_by"]]


class TestRefusedChannels:
    @pytest.mark.parametrize(("refused", "action"), [
        (["call"], "sms_reminder"), (["call", "sms"], "email_notice"), (["call", "sms", "email"], "none"),
        (["sms"], "call"), (["letter"], "call"),
    ])
    def test_a_refused_channel_is_never_used(self, refused: list[str], action: str) -> None:
        got = decision(case(prefs={"channels_refused": refused}))
        assert got["action"] == action
        changed = action != "call"
        assert ("channel_refused" in got["reasons"]) is changed
        assert ("cc_privacy" in [b["rule"] for b in got["blocked_by"]]) is changed

    def test_an_sms_reminder_falls_to_email_but_never_to_a_call(self) -> None:
        data = case(prefs={"channels_refused": ["sms", "email"]})
        data["as_of"] = "2026-11-04T10:00:00+08:00"  # two days late: an SMS reminder
        got = decision(data)
        assert got["action"] == "none" and got["reasons"] == ["early_arrears_reminder", "channel_refused"]

    def test_us_names_the_prohibited_medium_rule(self) -> None:
        data = case("2026-11-12T10:00:00-05:00", {"channels_refused": ["call"]})
        data["borrower"].update(jurisdiction="us", timezone="America/New_York")
        got = decision(data)
        assert got["action"] == "sms_reminder"
        assert [b["rule"] for b in got["blocked_by"]] == ["us_ecomm"]
        assert "1006.14(h)(1)" in got["blocked_by"][0]["source"]

    def test_preferences_of_one_borrower_leave_another_alone(self) -> None:
        one = parse_case(case(prefs={"channels_refused": ["call"]}))
        other_data = case()
        other_data["borrower"]["id"] = "B2"
        other_data["loans"][0]["id"] = "L2"
        other = parse_case(other_data)
        frames = {k: pl.concat([a, case_to_frames(other)[k]]) for k, a in case_to_frames(one).items()}
        policy = Policy.default()
        out = {d["loan_id"]: d["action"] for d in decision_json(decide(frames, one.as_of, policy), policy)}
        assert out == {"L1": "sms_reminder", "L2": "call"}


class TestCaseFile:
    def test_a_window_must_end_after_it_starts(self) -> None:
        with pytest.raises(CaseFileError, match="must be later than start"):
            parse_case(case(prefs={"hours": [{"start": "20:00", "end": "18:00"}]}))

    def test_only_remote_channels_can_be_refused_by_name(self) -> None:
        with pytest.raises(CaseFileError, match="channels_refused"):
            parse_case(case(prefs={"channels_refused": ["pigeon"]}))

    def test_stored_json_reads_as_the_case_file_does(self) -> None:
        prefs = {"hours": [{"days": ["mon", "sun"], "start": "18:00", "end": "20:00"},
                           {"start": "12:00", "end": "13:00"}], "channels_refused": ["call", "sms"]}
        from_case = case_to_frames(parse_case(case(prefs=prefs)))
        stored = pl.DataFrame({"borrower_id": ["B1"], "hours": [json.dumps(prefs["hours"])],
                               "channels_refused": [json.dumps(prefs["channels_refused"])]})
        hours, refused = preference_frames(stored)
        assert hours.sort(pl.all()).equals(from_case["preferred_hours"].sort(pl.all()))
        assert refused.sort("channel").equals(from_case["refused_channels"].sort("channel"))


def test_decide_case_honours_a_preference_file() -> None:
    path = CASES / "preference-us-medium-refused.json"
    result = CliRunner().invoke(app, ["decide", "--case", str(path)])
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout.splitlines()[0])
    assert got["action"] == "sms_reminder" and [b["rule"] for b in got["blocked_by"]] == ["us_ecomm"]


def test_every_pack_names_a_rule_that_honours_each_preference() -> None:
    from duecare.policy.guardrails import honouring
    from duecare.policy.loader import all_packs

    for code, pack in all_packs().items():
        for what in ("stated_hours", "refused_channels"):
            rule = honouring(pack, what)
            assert rule is not None, f"pack {code} honours no {what}"
            assert pack.rule(rule).confidence != "U"


def test_the_batch_path_is_vectorised_over_many_borrowers() -> None:
    base = parse_case(case(prefs={"hours": [{"start": "18:00", "end": "20:00"}], "channels_refused": ["sms"]}))
    frames = case_to_frames(base)
    n = 2000
    many = {}
    for name, df in frames.items():
        if df.height == 0:
            many[name] = df
            continue
        reps = pl.concat([df] * n).with_row_index("_i")
        cols = {c: pl.col(c) + "-" + ((pl.col("_i") % n) if name != "installments" else pl.col("_i")).cast(pl.String)
                for c in ("borrower_id", "loan_id") if c in df.columns}
        many[name] = reps.with_columns(**cols).drop("_i") if cols else reps.drop("_i")
    policy = Policy.default()
    out = decide(many, base.as_of, policy)
    assert out.height == n
    assert out["action"].unique().to_list() == ["call"]
    assert out["not_before"].n_unique() == 1
    assert copy.deepcopy(out["blocked_rules"][0].to_list()) == ["cc_privacy"]
