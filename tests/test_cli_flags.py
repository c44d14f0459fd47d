"""One meaning per short flag, across every command, and the README's table of them."""

from __future__ import annotations

import typer

from tests.helpers import REPO, RunCli
from vzwatch.cli import app


def short_flags() -> dict[str, dict[str, set[str]]]:
    """short flag -> command -> the long names of the option it stands for."""
    found: dict[str, dict[str, set[str]]] = {}
    group = typer.main.get_command(app)
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        for param in command.params:
            longs = {opt for opt in param.opts if opt.startswith("--")}
            for opt in param.opts:
                if opt.startswith("-") and not opt.startswith("--"):
                    found.setdefault(opt, {})[name] = longs
    return found


def test_every_short_flag_means_one_thing_in_every_command() -> None:
    for flag, commands in short_flags().items():
        shared = set.intersection(*commands.values())
        assert shared, f"{flag} means {sorted(commands.items())}"


def readme_table() -> str:
    lines = ["| short | long | commands |", "|---|---|---|"]
    for flag, commands in sorted(short_flags().items(), key=lambda item: item[0].lower()):
        long_name = min(set.intersection(*commands.values()), key=len)
        lines.append(f"| `{flag}` | `{long_name}` | {', '.join(sorted(commands))} |")
    return "\n".join(lines) + "\n"


def test_the_readme_lists_every_short_flag_in_one_table() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert readme_table() in readme, readme_table()


def test_due_quiet_short_flag_with_exit_code_is_silent(run: RunCli) -> None:
    result = run("due", "-q", "--exit-code", "-Q", "Q3-2030", "--today", "2025-01-01")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_note_short_flag_is_m(run: RunCli) -> None:
    result = run("progress", "election", "40", "-m", "Teams deployed", "--date", "2025-02-20")
    assert result.exit_code == 0, result.stderr
    assert "Teams deployed" in run("show", "election").stdout
