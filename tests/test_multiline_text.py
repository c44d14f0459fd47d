"""Objectives and notes as people write them: line breaks and tabs kept, shown as
lines in tables and `show`, escaped in single-line formats; other control
characters still refused."""

from __future__ import annotations

import csv
import io
import json
import tomllib
from pathlib import Path

import pytest

from tests.helpers import RunCli
from vzwatch.domain.errors import ExitCode

NOTE = "Teams deployed.\n\tCaracas and Maracaibo."
OBJECTIVE = "First line.\nSecond line."
DATE = ("--date", "2025-02-01", "--today", "2025-02-14")


@pytest.fixture
def written(run: RunCli) -> RunCli:
    assert run("progress", "election", "30", "--note", NOTE, *DATE).exit_code == 0
    assert run("edit", "election", "--objective", OBJECTIVE).exit_code == 0
    return run


def test_line_breaks_and_tabs_are_stored_safely_in_toml(written: RunCli, store: Path) -> None:
    document = tomllib.loads(store.read_text(encoding="utf-8"))
    [entry] = document["progress"]
    assert entry["note"] == NOTE
    objectives = [item["objective"] for item in document["initiatives"]]
    assert OBJECTIVE in objectives
    assert written("validate").exit_code == 0


def test_show_prints_them_as_lines(written: RunCli) -> None:
    out = written("show", "election").stdout
    assert "\\x0a" not in out
    assert "\\x09" not in out
    lines = out.splitlines()
    first = next(i for i, line in enumerate(lines) if line.endswith("First line."))
    assert lines[first + 1].strip() == "Second line."
    # In the ledger the entry's id follows its text on the first line.
    note = next(i for i, line in enumerate(lines) if "Teams deployed." in line)
    assert lines[note + 1].strip() == "Caracas and Maracaibo."


def test_the_report_table_prints_notes_as_lines(written: RunCli) -> None:
    out = written("report", "-Q", "Q1-2025", "--today", "2025-02-14").stdout
    assert "\\x0a" not in out
    assert "Teams deployed." in out


def test_json_and_csv_carry_them_exactly(written: RunCli) -> None:
    shown = json.loads(written("show", "election", "--json").stdout)
    assert shown["objective"] == OBJECTIVE
    assert shown["progress_log"][0]["note"] == NOTE
    rows = list(csv.DictReader(io.StringIO(written("list", "--format", "csv").stdout)))
    assert OBJECTIVE in [row["objective"] for row in rows]


def test_single_line_formats_escape_them(written: RunCli) -> None:
    markdown = written("list", "--format", "markdown").stdout
    assert all(line.startswith("|") for line in markdown.strip().splitlines())
    ics = written("export", "--format", "ics").stdout
    assert "\n\t" not in ics.replace("\r\n", "\n")


@pytest.mark.parametrize("bad", ["\x1b[31m", "\x00", "\r", "\u202e"])
def test_other_control_characters_are_still_refused(run: RunCli, bad: str) -> None:
    result = run("progress", "election", "30", "--note", f"a{bad}b", *DATE)
    assert result.exit_code == ExitCode.USAGE
    assert "control or invisible character" in result.stderr
    assert result.stderr.count("\n") == 1


def test_titles_stay_one_line(run: RunCli) -> None:
    result = run("add", "Two\nlines", "--timeline", "Q1 2025")
    assert result.exit_code == ExitCode.USAGE
