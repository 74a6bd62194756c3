"""Every DUECARE_* variable is declared, typed and described once (kit/settings.py) and listed in the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from duecare.kit.errors import UserError
from duecare.kit.settings import Settings, get_settings, variables_table

ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"DUECARE_[A-Z0-9_]+")


def _named_in_code() -> set[str]:
    files = [*ROOT.joinpath("src").rglob("*.py"), *ROOT.joinpath("scripts").glob("*"), ROOT / "Makefile"]
    found = {m for f in files if f.is_file() for m in NAME.findall(f.read_text(encoding="utf-8", errors="ignore"))}
    return {m for m in found if not m.endswith("_")}  # 'DUECARE_SMTP_' + name is a prefix, not a variable


def test_every_variable_the_code_reads_is_declared() -> None:
    declared = {f"DUECARE_{name.upper()}" for name in Settings.model_fields}
    assert _named_in_code() - declared == set()


def test_every_declared_variable_has_a_description() -> None:
    assert all(field.description for field in Settings.model_fields.values())


def test_the_readme_lists_every_variable_as_the_table_says() -> None:
    assert variables_table() in ROOT.joinpath("README.md").read_text(encoding="utf-8")


def test_paths_derive_from_the_data_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("DUECARE_DATABASE_URL", "DUECARE_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DUECARE_DATA_DIR", str(tmp_path))
    s = get_settings()
    assert (s.database_url, s.key_file) == (f"sqlite:///{tmp_path / 'duecare.db'}", tmp_path / "keys.json")


def test_an_empty_variable_means_its_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUECARE_DATABASE_URL", "")
    monkeypatch.setenv("DUECARE_SMTP_PORT", "")
    s = get_settings()
    assert s.database_url.startswith("sqlite:///") and s.smtp_port == 25


def test_a_bad_value_is_a_user_error_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUECARE_SMTP_PORT", "twenty-five")
    with pytest.raises(UserError, match="DUECARE_SMTP_PORT"):
        get_settings()


def test_settings_follow_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUECARE_DEMO", "1")
    assert get_settings().demo is True
    monkeypatch.setenv("DUECARE_DEMO", "0")
    assert get_settings().demo is False


def test_ice_servers_must_be_a_json_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUECARE_ICE_SERVERS", '[{"urls": "stun:turn.example.org:3478"}]')
    assert get_settings().ice_servers == '[{"urls": "stun:turn.example.org:3478"}]'
    monkeypatch.setenv("DUECARE_ICE_SERVERS", '{"urls": "stun:x"}')
    with pytest.raises(UserError, match="DUECARE_ICE_SERVERS"):
        get_settings()


def test_simulator_workers_at_least_one(monkeypatch: pytest.MonkeyPatch) -> None:
    from duecare.simulate.run import default_workers

    monkeypatch.setenv("DUECARE_SIM_WORKERS", "1")
    assert default_workers() == 1
    monkeypatch.setenv("DUECARE_SIM_WORKERS", "0")
    with pytest.raises(UserError, match="DUECARE_SIM_WORKERS"):
        default_workers()
