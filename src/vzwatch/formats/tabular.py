"""Plain-text output formats for rows of data: CSV, Markdown and JSON Lines.

Pure functions from rows (mappings of column -> value) to text, shared by the
read commands' ``--format`` and by ``export``. User text stays data here too:
CSV cells that a spreadsheet would run as a formula are made inert, and
Markdown cells escape what would otherwise be read as formatting.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from vzwatch.domain.portfolio import Initiative, Portfolio
from vzwatch.domain.schema import INITIATIVE, SOURCE, Source, flat_cells, join_texts, ordered
from vzwatch.domain.text import escape_json_text, visible

# The released column order; a field added to the schema later comes after these.
_RELEASED_COLUMNS = (
    "id",
    "title",
    "objective",
    "pillar",
    "status",
    "progress",
    "start",
    "end",
    "ongoing",
    "timeline",
    "partners",
    "tags",
    "source",
)
MILESTONES_COLUMN = "milestones"


def milestones_cell(initiative: Initiative, portfolio: Portfolio | None) -> str:
    """The initiative's milestones in one cell, each "QUARTER TITLE (done DATE|open)",
    joined by "; " as every list is (``schema.join_texts``)."""
    if portfolio is None:
        return ""
    return join_texts(
        f"{item.quarter} {item.title} ({f'done {item.done}' if item.done else 'open'})"
        for item in portfolio.milestones_of(initiative.id)
    )


_CELLS = {cell[0]: cell for spec in INITIATIVE.fields for cell in flat_cells(spec)}
# A column of another kind's records: the milestones that belong to the initiative.
_CELLS[MILESTONES_COLUMN] = (MILESTONES_COLUMN, milestones_cell, True)
INITIATIVE_COLUMNS = ordered(_RELEASED_COLUMNS, _CELLS)
_ORDERED_CELLS = tuple(_CELLS[column] for column in INITIATIVE_COLUMNS)

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")


def initiative_row(initiative: Initiative, portfolio: Portfolio | None = None) -> dict[str, Any]:
    """One flat row per initiative: lists joined with '; ', quarters canonical."""
    return {
        column: get(initiative, portfolio) if with_portfolio else get(initiative)
        for column, get, with_portfolio in _ORDERED_CELLS
    }


_SOURCE_CELLS = tuple(cell for spec in SOURCE.fields for cell in flat_cells(spec))
SOURCE_COLUMNS = tuple(cell[0] for cell in _SOURCE_CELLS)


def source_row(source: Source) -> dict[str, Any]:
    """One flat row per ``[[sources]]`` record (`vzwatch sources --format csv`)."""
    return {column: get(source) for column, get, _ in _SOURCE_CELLS}


def _plain(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_cell(value: object) -> str:
    """A CSV cell that no spreadsheet will evaluate and no terminal will obey."""
    text = visible(_plain(value), keep_layout=True)
    if isinstance(value, str) and text.startswith(_FORMULA_START):
        return "'" + text
    return text


def to_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """CSV with a header row (RFC 4180 quoting, \\r\\n line ends as the csv module writes)."""
    import csv  # only CSV output needs it (1 ms of start-up)
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(row.get(column)) for column in columns])
    return buffer.getvalue()


def markdown_cell(value: object) -> str:
    """Cell text that renders literally in a Markdown table on one line."""
    text = visible(_plain(value).replace("\r\n", "\n").replace("\n", " "))
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """The lines of a GitHub-flavoured Markdown table whose cells are already Markdown
    (escaped with ``markdown_cell``, or formatting on purpose such as ``**All**``)."""
    return [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def to_markdown(
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    headers: Sequence[str] | None = None,
) -> str:
    """A Markdown table of ``rows``, every cell escaped."""
    titles = headers or [column.replace("_", " ").capitalize() for column in columns]
    cells = ([markdown_cell(row.get(column)) for column in columns] for row in rows)
    return "\n".join(markdown_table([markdown_cell(title) for title in titles], cells)) + "\n"


def to_jsonl(values: Iterable[Any], *, ascii_only: bool = False) -> str:
    """One compact JSON document per line."""
    lines = (json.dumps(value, ensure_ascii=ascii_only, separators=(",", ":")) for value in values)
    return "".join((line if ascii_only else escape_json_text(line)) + "\n" for line in lines)
