"""Phone numbers become E.164 for the borrower's jurisdiction, so one person has one number everywhere."""

from __future__ import annotations

import polars as pl
import pytest

from duecare.kit.errors import UserError
from duecare.kit.phones import InvalidPhone, e164_lists, e164_readings, to_e164


class TestToE164:
    @pytest.mark.parametrize("raw", ["+86 139 0013 9000", "13900139000", "0086 139 0013 9000", "139-0013-9000",
                                     "008613900139000", "+86-139-0013-9000", "8613900139000"])
    def test_the_forms_of_a_chinese_mobile_are_one_number(self, raw: str) -> None:
        assert to_e164(raw, "cn") == "+8613900139000"

    def test_a_us_number_is_read_with_or_without_the_country_code(self) -> None:
        assert to_e164("(212) 555-0123", "us") == to_e164("+1 212 555 0123", "us") == "+12125550123"

    def test_a_uk_number_drops_its_trunk_zero(self) -> None:
        assert to_e164("07911 123456", "uk") == to_e164("+44 7911 123456", "uk") == "+447911123456"

    def test_an_international_number_keeps_its_own_country(self) -> None:
        assert to_e164("+44 7911 123456", "cn") == "+447911123456"

    @pytest.mark.parametrize(("raw", "jurisdiction"), [("12345", "cn"), ("13900139000", "us"), ("call me", "uk"),
                                                       ("", "cn"), ("+1 000 000 0000", "us")])
    def test_an_invalid_number_is_refused_as_a_user_error(self, raw: str, jurisdiction: str) -> None:
        with pytest.raises(InvalidPhone, match=f"not a valid phone number for {jurisdiction}") as info:
            to_e164(raw, jurisdiction)
        assert isinstance(info.value, UserError)

    def test_an_unknown_jurisdiction_is_named(self) -> None:
        with pytest.raises(InvalidPhone, match="unknown jurisdiction 'fr'"):
            to_e164("+33 6 12 34 56 78", "fr")


class TestReadings:
    def test_a_national_chinese_mobile_has_one_reading(self) -> None:
        assert e164_readings("139 0013 9000") == ["+8613900139000"]
        assert e164_readings("0086 139 0013 9000") == ["+8613900139000"]

    def test_an_international_number_has_one_reading(self) -> None:
        assert e164_readings("+1 212 555 0123") == ["+12125550123"]

    def test_a_number_valid_in_two_jurisdictions_has_both_readings(self) -> None:
        # 021 2555 0123 is a Shanghai landline and 212 555 0123 a New York number
        assert e164_readings("2125550123") == ["+862125550123", "+12125550123"]

    def test_garbage_has_no_reading(self) -> None:
        assert e164_readings("hello") == []


class TestBatch:
    def test_lists_are_rewritten_per_row_jurisdiction_and_deduplicated(self) -> None:
        frame = pl.DataFrame({"phones": [["13900139000", "+86 139 0013 9000"], [], ["07911 123456"]],
                              "jurisdiction": ["cn", "cn", "uk"]})
        out, bad = e164_lists(frame, "phones", "jurisdiction")
        assert out.get_column("phones").to_list() == [["+8613900139000"], [], ["+447911123456"]]
        assert out.columns == frame.columns
        assert bad.is_empty()

    def test_the_first_invalid_number_of_each_row_is_reported_by_position(self) -> None:
        frame = pl.DataFrame({"phones": [["13900139000"], ["13900139000", "12345", "999"], ["2125550123"]],
                              "jurisdiction": ["cn", "cn", "uk"]})
        _, bad = e164_lists(frame, "phones", "jurisdiction")
        assert bad.select("_i", "position").rows() == [(1, 2), (2, 1)]
