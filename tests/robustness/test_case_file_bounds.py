"""`duecare decide|features --case` exit 2 naming the place for every out-of-range input; never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .helpers import case, run_main

BAD_CASES: dict[str, tuple[Any, str]] = {
    "amount_1e17": (case(**{"loans.0.installments.0.amount": 10**17}), "loans[0].installments[0].amount"),
    "amount_2_63": (case(**{"loans.0.payments.0.amount": 2**63}), "loans[0].payments[0].amount"),
    "amount_string_huge": (case(**{"loans.0.principal": "1e400"}), "loans[0].principal"),
    "seq_1e30": (case(**{"loans.0.installments.0.seq": 10**30}), "loans[0].installments[0].seq"),
    "as_of_year_9999_extreme_offset": (case(as_of="9999-12-31T23:59:59-23:59"), "as_of"),
    "as_of_year_1_extreme_offset": (case(as_of="0001-01-01T00:00:00+23:59"), "as_of"),
    "as_of_year_9999": (case(as_of="9999-12-31T23:59:59+08:00"), "as_of"),
    "due_date_year_1": (case(**{"loans.0.installments.0.due_date": "0001-01-01"}), "due_date"),
    "due_date_a_number": (case(**{"loans.0.installments.0.due_date": 0}), "due_date"),
    "zone_factory": (case(**{"borrower.timezone": "Factory"}), "borrower.timezone"),
    "zone_localtime": (case(**{"borrower.timezone": "localtime"}), "borrower.timezone"),
    "zone_etc": (case(**{"borrower.timezone": "Etc/GMT+5"}), "borrower.timezone"),
    "id_too_long": (case(**{"borrower.id": "B" * 65}), "borrower.id"),
    "id_with_a_slash": (case(**{"loans.0.id": "../L1"}), "loans[0].id"),
    "duration_huge": (case(contacts=[{"at": "2026-11-18T10:00:00+08:00", "channel": "call",
                                      "direction": "outbound", "outcome": "rpc", "duration_s": 10**20}]),
                      "contacts[0].duration_s"),
    "too_many_loans": (case(loans=[{"id": f"L{i}", "installments": []} for i in range(201)]), "loans"),
}


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["decide", "features"])
@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_an_out_of_range_value_exits_two_naming_its_place(name: str, command: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    data, place = BAD_CASES[name]
    path = _write(tmp_path, name, json.dumps(data))
    assert run_main(monkeypatch, command, "--case", str(path)) == 2
    err = capsys.readouterr().err
    assert place in err and "Traceback" not in err


@pytest.mark.parametrize("text", [
    "[" * 10_000 + "]" * 10_000,
    '{"as_of": ' + '{"a": ' * 10_000 + "1" + "}" * 10_000 + "}",
    '{"as_of": "' + "[" * 50 + '"}',  # brackets inside a string are not nesting
    '{"as_of": ' + "9" * 5000 + "}",
])
def test_a_hostile_json_text_exits_two(text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "hostile", text)
    assert run_main(monkeypatch, "decide", "--case", str(path)) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_a_case_nested_ten_thousand_levels_names_the_depth(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "deep", "[" * 10_000 + "]" * 10_000)
    assert run_main(monkeypatch, "decide", "--case", str(path)) == 2
    assert "nested 10000 levels deep" in capsys.readouterr().err


def test_a_case_file_larger_than_the_body_limit_exits_two(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "big", json.dumps(case(padding="x" * (5 * 1024 * 1024))))
    assert run_main(monkeypatch, "decide", "--case", str(path)) == 2
    assert "larger than 4 MB" in capsys.readouterr().err


def test_a_directory_given_as_the_case_exits_two(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_main(monkeypatch, "decide", "--case", str(tmp_path)) == 2


@pytest.mark.parametrize("name", ["edge_1900", "edge_2200", "edge_offset_14"])
def test_values_at_the_edges_are_accepted(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = {
        "edge_1900": case(**{"loans.0.installments.0.due_date": "1900-01-01"}),
        "edge_2200": case(as_of="2200-12-31T10:00:00+08:00"),
        "edge_offset_14": case(as_of="2026-11-25T10:00:00+14:00", **{"borrower.timezone": "Pacific/Kiritimati"}),
    }[name]
    assert run_main(monkeypatch, "decide", "--case", str(_write(tmp_path, name, json.dumps(data)))) == 0
