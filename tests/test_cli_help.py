"""Every command has help with an example; -h works like --help."""

from __future__ import annotations

import pytest
import typer

from tests.helpers import RunCli
from vzwatch import __version__
from vzwatch.cli import app

COMMANDS = sorted(
    name
    for name in typer.main.get_command(app).commands  # type: ignore[attr-defined]
)


def test_the_core_commands_exist() -> None:
    assert {"list", "show", "add", "due", "where"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_every_command_has_help_with_an_example(run: RunCli, command: str, flag: str) -> None:
    result = run(command, flag)
    assert result.exit_code == 0, result.stderr
    assert f"Usage: vzwatch {command}" in result.stdout
    assert "Example" in result.stdout
    assert f"vzwatch {command}" in result.stdout.split("Example", 1)[1]


def test_top_level_help_lists_commands(run: RunCli) -> None:
    result = run("-h")
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.stdout


def test_no_arguments_shows_help_as_a_usage_error(run: RunCli) -> None:
    result = run()
    assert result.exit_code == 2
    assert "Usage: vzwatch" in result.stderr


def test_version(run: RunCli) -> None:
    assert run("--version").stdout == f"vzwatch {__version__}\n"
