"""Reading initiatives from Markdown tables and JSON: the pure parsers."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import ARTICLE
from vzwatch.domain.errors import UsageError
from vzwatch.domain.quarters import Quarter, Timeline
from vzwatch.formats.sources import (
    decode_source,
    detect_format,
    match_columns,
    parse_json,
    parse_markdown,
    split_row,
)

# A verbatim copy of the seed article (/work/shared/seed), messy second table included.
SEED_TEXT = ARTICLE.read_text(encoding="utf-8")


def test_the_seed_article_gives_exactly_its_three_initiatives() -> None:
    parsed = parse_markdown(SEED_TEXT)
    assert [(c.title, c.fields["objective"], c.timeline) for c in parsed.candidates] == [
        (
            "International Dialogue Forums",
            "Bridge political divide",
            Timeline(Quarter(2024, 3), Quarter(2024, 4)),
        ),
        (
            "Election Oversight Missions",
            "Ensure transparent elections",
            Timeline(Quarter(2025, 1), Quarter(2025, 1)),
        ),
        ("Humanitarian Aid Programs", "Assist displaced communities", Timeline(None, None)),
    ]
    assert parsed.problems == []
    # The second table (Aspect | Japan's Approach | Expected Outcome) is skipped with a note.
    assert len(parsed.notes) == 1
    assert "Aspect" in parsed.notes[0]
    assert "skipped" in parsed.notes[0]


MESSY = """\
Some text | with a pipe in prose.

| **Programme** | Goal | Time frame | Owner |||
|:---|---|---:|---|
| Alpha | First aim | Q1 2025 |
| Beta | | H2 2025 | Ops | extra | cells |
|
|  |  |  |
| Gamma \\| Delta | Escaped pipe | 2026 | x |||||||
| Epsilon | Bad one | Q5 2025 |
| | no name | Q1 2025 |
Paragraph after the table.
"""


def test_messy_table_rows_are_read_as_people_meant_them() -> None:
    parsed = parse_markdown(MESSY)
    titles = [c.title for c in parsed.candidates]
    assert titles == ["Alpha", "Beta", "Gamma | Delta"]
    beta = parsed.candidates[1]
    assert "objective" not in beta.fields  # an empty cell leaves the objective alone
    assert beta.timeline == Timeline(Quarter(2025, 3), Quarter(2025, 4))
    assert len(parsed.problems) == 2
    assert parsed.problems[0].startswith("line 10: 'Epsilon': 'Q5 2025' is not a timeline")
    assert parsed.problems[1].startswith("line 11: the initiative name is empty")


def test_a_text_without_a_usable_table_is_an_error() -> None:
    with pytest.raises(UsageError, match="no table with initiative, objective and timeline"):
        parse_markdown("| Aspect | Outcome |\n|---|---|\n| a | b |\n")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["Initiative", "Objective", "Timeline"], {"title": 0, "objective": 1, "timeline": 2}),
        (["When", "Purpose", "Project"], {"title": 2, "objective": 1, "timeline": 0}),
        (["TITLE", "aims", "Schedule"], {"title": 0, "objective": 1, "timeline": 2}),
        (["Project name", "Name", "Goal", "Period"], {"title": 1, "objective": 2, "timeline": 3}),
        (["Aspect", "Objective", "Timeline"], None),
    ],
)
def test_header_names_match_any_case_and_exact_names_win(
    header: list[str], expected: dict[str, int] | None
) -> None:
    assert match_columns(header) == expected


@pytest.mark.parametrize(
    ("line", "cells"),
    [
        ("| a | b |", ["a", "b"]),
        ("a | b", ["a", "b"]),
        ("| a | b |||||", ["a", "b"]),
        ("|", []),
        ("| a \\| b | c |", ["a | b", "c"]),
    ],
)
def test_split_row(line: str, cells: list[str]) -> None:
    assert split_row(line) == cells


cell_text = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="|\\"
    ),
    max_size=30,
).map(str.strip)


@given(st.lists(cell_text, min_size=1, max_size=6))
def test_split_row_gives_back_the_cells_written(cells: list[str]) -> None:
    line = "| " + " | ".join(cells) + " |"
    expected = list(cells)
    while expected and not expected[-1]:
        expected.pop()
    assert split_row(line) == expected


@given(title=cell_text.filter(bool), objective=cell_text)
def test_any_row_is_either_an_initiative_or_a_named_problem(title: str, objective: str) -> None:
    header = "| Initiative | Objective | Timeline |\n|---|---|---|\n"
    text = f"{header}| {title} | {objective} | Q1 2025 |\n"
    parsed = parse_markdown(text)
    assert len(parsed.candidates) + len(parsed.problems) <= 1
    for problem in parsed.problems:
        assert problem.startswith("line 3:")


def test_control_characters_in_cells_are_problems_not_data() -> None:
    parsed = parse_markdown(
        "| Initiative | Objective | Timeline |\n|---|---|---|\n| a\x1b[31m | b | Q1 2025 |\n"
    )
    assert parsed.candidates == []
    assert "control" in parsed.problems[0]


def test_json_list_output_is_read_back_with_progress() -> None:
    document = [
        {
            "id": "a",
            "title": "A",
            "objective": "Two\nlines",
            "timeline": {
                "text": "Q3 – Q4 2024",
                "start": "Q3-2024",
                "end": "Q4-2024",
                "ongoing": False,
            },
            "status": "active",
            "pillar": "p",
            "pillar_name": "Pillar",
            "partners": ["UN"],
            "tags": [],
            "source": None,
            "progress_log": [{"date": "2024-10-01", "percent": 40, "note": "half"}],
        }
    ]
    parsed = parse_json(json.dumps(document))
    (candidate,) = parsed.candidates
    assert candidate.ident == "a"
    assert candidate.fields["objective"] == "Two\nlines"
    assert candidate.fields["source"] is None
    assert candidate.pillar_name == "Pillar"
    assert [(p.on.isoformat(), p.percent, p.note) for p in candidate.logs["progress_log"]] == [
        ("2024-10-01", 40, "half")
    ]


def test_json_canonical_quarters_win_over_a_fiscal_text() -> None:
    # "FY2024" in a Japanese store is Q2-2024..Q1-2025; the target store is calendar-based.
    item = {"title": "X", "timeline": {"text": "FY2024", "start": "Q2-2024", "end": "Q1-2025"}}
    (candidate,) = parse_json(json.dumps([item])).candidates
    assert candidate.timeline == Timeline(Quarter(2024, 2), Quarter(2025, 1))
    assert candidate.fields["timeline"] == "Q2-2024..Q1-2025"


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"timeline": "Q1 2025"}, "title is missing"),
        ({"title": "X"}, "timeline is missing"),
        ({"title": "X", "timeline": "Q9"}, "is not a timeline"),
        ({"title": "X", "timeline": "Q1 2025", "status": "someday"}, "status 'someday'"),
        ({"title": "X", "timeline": "Q1 2025", "id": "Not An Id"}, "id 'Not An Id'"),
        (
            {"title": "X", "timeline": "Q1 2025", "progress_log": [{"date": "x", "percent": 1}]},
            "date",
        ),
        (
            {
                "title": "X",
                "timeline": "Q1 2025",
                "progress_log": [{"date": "2025-01-01", "percent": 101}],
            },
            "percent",
        ),
    ],
)
def test_bad_json_items_are_named_problems(item: dict[str, object], message: str) -> None:
    parsed = parse_json(json.dumps([item]))
    assert parsed.candidates == []
    assert parsed.problems[0].startswith("item 1")
    assert message in parsed.problems[0]


def test_invalid_json_is_one_usage_error() -> None:
    with pytest.raises(UsageError, match="line 1, column 2: invalid JSON"):
        parse_json("[x")


def test_binary_and_non_utf8_files_are_refused() -> None:
    with pytest.raises(UsageError, match="not a text file"):
        decode_source(b"\x89PNG\r\n\x1a\n\x00\x00", "x.png")
    with pytest.raises(UsageError, match=r"x\.md:2: not UTF-8"):
        decode_source(b"ok\n\xff\n", "x.md")
    assert decode_source(b"\xef\xbb\xbfhello", "bom.md") == "hello"


@pytest.mark.parametrize(
    ("name", "text", "fmt"),
    [
        ("a.json", "", "json"),
        ("a.md", "[", "markdown"),
        ("-", " [{}]", "json"),
        ("x", "# t", "markdown"),
    ],
)
def test_format_detection(name: str, text: str, fmt: str) -> None:
    assert detect_format(name, text) == fmt
