"""The out-of-scope scan of free text (zh and en) and the report schema."""

from __future__ import annotations

import pytest

from duecare.visits.report import ReportRefused, validate_report
from duecare.visits.scanner import scan
from duecare.visits.scope import load_visit_policy

OWN = ["13800138000"]


def codes(text: str) -> set[str]:
    return {f.code for f in scan(text, "notes", OWN)}


class TestScan:
    @pytest.mark.parametrize("text,code", [
        ("身份证号11010519491231002X", "cn_id_number"),
        ("ID 110105194912310021 on the table", "cn_id_number"),
        ("SSN 123-45-6789", "other_id_number"),
        ("NI number AB 12 34 56 C", "other_id_number"),
        ("她丈夫电话13912345678", "third_party_phone"),
        ("neighbour on +44 7700 900123", "third_party_phone"),
        ("工作单位电话021-12345678", "third_party_phone"),
        ("借款人去年住院做了手术", "health_detail"),
        ("she was diagnosed with depression", "health_detail"),
        ("他每周去教会礼拜", "religion"),
        ("he is a devout Buddhist", "religion"),
        ("借款人是党员，谈了政治观点", "political_view"),
        ("he voted for the Labour Party", "political_view"),
    ])
    def test_out_of_scope_personal_data_is_found(self, text: str, code: str) -> None:
        assert code in codes(text)

    @pytest.mark.parametrize("text", [
        "借款人本人接待，收入下降，愿意按计划还款。",
        "Borrower's own number 138 0013 8000 still works; paid 2026-11-25, amount 4000.00.",
        "+86 138-0013-8000 is the borrower's",
        "Unemployed since March; history of late payments; keystrokes; Churchill Road.",
        "月收入8000元，支出5000元，其他债务每月1200元。",
    ])
    def test_loan_relevant_text_passes(self, text: str) -> None:
        assert codes(text) == set()

    def test_a_finding_names_the_place_not_the_text(self) -> None:
        (finding,) = scan("call 13912345678", "notes", OWN)
        assert finding.as_dict() == {"code": "third_party_phone", "field": "notes", "position": 5}


TIMES = {"arrived_at": "2026-12-05T10:05:00+08:00", "left_at": "2026-12-05T10:40:00+08:00"}


class TestReportSchema:
    def test_times_without_an_offset_are_refused(self) -> None:
        with pytest.raises(ReportRefused) as info:
            validate_report({"outcome": "not_home", "arrived_at": "2026-12-05T10:05:00",
                             "left_at": "2026-12-05T10:40:00+08:00"}, load_visit_policy(), "uk", OWN)
        assert {r["field"] for r in info.value.reasons} == {"arrived_at"}

    def test_an_unknown_field_is_refused(self) -> None:
        with pytest.raises(ReportRefused) as info:
            validate_report({"outcome": "met_borrower", "recording_ref": "R", "fields": {"family_income": 1}, **TIMES},
                            load_visit_policy(), "cn", OWN)
        assert info.value.reasons[0]["code"] == "extra_field"

    def test_an_unknown_outcome_is_refused(self) -> None:
        with pytest.raises(ReportRefused):
            validate_report({"outcome": "arrested", **TIMES}, load_visit_policy(), "uk", OWN)

    def test_cn_needs_a_recording_reference_and_uk_does_not(self) -> None:
        policy = load_visit_policy()
        with pytest.raises(ReportRefused) as info:
            validate_report({"outcome": "not_home", **TIMES}, policy, "cn", OWN)
        assert info.value.reasons[0]["code"] == "recording_required"
        assert validate_report({"outcome": "not_home", **TIMES}, policy, "uk", OWN).outcome == "not_home"

    def test_the_borrowers_updated_phone_may_appear_in_the_notes(self) -> None:
        report = {"outcome": "met_borrower", "fields": {"updated_contact": {"phone": "13700137000"}},
                  "notes": "new number 13700137000", **TIMES}
        assert validate_report(report, load_visit_policy(), "us", OWN).notes == "new number 13700137000"

    def test_every_reason_is_reported_at_once(self) -> None:
        with pytest.raises(ReportRefused) as info:
            validate_report({"outcome": "met_borrower", "notes": "信佛教，电话13912345678", **TIMES},
                            load_visit_policy(), "cn", OWN)
        assert {r["code"] for r in info.value.reasons} == {"recording_required", "religion", "third_party_phone"}
