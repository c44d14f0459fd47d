"""Native TOML dates and date-times in date fields: read as their day, the same with the
parse cache and without it; a time of day alone is refused with one line, never a crash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import RunCli
from vzwatch.domain.errors import ExitCode

NO_CACHE: dict[str, str | None] = {"VZWATCH_NO_CACHE": "1"}
TODAY = "2025-04-02"

STORE = """[portfolio]
title = "Dates"
[[initiatives]]
id = "watch"
title = "Watch"
timeline = "Q1 2025"
status = "active"

[[progress]]
initiative = "watch"
date = {progress}
percent = 40
note = "written by a tool that keeps times"

[[progress]]
initiative = "watch"
date = 2025-01-10
percent = 10

[[history]]
initiative = "watch"
date = {history}
field = "status"
from = "planned"
to = "active"
"""

DAY_WRITTEN_AS = {
    "a local date": "2025-01-20",
    "a local date-time": "2025-01-20T10:00:00",
    "a date-time with a space and fractions": "2025-01-20 10:00:00.123",
    "an offset date-time": "2025-01-20T23:30:00-05:00",
    "a UTC date-time": "2025-01-20T10:00:00Z",
    "a string": '"2025-01-20"',
}

COMMANDS = [
    ("list", "--json"),
    ("show", "watch", "--json"),
    ("due", "--quarter", "Q1-2025", "--json", "--today", TODAY),
    ("report", "--quarter", "Q1-2025", "--json", "--today", TODAY),
    ("report", "--quarter", "Q1-2025", "--format", "markdown", "--today", TODAY),
    ("timeline", "--json", "--today", TODAY),
    ("export", "--format", "ics"),
    ("export", "--format", "csv"),
    ("validate", "--json"),
]


@pytest.mark.usefixtures("cache_home")
@pytest.mark.parametrize("written", DAY_WRITTEN_AS.values(), ids=DAY_WRITTEN_AS.keys())
def test_a_date_written_any_way_reads_as_its_day_with_and_without_the_cache(
    run: RunCli, store: Path, written: str
) -> None:
    store.write_text(STORE.format(progress=written, history=written), encoding="utf-8")
    for command in COMMANDS:
        uncached = run(*command, env=NO_CACHE)
        assert uncached.exit_code == ExitCode.OK, (command, uncached.stderr)
        cold, warm = run(*command), run(*command)
        if command[0] == "export" and command[2] == "ics":  # DTSTAMP is the export's time
            continue
        assert cold.stdout == uncached.stdout == warm.stdout, command
    shown = json.loads(run("show", "watch", "--json").stdout)
    assert [entry["date"] for entry in shown["progress_log"]] == ["2025-01-10", "2025-01-20"]
    assert shown["progress"] == 40
    assert [entry["date"] for entry in shown["history"]] == ["2025-01-20"]


@pytest.mark.usefixtures("cache_home")
@pytest.mark.parametrize("cached", [True, False], ids=["cache", "no cache"])
def test_writes_keep_native_date_times_and_work_around_them(
    run: RunCli, store: Path, cached: bool
) -> None:
    env = None if cached else NO_CACHE
    text = STORE.format(progress="2025-01-20T10:00:00", history="2025-01-21T09:00:00+09:00")
    store.write_text(text, encoding="utf-8")
    for command in (
        ("progress", "watch", "50", "--date", "2025-01-25", "--today", TODAY),
        ("edit", "watch", "--status", "paused", "--today", TODAY),
        ("progress", "watch", "100", "--today", TODAY),
    ):
        result = run(*command, env=env)
        assert result.exit_code == ExitCode.OK, (command, result.stderr)
    after = store.read_text(encoding="utf-8")
    assert "date = 2025-01-20T10:00:00\n" in after  # the date-times stay as written
    assert "date = 2025-01-21T09:00:00+09:00\n" in after
    assert run("show", "watch", "--json", env=env).exit_code == ExitCode.OK
    result = run("remove", "watch", "--yes", env=env)
    assert result.exit_code == ExitCode.OK, result.stderr


TIME_ONLY = STORE.format(progress="10:00:00", history="2025-01-21")


@pytest.mark.usefixtures("cache_home")
@pytest.mark.parametrize("env", [None, NO_CACHE], ids=["cache", "no cache"])
@pytest.mark.parametrize(
    "command",
    [
        ("list",),
        ("show", "watch"),
        ("report", "--today", TODAY),
        ("progress", "watch", "50", "--today", TODAY),
        ("edit", "watch", "--status", "active", "--today", TODAY),
        ("remove", "watch", "--yes"),
        ("add", "Other", "--timeline", "Q2 2025"),
    ],
)
def test_a_time_of_day_alone_is_refused_with_one_line(
    run: RunCli, store: Path, command: tuple[str, ...], env: dict[str, str | None] | None
) -> None:
    store.write_text(TIME_ONLY, encoding="utf-8")
    result = run(*command, env=env)
    assert result.exit_code == ExitCode.STORE
    assert result.stderr == (
        f"vzwatch: error: {store}:9: progress entry 1: date must be a day such as "
        "2025-03-31, not a time of day (10:00:00)\n"
    )
    assert store.read_text(encoding="utf-8") == TIME_ONLY


def test_validate_names_a_time_of_day_alone(run: RunCli, store: Path) -> None:
    store.write_text(TIME_ONLY, encoding="utf-8")
    result = run("validate")
    assert result.exit_code == ExitCode.FOUND
    assert result.stdout == (
        f"{store}:9: progress entry 1: date must be a day such as 2025-03-31, "
        "not a time of day (10:00:00)\n"
    )
