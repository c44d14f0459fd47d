"""`--format csv|markdown|jsonl`: valid documents, user text kept inert."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.helpers import RunCli
from vzwatch.domain.errors import ExitCode
from vzwatch.formats.tabular import INITIATIVE_COLUMNS, csv_cell, markdown_cell, to_csv, to_markdown


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tindent", "'\tindent"),
        ("plain", "plain"),
        (40, "40"),
        (True, "true"),
        (None, ""),
    ],
)
def test_csv_cells_are_never_formulas(value: object, cell: str) -> None:
    assert csv_cell(value) == cell


def test_csv_round_trips_through_a_csv_reader() -> None:
    rows = [{"id": "a", "title": 'Quotes "and", commas\nnewline'}]
    parsed = list(csv.reader(io.StringIO(to_csv(rows, ["id", "title"]))))
    assert parsed == [["id", "title"], ["a", 'Quotes "and", commas\nnewline']]


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("a | b", "a \\| b"),
        ("*bold* _it_ `code`", "\\*bold\\* \\_it\\_ \\`code\\`"),
        ("[link](http://x)", "\\[link\\](http://x)"),
        ("<script>", "\\<script\\>"),
        ("two\nlines", "two lines"),
        ("esc\x1b[31m", "esc\\\\x1b\\[31m"),
    ],
)
def test_markdown_cells_render_literally_on_one_line(value: str, cell: str) -> None:
    assert markdown_cell(value) == cell


def test_markdown_table_shape() -> None:
    text = to_markdown([{"id": "a", "title": "T"}], ["id", "title"])
    assert text == "| Id | Title |\n|---|---|\n| a | T |\n"


def test_list_csv_has_a_header_and_one_row_per_initiative(run: RunCli) -> None:
    result = run("list", "--format", "csv")
    assert result.exit_code == ExitCode.OK, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert tuple(rows[0]) == INITIATIVE_COLUMNS
    assert [row["id"] for row in rows] == [
        "humanitarian-aid-programs",
        "international-dialogue-forums",
        "election-oversight-missions",
    ]
    assert rows[1]["start"] == "Q3-2024"
    assert rows[1]["end"] == "Q4-2024"
    assert rows[0]["ongoing"] == "true"


def test_list_markdown_is_a_table(run: RunCli) -> None:
    result = run("list", "-F", "markdown")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("| Id | Title |")
    assert lines[1].startswith("|---|")
    assert len(lines) == 2 + 3


def test_due_jsonl_is_one_object_per_line(run: RunCli) -> None:
    result = run("due", "-Q", "Q2-2025", "--overdue", "--format", "jsonl")
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [
        "international-dialogue-forums",
        "election-oversight-missions",
        "observer-teams-accredited",
    ]


def test_show_csv_is_one_row(run: RunCli) -> None:
    rows = list(csv.DictReader(io.StringIO(run("show", "elec", "-F", "csv").stdout)))
    assert [row["title"] for row in rows] == ["Election Oversight Missions"]


def test_hostile_title_stays_inert_in_csv(run: RunCli) -> None:
    run("add", "=cmd|' /C calc'!A0", "--timeline", "Q1 2025", "--id", "evil")
    rows = list(csv.DictReader(io.StringIO(run("show", "evil", "-F", "csv").stdout)))
    assert rows[0]["title"] == "'=cmd|' /C calc'!A0"


def test_json_flag_and_other_format_disagree(run: RunCli) -> None:
    result = run("list", "--json", "--format", "csv")
    assert result.exit_code == ExitCode.USAGE
    assert "disagree" in result.stderr


def test_unknown_format_is_a_usage_error(run: RunCli) -> None:
    result = run("list", "--format", "xml")
    assert result.exit_code == ExitCode.USAGE
    assert "xml" in result.stderr
