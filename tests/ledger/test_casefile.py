"""Case files: strict validation with errors that name the place, the published schema, the CLI contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from duecare.kit.errors import CaseFileError
from duecare.ledger.casefile import case_schema, parse_case

ROOT = Path(__file__).resolve().parents[2]
GOOD = {
    "as_of": "2026-11-25T10:00:00+08:00",
    "borrower": {"id": "B1", "jurisdiction": "cn", "timezone": "Asia/Shanghai"},
    "loans": [{"id": "L1", "installments": [{"seq": 1, "due_date": "2026-11-01", "amount": "1100.50"},
                                            {"seq": 2, "due_date": "2026-12-01", "amount": 1100},
                                            {"seq": 3, "due_date": "2027-01-01", "amount": 1100}]}],
}


def bad(mutate) -> str:
    data = json.loads(json.dumps(GOOD))
    mutate(data)
    with pytest.raises(CaseFileError) as err:
        parse_case(data, source="case.json")
    return str(err.value)


def test_a_good_case_parses_with_decimal_amounts():
    case = parse_case(GOOD)
    assert str(case.loans[0].installments[0].amount) == "1100.50"


def test_a_case_file_without_loan_terms_leaves_them_unknown():
    loan = parse_case(GOOD).loans[0]
    assert (loan.interest_rate, loan.apr, loan.fees, loan.late_fee, loan.penalty_rate, loan.grace_days) == (None,) * 6


def test_loan_terms_are_read_as_decimals_and_bounded():
    data = json.loads(json.dumps(GOOD))
    data["loans"][0].update(interest_rate="18.25", apr=19.6, fees=120, late_fee="0", penalty_rate=27.38, grace_days=3)
    loan = parse_case(data).loans[0]
    assert (str(loan.interest_rate), str(loan.apr), loan.grace_days) == ("18.25", "19.6", 3)
    assert "loans[0].apr: must be >= 0" in bad(lambda d: d["loans"][0].update(apr=-1))
    assert "loans[0].grace_days" in bad(lambda d: d["loans"][0].update(grace_days=400))


def test_negative_amount_is_named_by_its_place():
    msg = bad(lambda d: d["loans"][0]["installments"][2].update(amount=-5))
    assert "loans[0].installments[2].amount: must be > 0" in msg


def test_unknown_key_is_an_error():
    assert "borrower.nickname: unknown key" in bad(lambda d: d["borrower"].update(nickname="x"))


def test_time_without_offset_is_an_error():
    assert "as_of: needs a UTC offset" in bad(lambda d: d.update(as_of="2026-11-25T10:00:00"))


def test_unknown_timezone_is_an_error():
    assert "not the IANA time zone of a place" in bad(lambda d: d["borrower"].update(timezone="Mars/Olympus"))


def test_contact_for_an_unknown_loan_is_an_error():
    msg = bad(lambda d: d.update(contacts=[{"at": "2026-11-20T10:00:00+08:00", "channel": "call",
                                            "direction": "outbound", "outcome": "rpc", "loan_id": "L9"}]))
    assert "contacts[0].loan_id" in msg


def test_a_contact_limit_names_who_may_set_it():
    workplace = {"kind": "workplace", "by": "third_party", "channel": "call", "at": "2026-11-20T10:00:00+08:00"}
    assert "contact_limits[0].by: a workplace limit is recorded by employer or borrower" in bad(
        lambda d: d.update(contact_limits=[workplace]))
    objection = dict(workplace, kind="third_party_objected", by="borrower")
    assert "recorded by third_party" in bad(lambda d: d.update(contact_limits=[objection]))
    lifted = dict(workplace, by="employer", lifted_at="2026-11-19T10:00:00+08:00")
    assert "contact_limits[0].lifted_at: must not be before at" in bad(lambda d: d.update(contact_limits=[lifted]))
    case = parse_case({**GOOD, "contact_limits": [dict(workplace, by="employer")]})
    assert [(x.kind, x.by, x.channel) for x in case.contact_limits] == [("workplace", "employer", "call")]


def test_float_with_more_than_two_decimals_is_an_error():
    assert "at most two decimals" in bad(lambda d: d["loans"][0]["installments"][0].update(amount=1.234))


def test_published_schema_is_current_and_accepts_the_examples():
    published = json.loads((ROOT / "schemas" / "case.schema.json").read_text())
    assert published == json.loads(json.dumps(case_schema())), "run: duecare schema > schemas/case.schema.json"
    jsonschema.Draft202012Validator(published).validate(GOOD)


def run_cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "duecare.cli", *args], capture_output=True, text=True,
                          input=stdin, cwd=ROOT, timeout=120)


def test_cli_bad_case_exits_2_with_a_message_and_no_traceback(tmp_path):
    path = tmp_path / "case.json"
    data = json.loads(json.dumps(GOOD))
    data["loans"][0]["installments"][2]["amount"] = 0
    path.write_text(json.dumps(data))
    proc = run_cli("decide", "--case", str(path))
    assert proc.returncode == 2
    assert "loans[0].installments[2].amount: must be > 0" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_cli_invalid_json_names_line_and_column(tmp_path):
    path = tmp_path / "case.json"
    path.write_text('{"as_of": "2026-11-25T10:00:00+08:00",\n "borrower": }')
    proc = run_cli("features", "--case", str(path))
    assert proc.returncode == 2 and "line 2" in proc.stderr


def test_cli_features_prints_one_json_line_per_loan(tmp_path):
    data = json.loads(json.dumps(GOOD))
    data["loans"].append({"id": "L2", "installments": []})
    proc = run_cli("features", "--case", "-", stdin=json.dumps(data))
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(x) for x in proc.stdout.splitlines()]
    assert [x["loan_id"] for x in lines] == ["L1", "L2"]
    assert lines[0]["dpd"] == 24 and lines[0]["overdue_amount"] == 1100.5 and lines[0]["bucket"] == "1-30"
