"""The strategy parsed into typed models: problems named by file, line and key; columns checked at load."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from duecare.kit.errors import PolicyError
from duecare.policy.evaluator import Policy, fact_columns
from duecare.policy.loader import load_strategy, parse_strategy
from duecare.policy.model import LadderLine, strategy_schema

STANDARD = Path(__file__).resolve().parents[2] / "src/duecare/policy/strategies/standard.yaml"
TEXT = STANDARD.read_text(encoding="utf-8")


def _edited(old: str, new: str) -> str:
    assert old in TEXT, old
    return TEXT.replace(old, new, 1).replace("examples_file: standard.examples.yaml", "")


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_the_standard_strategy_parses_into_the_typed_models_and_round_trips() -> None:
    s = load_strategy("standard")
    assert s.definition() == yaml.safe_load(TEXT)
    assert isinstance(s.ladder[0], LadderLine) and s.ladder[0].id == "S01"
    assert s.params.visit_min_dpd == 60 and s.params.as_dict()["sms_max_dpd"] == 3  # named and own params
    assert s.visit_window.weekdays[0] == "mon" and s.reachability.no_rpc_days == 30
    assert s.variant_params("challenger").visit_min_dpd == 90 and s.challenger_share == 0.0
    assert s.ladder_line("S12") is not None and s.ladder_line("S12").line == _line_of(TEXT, "id: S12")  # type: ignore[union-attr]
    assert s.visit_gate[0].line == _line_of(TEXT, "code: dpd_below_threshold")


def test_the_published_schema_is_generated_from_the_models() -> None:
    published = json.loads((STANDARD.parents[1] / "schemas" / "strategy.schema.json").read_text(encoding="utf-8"))
    assert published == json.loads(json.dumps(strategy_schema()))


def test_a_wrong_value_is_named_by_line_and_key() -> None:
    text = _edited("action: sms_reminder, reason: early_arrears_reminder",
                   "action: sms_remind, reason: early_arrears_reminder")
    with pytest.raises(PolicyError) as exc:
        parse_strategy(text, place="edited.yaml")
    line = _line_of(text, "sms_remind,")
    assert str(exc.value).startswith(f"edited.yaml: line {line} (ladder[")
    assert ".action): must be one of" in str(exc.value)


def test_a_missing_and_a_misspelt_key_are_both_named() -> None:
    text = _edited("  first_attempt_min_age_days: 14", "  first_attempt_min_age: 14")
    with pytest.raises(PolicyError) as exc:
        parse_strategy(text, place="edited.yaml")
    msg = str(exc.value)
    assert "(reachability.first_attempt_min_age_days): is required" in msg
    assert f"line {_line_of(text, 'first_attempt_min_age:')} (reachability.first_attempt_min_age): unknown key" in msg


def test_a_parameter_of_the_wrong_type_is_refused() -> None:
    text = _edited("  notice_period_days: 3", "  notice_period_days: three")
    with pytest.raises(PolicyError, match=r"line \d+ \(params.notice_period_days\): Input should be a valid integer"):
        parse_strategy(text, place="edited.yaml")


def _policy(text: str, tmp_path: Path) -> Policy:
    path = tmp_path / "edited.yaml"
    path.write_text(text, encoding="utf-8")
    return Policy(packs=Policy.default().packs, strategy=load_strategy(str(path)))


def test_a_misspelt_column_is_named_with_its_line_when_the_strategy_loads(tmp_path: Path) -> None:
    text = _edited('when: "dpd > {sms_max_dpd} AND', 'when: "dpdd > {sms_max_dpd} AND')
    with pytest.raises(PolicyError) as exc:
        _policy(text, tmp_path)
    msg = str(exc.value)
    assert f"ladder S12 (line {_line_of(text, 'dpdd')}): unknown column 'dpdd'" in msg
    assert "did you mean 'dpd'?" in msg and str(tmp_path / "edited.yaml") in msg


def test_the_gate_may_not_read_its_own_outcome(tmp_path: Path) -> None:
    text = _edited('unmet_when: "vulnerable"', 'unmet_when: "vulnerable OR visit_track"')
    with pytest.raises(PolicyError, match="visit_gate vulnerable .*unknown column 'visit_track'.*only the ladder"):
        _policy(text, tmp_path)


def test_an_unknown_parameter_is_named(tmp_path: Path) -> None:
    text = _edited("dpd < {visit_min_dpd}", "dpd < {visit_min_days}")
    with pytest.raises(PolicyError, match=r"visit_gate dpd_below_threshold \(line \d+\): no parameter 'visit_min_days'"):
        _policy(text, tmp_path)


def test_the_challengers_parameters_are_checked_too(tmp_path: Path) -> None:
    text = _edited("challenger: {share: 0.0, params: {visit_min_dpd: 90}}",
                   "challenger: {share: 0.0, params: {visit_min_dpd: 90}}\n  champion_extra: {share: 1.0}")
    with pytest.raises(PolicyError, match=r"variants.champion_extra\): unknown key"):
        _policy(text, tmp_path)


def test_every_column_the_standard_strategy_names_is_a_fact() -> None:
    s = load_strategy("standard")
    known = fact_columns(s.reachability, s.params)
    assert {"dpd", "consent_state", "ptp_pending_borrower", "risk_band", "overdue_amount_num"} <= known
    Policy.default()  # loads without a problem


@pytest.mark.parametrize("command", ["test", "lint"])
def test_policy_commands_name_the_bad_column_and_exit_2(command: str, tmp_path: Path) -> None:
    text = _edited('when: "dpd > {sms_max_dpd} AND', 'when: "dpdd > {sms_max_dpd} AND')
    path = tmp_path / "typo.yaml"
    path.write_text(text, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "duecare.cli", "policy", command, "--strategy", str(path)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    message = " ".join(done.stderr.split())  # whatever the terminal width
    assert f"ladder S12 (line {_line_of(text, 'dpdd')}): unknown column 'dpdd'" in message
    assert "Traceback" not in done.stderr and not done.stdout
