"""The `duecare` command table: explicit, lazy and loud (duecare/cli.py)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from duecare import cli
from duecare.bootstrap import Root
from duecare.kit import clock
from duecare.risk.batch import production_scorer


def _first_paragraph(text: str | None) -> str:
    """What `--help` shows for a command: its help up to the first blank line, on one line."""
    return " ".join((text or "").strip().split("\n\n")[0].split())


@pytest.mark.parametrize("name", list(cli.COMMANDS))
def test_each_listed_command_is_registered_by_its_domain_with_the_listed_help(name: str) -> None:
    command = cli.load_command(name)
    assert command.name == name
    assert _first_paragraph(command.help) == cli.COMMANDS[name].help, "update duecare/cli.py COMMANDS"


def test_every_command_a_domain_registers_is_listed() -> None:
    domains = {entry.domain for entry in cli.COMMANDS.values()}
    registered = {name for domain in domains for name in cli.domain_commands(domain).commands}
    assert registered == set(cli.COMMANDS)


def _modules_after(*args: str) -> list[str]:
    code = ("import json, sys\nfrom duecare import cli\nsys.argv = ['duecare', *sys.argv[1:]]\n"
            "try:\n    cli.main()\nexcept SystemExit:\n    pass\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('duecare.'))), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120,
                          check=False)
    return list(json.loads(done.stderr.strip().splitlines()[-1]))


def test_help_imports_no_domain() -> None:
    assert _modules_after("--help") == ["duecare.cli", "duecare.kit", "duecare.kit.errors"]


def test_a_command_imports_its_own_domain_and_not_the_others() -> None:
    loaded = _modules_after("policy", "--help")
    assert "duecare.policy.cli" in loaded
    assert not any(m.startswith(("duecare.visits", "duecare.web", "duecare.speech", "duecare.risk"))
                   for m in loaded)


def test_a_domain_that_fails_to_import_fails_its_command_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> cli.Register:
        raise ImportError("duecare.broken: no module")

    monkeypatch.setitem(cli.COMMANDS, "broken", cli.Entry("A broken domain.", broken))
    result = CliRunner().invoke(cli.app, ["broken"])
    assert isinstance(result.exception, ImportError) and result.exit_code != 0


def test_an_unknown_command_is_a_usage_error_with_exit_code_2() -> None:
    result = CliRunner().invoke(cli.app, ["no-such-command"])
    assert result.exit_code == 2 and "No such command" in result.output
    assert isinstance(cli.app, typer.Typer)


def test_the_root_hands_commands_what_their_domain_may_not_import(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, object] = {}

    def probe_domain() -> cli.Register:
        def register(app: typer.Typer) -> None:
            @app.command("probe")
            def probe(ctx: typer.Context) -> None:
                """Probe."""
                seen["wiring"] = ctx.find_root().obj

        return register

    monkeypatch.setitem(cli.COMMANDS, "probe", cli.Entry("Probe.", probe_domain))
    assert CliRunner().invoke(cli.app, ["probe"]).exit_code == 0
    root = seen["wiring"]
    assert isinstance(root, Root) and root.clock is clock.SETTINGS
    assert root.scorer is production_scorer()  # the one scorer the batch, the worker, the gate and pages use
