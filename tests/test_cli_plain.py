"""Plain where plain is asked: ASCII in an ASCII or C locale, --no-color, no
trailing spaces, plurals, usage errors that say what is known."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from tests.helpers import BUNDLED, RunCli
from vzwatch.cli import app
from vzwatch.cli.edge import locale_wants_ascii

VZWATCH = shutil.which("vzwatch", path=str(Path(sys.executable).parent))
TODAY = ("--today", "2025-02-14")


def run_installed(args: list[str], tmp_path: Path, **env: str) -> str:
    assert VZWATCH is not None
    environment = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **env}
    environment["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    result = subprocess.run(
        [VZWATCH, *args, "--file", str(BUNDLED)],
        env=environment,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.decode("utf-8")


@pytest.mark.subprocess
@pytest.mark.parametrize("locale", [{"LC_ALL": "C"}, {"LANG": "C"}, {}, {"LANG": "POSIX"}])
@pytest.mark.parametrize("command", [["list"], ["timeline", *TODAY], ["report", *TODAY]])
def test_a_c_locale_gets_ascii_output(
    tmp_path: Path, locale: dict[str, str], command: list[str]
) -> None:
    out = run_installed(command, tmp_path, **locale)
    assert out.isascii(), out
    assert "?" not in out


@pytest.mark.subprocess
@pytest.mark.parametrize("locale", [{"LANG": "C.UTF-8"}, {"LC_ALL": "en_US.UTF-8", "LANG": "C"}])
def test_a_utf8_locale_gets_block_characters(tmp_path: Path, locale: dict[str, str]) -> None:
    out = run_installed(["timeline", *TODAY], tmp_path, **locale)
    assert "░" in out


@pytest.mark.parametrize(
    ("environ", "ascii"),
    [
        ({"LC_ALL": "C"}, True),
        ({"LANG": "C"}, True),
        ({"LANG": "C", "LC_CTYPE": "C.UTF-8"}, True),  # Python's own coercion (PEP 538)
        ({}, True),
        ({"LANG": "en_US.US-ASCII"}, True),
        ({"LANG": "C.UTF-8"}, False),
        ({"LANG": "de_DE.UTF-8"}, False),
        ({"LANG": "C", "LC_CTYPE": "en_US.UTF-8"}, False),
        ({"LC_ALL": "C", "LANG": "en_US.UTF-8"}, True),
    ],
)
def test_which_locales_are_ascii(environ: dict[str, str], ascii: bool) -> None:
    assert locale_wants_ascii(environ) is ascii


def test_every_command_takes_no_color() -> None:
    group = typer.main.get_command(app)
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        options = {opt for param in command.params for opt in param.opts}
        assert "--no-color" in options, name


def test_no_color_is_accepted_and_output_unchanged(run: RunCli) -> None:
    plain = run("list", "--no-color")
    assert plain.exit_code == 0, plain.stderr
    assert plain.stdout == run("list").stdout
    assert "\x1b" not in plain.stdout


@pytest.mark.parametrize(
    "command",
    [["list"], ["show", "hum"], ["report", *TODAY], ["timeline", *TODAY], ["due", "-Q", "Q1-2025"]],
)
def test_piped_output_has_no_trailing_spaces(run: RunCli, command: list[str]) -> None:
    out = run(*command).stdout
    assert out.strip()
    assert [line for line in out.splitlines() if line != line.rstrip()] == []


def test_one_initiative_is_singular_in_every_footer(run: RunCli, tmp_path: Path) -> None:
    assert run("list", "--status", "active").stdout.rstrip().endswith("\n1 initiative")
    exported = tmp_path / "one.json"
    result = run("export", "--format", "json", "--status", "active", "--output", str(exported))
    assert result.stderr == f"wrote 1 initiative to {exported}\n"


@pytest.mark.parametrize("command", sorted(typer.main.get_command(app).commands))  # type: ignore[attr-defined]
def test_help_has_readable_metavars_and_says_each_default_once(run: RunCli, command: str) -> None:
    out = run(command, "--help").stdout
    assert "<str>" not in out
    assert "<int" not in out
    assert "<path>" not in out
    assert "x>=" not in out  # Typer's range, as `stale --days` showed it: [x>=1]
    for line in out.split("\n  -"):
        assert not ("(default" in line and "[default:" in line), line


def test_root_help_lists_commands_in_order_of_use(run: RunCli) -> None:
    out = run("--help").stdout
    listed = [
        line.split()[0]
        for line in out.split("Commands:")[1].splitlines()
        if line[:3] == "  " + line[2:3] and line.strip()
    ]
    assert listed[:6] == ["list", "show", "add", "progress", "edit", "remove"]


def test_click_messages_are_one_line_without_escapes(run: RunCli) -> None:
    result = run("export")
    assert result.exit_code == 2
    assert result.stderr == (
        "vzwatch: error: Missing option '--format' / '-F'. Choose from: ics, csv, json, "
        "markdown, mermaid (see 'vzwatch export --help')\n"
    )


def test_a_negative_percent_is_refused_as_a_percent(run: RunCli) -> None:
    result = run("progress", "election", "-5")
    assert result.exit_code == 2
    assert result.stderr == "vzwatch: error: percent '-5' is not a whole number from 0 to 100\n"


def test_no_valid_row_says_so_instead_of_offering_zero(run: RunCli, tmp_path: Path) -> None:
    rows = tmp_path / "rows.md"
    rows.write_text(
        "| Initiative | Objective | Timeline |\n|---|---|---|\n| Bad | x | Q5 2026 |\n",
        encoding="utf-8",
    )
    result = run("import", str(rows))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "vzwatch: error: 1 row is invalid; nothing was imported (no row is valid)"
    )


@pytest.mark.parametrize("value", ["abc", "0", "-3"])
def test_a_limit_that_is_no_row_count_says_so(run: RunCli, value: str) -> None:
    result = run("list", f"--limit={value}")
    assert result.exit_code == 2
    assert result.stderr == (
        f"vzwatch: error: Invalid value for '--limit' / '-n': '{value}' is not a number of "
        "rows (1 or more) (see 'vzwatch list --help')\n"
    )


def test_a_file_that_is_no_store_is_not_called_a_merge_conflict(
    run: RunCli, tmp_path: Path
) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(
        "# vzwatch\n\nTrack policy initiatives.\n\n```\n<<<<<<< ours\n```\n", encoding="utf-8"
    )
    result = run("list", "--file", str(readme))
    assert result.exit_code == 4
    assert "merge conflict" not in result.stderr
    assert "does not look like a TOML store" in result.stderr
    assert result.stderr.count("\n") == 1
