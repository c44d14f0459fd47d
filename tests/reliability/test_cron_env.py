"""Cron-like environments: `env -i`, working directory `/`, no HOME, an ASCII locale."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.helpers import vzwatch_command
from vzwatch.domain.errors import ExitCode

CRON = {"PATH": "/usr/bin:/bin"}
ASCII_LOCALE = {"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": "ascii"}
COMMANDS = [
    ["list"],
    ["show", "international"],
    ["due", "--quarter", "Q4-2024"],
    ["due", "--quarter", "Q4-2024", "--json"],
    ["list", "--format", "markdown"],
    ["report", "--quarter", "Q4-2024", "--today", "2024-12-01"],
    ["report", "--quarter", "Q4-2024", "--today", "2024-12-01", "--format", "markdown"],
    ["report", "--quarter", "Q4-2024", "--today", "2024-12-01", "--json"],
    ["timeline", "--today", "2024-12-01"],
    ["timeline", "--today", "2024-12-01", "--json"],
    ["deps", "--today", "2024-12-01"],
    ["deps", "international", "--today", "2024-12-01", "--json"],
    ["stale", "--today", "2025-06-30"],
]


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Cron has no HOME; the parse cache would land in the real user's ~/.cache.
    monkeypatch.setitem(CRON, "XDG_CACHE_HOME", str(tmp_path / "cache"))


def cron_run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*vzwatch_command(), *args], env=env, cwd="/", capture_output=True, timeout=60, check=False
    )


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("locale", [{}, ASCII_LOCALE], ids=["default-locale", "ascii-locale"])
def test_commands_work_in_a_bare_cron_environment(
    store: Path, command: list[str], locale: dict[str, str]
) -> None:
    result = cron_run(command, {**CRON, **locale, "VZWATCH_FILE": str(store)})
    assert result.returncode == ExitCode.OK, result.stderr
    assert result.stderr == b""
    text = result.stdout.decode("utf-8")
    # (An 80-column report table wraps long titles; its pillar heading stays whole.)
    wrapped = command[0] == "report" and "--json" not in command and "--format" not in command
    assert ("Dialogue Facilitation" if wrapped else "International Dialogue Forums") in text
    if locale:
        result.stdout.decode("ascii")  # nothing outside ASCII reached an ASCII terminal
    if command[:2] == ["due", "--quarter"] and "--json" in command:
        assert json.loads(text)[0]["timeline"]["text"] == "Q3 – Q4 2024"  # the value survives
    elif "--json" in command:
        json.loads(text)


def test_no_home_and_no_store_variable_reads_the_bundled_data() -> None:
    result = cron_run(["list", "--json"], dict(CRON))
    assert result.returncode == ExitCode.OK, result.stderr
    assert len(json.loads(result.stdout)) >= 3


def test_cron_line_is_silent_when_nothing_is_due(store: Path) -> None:
    env = {**CRON, **ASCII_LOCALE, "VZWATCH_FILE": str(store)}
    result = cron_run(["due", "--quarter", "Q1-2020", "--overdue", "--quiet"], env)
    assert (result.returncode, result.stdout, result.stderr) == (ExitCode.OK, b"", b"")
