"""Known limits on a channel (issue 15 (g)): a third party who objected (cn_debtor_only, us_third_party) and a
workplace where contact is barred (us_workplace, uk_contact_times; uk_privacy for objections) bar that channel in the pure guardrails, with rule and source,
the same from a case file and from the store; a number reaching a named third party (cn_debtor_only, us_third_party
while the borrower is reachable, and us_third_party once a location call was answered)."""

from __future__ import annotations

import copy
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from tests.ledger.portfolio import write_csv

from duecare.kit.db import unit_of_work
from duecare.ledger.casefile import parse_case
from duecare.ledger.frames import case_to_frames
from duecare.ledger.ingest import ingest_directory
from duecare.ledger.repository import store_frames
from duecare.policy.evaluator import Policy, decide
from duecare.policy.output import decision_json


def case(pack: str = "cn", limits: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Ten days late, never contacted: the strategy decides a call."""
    zone, offset = {"cn": ("Asia/Shanghai", "+08:00"), "us": ("America/New_York", "-05:00"),
                    "uk": ("Europe/London", "+00:00")}[pack]
    return {
        "as_of": f"2026-11-12T10:00:00{offset}",
        "borrower": {"id": "B1", "jurisdiction": pack, "timezone": zone},
        "loans": [{"id": "L1", "installments": [{"seq": 1, "due_date": "2026-11-02", "amount": 900}]}],
        "contact_limits": limits or [],
    }


def limit(kind: str, by: str, channel: str, at: str = "2026-11-01T09:00:00+08:00", **extra: str) -> dict[str, Any]:
    return {"kind": kind, "by": by, "channel": channel, "at": at, **extra}


def decision(data: dict[str, Any]) -> dict[str, Any]:
    parsed = parse_case(data)
    policy = Policy.default()
    return decision_json(decide(case_to_frames(parsed), parsed.as_of, policy), policy)[0]


def rules(got: dict[str, Any]) -> list[str]:
    return [b["rule"] for b in got["blocked_by"]]


class TestThirdPartyObjection:
    def test_cn_a_third_party_objection_bars_the_channel_and_names_its_source(self) -> None:
        got = decision(case("cn", [limit("third_party_objected", "third_party", "call")]))
        assert (got["action"], got["channel"]) == ("sms_reminder", "sms")
        assert "third_party_objected" in got["reasons"]
        assert got["blocked_by"] == [{"rule": "cn_debtor_only",
                                      "source": Policy.default().packs["cn"].rule("cn_debtor_only").source}]

    def test_cn_without_an_objection_the_call_stands(self) -> None:
        got = decision(case("cn"))
        assert (got["action"], rules(got)) == ("call", [])

    def test_an_objection_recorded_later_or_lifted_earlier_changes_nothing(self) -> None:
        later = limit("third_party_objected", "third_party", "call", at="2026-11-12T11:00:00+08:00")
        lifted = limit("third_party_objected", "third_party", "call", lifted_at="2026-11-05T09:00:00+08:00")
        for data in (case("cn", [later]), case("cn", [lifted])):
            got = decision(data)
            assert (got["action"], rules(got), "third_party_objected" in got["reasons"]) == ("call", [], False)

    def test_when_every_channel_is_barred_nothing_is_sent(self) -> None:
        got = decision(case("cn", [limit("third_party_objected", "third_party", c) for c in ("call", "sms", "email")]))
        assert (got["action"], got["channel"], rules(got)) == ("none", "none", ["cn_debtor_only"])

    def test_us_the_objection_is_honoured_under_us_third_party(self) -> None:
        got = decision(case("us", [limit("third_party_objected", "third_party", "call", at="2026-11-01T09:00:00-05:00")]))
        assert (got["action"], rules(got)) == ("sms_reminder", ["us_third_party"])

    def test_uk_the_objection_is_honoured_under_uk_privacy(self) -> None:
        got = decision(case("uk", [limit("third_party_objected", "third_party", "call", at="2026-11-01T09:00:00+00:00")]))
        assert (got["action"], rules(got)) == ("sms_reminder", ["uk_privacy"])
        assert got["blocked_by"][0]["source"] == "CONC 7.9.7R, 7.9.8G, 7.9.10R, 7.9.11G"


class TestThirdPartyContact:
    """cn_debtor_only: a number that reaches a third party the borrower named is called only once the borrower is
    out of reach (the strategy's `unreachable`)."""

    @staticmethod
    def named(**extra: str) -> dict[str, Any]:
        return limit("third_party_contact", "borrower", "call", **extra)

    def test_cn_while_the_borrower_is_reachable_the_third_party_is_not_called(self) -> None:
        got = decision(case("cn", [self.named()]))
        assert (got["action"], got["features"]["unreachable"]) == ("sms_reminder", False)
        assert "third_party_while_reachable" in got["reasons"]
        assert got["blocked_by"] == [{"rule": "cn_debtor_only",
                                      "source": Policy.default().packs["cn"].rule("cn_debtor_only").source}]

    def test_cn_once_the_borrower_is_out_of_reach_the_call_stands(self) -> None:
        data = case("cn", [self.named()])
        data["contacts"] = [{"at": f"2026-10-{d:02d}T11:00:00+08:00", "channel": ch, "direction": "outbound",
                             "outcome": "no_answer" if ch == "call" else "undelivered"}
                            for d, ch in ((20, "call"), (22, "sms"), (25, "call"), (28, "email"), (30, "call"),
                                          (31, "sms"))]
        got = decision(data)
        assert (got["action"], got["features"]["unreachable"], rules(got)) == ("call", True, [])

    def test_only_a_call_reaches_a_named_third_party(self) -> None:
        from duecare.kit.errors import CaseFileError

        with pytest.raises(CaseFileError, match="reached by a person's call"):
            parse_case(case("cn", [limit("third_party_contact", "borrower", "sms")]))
        with pytest.raises(CaseFileError, match="recorded by borrower"):
            parse_case(case("cn", [limit("third_party_contact", "employer", "call")]))

    @staticmethod
    def out_of_reach(pack: str, *extra: dict[str, str]) -> dict[str, Any]:
        offset = {"cn": "+08:00", "us": "-05:00", "uk": "+00:00"}[pack]
        data = case(pack, [TestThirdPartyContact.named(at=f"2026-10-01T09:00:00{offset}")])
        data["contacts"] = [{"at": f"2026-10-{d:02d}T11:00:00{offset}", "channel": ch, "direction": "outbound",
                             "outcome": "no_answer" if ch == "call" else "undelivered"}
                            for d, ch in ((20, "call"), (22, "sms"), (25, "call"), (28, "email"), (30, "call"),
                                          (31, "sms"))] + list(extra)
        return data

    def test_us_while_the_consumer_is_reachable_there_is_no_location_to_ask_a_third_party_for(self) -> None:
        got = decision(case("us", [self.named(at="2026-11-01T09:00:00-05:00")]))
        assert (got["action"], got["features"]["unreachable"]) == ("sms_reminder", False)
        assert "third_party_while_reachable" in got["reasons"]
        assert got["blocked_by"] == [{"rule": "us_third_party",
                                      "source": Policy.default().packs["us"].rule("us_third_party").source}]

    def test_us_out_of_reach_one_location_call_stands_and_none_after_the_third_party_answered(self) -> None:
        got = decision(self.out_of_reach("us"))
        assert (got["action"], got["features"]["unreachable"], rules(got)) == ("call", True, [])
        answered = {"at": "2026-11-05T11:00:00-05:00", "channel": "call", "direction": "outbound",
                    "outcome": "third_party"}
        got = decision(self.out_of_reach("us", answered))
        assert (got["action"], got["features"]["unreachable"], rules(got)) == ("sms_reminder", True,
                                                                               ["us_third_party"])
        assert "third_party_asked_once" in got["reasons"] and "third_party_while_reachable" not in got["reasons"]

    def test_us_a_third_party_answer_before_the_limit_was_recorded_is_not_counted(self) -> None:
        earlier = {"at": "2026-09-20T11:00:00-04:00", "channel": "call", "direction": "outbound",
                   "outcome": "third_party"}
        got = decision(self.out_of_reach("us", earlier))
        assert (got["action"], rules(got)) == ("call", [])

    def test_cn_has_no_once_only_rule_out_of_reach_the_call_stands_after_an_answer(self) -> None:
        answered = {"at": "2026-11-05T11:00:00+08:00", "channel": "call", "direction": "outbound",
                    "outcome": "third_party"}
        got = decision(self.out_of_reach("cn", answered))
        assert (got["action"], rules(got)) == ("call", [])

    def test_uk_has_no_rule_that_bars_the_call_so_it_stands(self) -> None:
        got = decision(case("uk", [self.named(at="2026-11-01T09:00:00+00:00")]))
        assert (got["action"], got["features"]["unreachable"], rules(got)) == ("call", False, [])

    def test_the_store_reads_it_back_and_decides_the_same(self, sqlite_url: str, tmp_path: Path) -> None:
        files = {
            "borrowers": [{"borrower_id": "B1", "name": "王芳", "phones": ["13800138000"],
                           "timezone": "Asia/Shanghai", "language": "zh", "jurisdiction": "cn"}],
            "loans": [{"loan_id": "L1", "borrower_id": "B1", "currency": "CNY", "principal": "900.00",
                       "disbursed_on": "2026-10-01"}],
            "installments": [{"loan_id": "L1", "seq": 1, "due_date": "2026-11-02", "amount": "900.00"}],
            "contact_limits": [{"limit_id": "EC1", "borrower_id": "B1", "kind": "third_party_contact",
                                "by": "borrower", "channel": "call", "at": "2026-11-01T09:00:00+08:00",
                                "lifted_at": None}],
        }
        with unit_of_work(sqlite_url) as session:
            ingest_directory(session, write_csv(tmp_path / "in", copy.deepcopy(files)))
        with unit_of_work(sqlite_url) as session:
            frames = store_frames(session, ["B1"])
        policy = Policy.default()
        data = case("cn", [self.named()])
        from_store = decision_json(decide(frames, datetime.fromisoformat(data["as_of"]), policy), policy)[0]
        from_case = decision(data)
        assert from_store["action"] == "sms_reminder"
        for key in ("action", "channel", "reasons", "blocked_by", "not_before"):
            assert from_store[key] == from_case[key], key


class TestWorkplace:
    @pytest.mark.parametrize("by", ["employer", "borrower"])
    def test_us_a_barred_work_phone_is_not_called(self, by: str) -> None:
        got = decision(case("us", [limit("workplace", by, "call", at="2026-11-01T09:00:00-05:00")]))
        assert (got["action"], rules(got)) == ("sms_reminder", ["us_workplace"])
        assert "workplace_contact_barred" in got["reasons"]

    def test_us_a_barred_work_email_does_not_stop_a_call(self) -> None:
        got = decision(case("us", [limit("workplace", "employer", "email", at="2026-11-01T09:00:00-05:00")]))
        assert (got["action"], rules(got)) == ("call", [])

    def test_a_refusal_and_a_workplace_bar_are_both_named(self) -> None:
        data = case("us", [limit("workplace", "employer", "sms", at="2026-11-01T09:00:00-05:00")])
        data["borrower"]["contact_preferences"] = {"channels_refused": ["call"]}
        got = decision(data)
        assert got["action"] == "email_notice"
        assert set(rules(got)) == {"us_ecomm", "us_workplace"}
        assert {"channel_refused", "workplace_contact_barred"} <= set(got["reasons"])

    @pytest.mark.parametrize("by", ["employer", "borrower"])
    def test_uk_a_barred_work_phone_is_not_called_under_uk_contact_times(self, by: str) -> None:
        got = decision(case("uk", [limit("workplace", by, "call", at="2026-11-01T09:00:00+00:00")]))
        assert (got["action"], rules(got)) == ("sms_reminder", ["uk_contact_times"])
        assert "workplace_contact_barred" in got["reasons"]

    def test_cn_has_no_workplace_rule_so_the_call_stands(self) -> None:
        got = decision(case("cn", [limit("workplace", "borrower", "call")]))
        assert (got["action"], rules(got)) == ("call", [])



def _us_workplace_portfolio() -> dict[str, list[dict[str, Any]]]:
    """A one-loan us portfolio whose borrower's employer barred calls at work (the files `case("us", ...)` mirrors)."""
    return {
        "borrowers": [{"borrower_id": "B1", "name": "Alex Doe", "phones": ["+12125550100"], "timezone": "America/New_York",
                       "language": "en", "jurisdiction": "us"}],
        "loans": [{"loan_id": "L1", "borrower_id": "B1", "currency": "USD", "principal": "900.00",
                   "disbursed_on": "2026-10-01"}],
        "installments": [{"loan_id": "L1", "seq": 1, "due_date": "2026-11-02", "amount": "900.00"}],
        "contact_limits": [{"limit_id": "CL1", "borrower_id": "B1", "kind": "workplace", "by": "employer",
                            "channel": "call", "at": "2026-11-01T09:00:00-05:00", "lifted_at": None}],
    }

def test_the_store_gives_the_same_decision_as_the_case_file(sqlite_url: str, tmp_path: Path) -> None:
    """Ingested limits are read back by `store_frames`: one code path for files, the store and the API."""
    data = case("us", [limit("workplace", "employer", "call", at="2026-11-01T09:00:00-05:00")])
    files = _us_workplace_portfolio()
    with unit_of_work(sqlite_url) as session:
        ingest_directory(session, write_csv(tmp_path / "in", copy.deepcopy(files)))
    with unit_of_work(sqlite_url) as session:
        frames = store_frames(session, ["B1"])
    assert frames["contact_limits"].select("kind", "by", "channel").to_dicts() == [
        {"kind": "workplace", "by": "employer", "channel": "call"}]
    policy = Policy.default()
    as_of = datetime.fromisoformat(data["as_of"])
    from_store = decision_json(decide(frames, as_of, policy), policy)[0]
    from_case = decision(data)
    for key in ("action", "channel", "reasons", "blocked_by", "not_before"):
        assert from_store[key] == from_case[key], key


def test_the_nightly_batch_reads_the_limits_file(tmp_path: Path) -> None:
    """The partitioned batch (`duecare run`) reads contact_limits like every other borrower file: the same
    decision as the case file."""
    import polars as pl

    from duecare.batch.engine import run

    files = _us_workplace_portfolio()
    data = case("us", [limit("workplace", "employer", "call", at="2026-11-01T09:00:00-05:00")])
    run(write_csv(tmp_path / "in", files), tmp_path / "out", datetime.fromisoformat(data["as_of"]), Policy.default())
    row = pl.read_parquet(tmp_path / "out" / "decisions.parquet").row(0, named=True)
    from_case = decision(data)
    assert (row["action"], from_case["action"]) == ("sms_reminder", "sms_reminder")
    assert "workplace_contact_barred" in list(row["reasons"])
