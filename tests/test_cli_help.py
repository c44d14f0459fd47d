"""Every command has help with an example; -h works like --help."""

from __future__ import annotations

import re

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


def _usage_and_arguments(help_text: str) -> tuple[str, list[str]]:
    """The usage line after ``[OPTIONS]``, and the names the Arguments section lists."""
    usage = help_text.split("\n", 1)[0].partition("[OPTIONS]")[2].strip()
    section = help_text.partition("\nArguments:\n")[2].partition("\n\n")[0]
    names = [line.split()[0] for line in section.splitlines() if line[2:3] not in ("", " ")]
    return usage, names


@pytest.mark.parametrize("command", COMMANDS)
def test_every_usage_line_names_arguments_as_people_write_them(run: RunCli, command: str) -> None:
    """Arguments are NAME (or [NAME] when optional, NAME... when repeatable) and a choice is
    the word to type: never Typer's ``{name}``, ``{action}:<add>`` or ``name:<int>``."""
    usage, names = _usage_and_arguments(run(command, "--help").stdout)
    for piece in usage.split():
        assert re.fullmatch(r"\[?([A-Z][A-Z-]*|[a-z]+(\|[a-z]+)*)\]?(\.\.\.)?", piece), usage
    for name in names:
        assert re.fullmatch(r"([A-Z][A-Z-]*|[a-z]+(\|[a-z]+)*)(\.\.\.)?", name), names
        assert name.rstrip(".") in usage, (name, usage)


def test_source_help_shows_its_action_as_the_word_to_type(run: RunCli) -> None:
    out = run("source", "--help").stdout
    assert out.startswith("Usage: vzwatch source [OPTIONS] add OUTLET\n")
    assert re.search(r"\n  add +add: record a new source\.", out), out
    assert "{" not in out
    assert "<add>" not in out
