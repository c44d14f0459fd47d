"""`vzwatch export`: the text of an export in each format, without any terminal.

Each export says the day it is as of (``--today``). CSV is `list --format csv`
(formulas guarded) with an ``as_of`` column; Markdown is `list --format markdown`
with the cited sources as numbered footnotes (``formats.citations``); JSON is
``{"as_of", "initiatives"}``, the elements exactly `list --json`'s; ICS comes
from ``vzwatch.formats.ics`` (``X-WR-CALDESC`` and ``X-VZWATCH-AS-OF``), the
Mermaid gantt chart from ``vzwatch.formats.mermaid``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from vzwatch.domain.portfolio import Initiative, Portfolio
from vzwatch.formats import tabular

AS_OF_KEY = "as_of"  # the day an export is as of: a top-level JSON key, a CSV column


def json_text(elements: Sequence[Any], today: date, *, ascii_only: bool = False) -> str:
    """`export --format json`: ``{"as_of", "initiatives"}``, the elements `list --json`'s."""
    from vzwatch.formats.contract import document_dumps

    as_of = {AS_OF_KEY: today.isoformat()}
    return document_dumps(as_of, "initiatives", elements, ascii_only=ascii_only) + "\n"


def csv_rows(rows: Sequence[Mapping[str, Any]], today: date) -> list[dict[str, Any]]:
    """`export --format csv` rows: `list --format csv`'s, each ending in the ``as_of`` day.

    A column, not a comment line: spreadsheets and CSV readers take the first
    line as the header, and a column survives sorting, filtering and pasting
    exports of different days into one sheet.
    """
    return [{**row, AS_OF_KEY: today.isoformat()} for row in rows]


def export_text(
    fmt: str,
    initiatives: Sequence[Initiative],
    portfolio: Portfolio,
    *,
    today: date,
    now: datetime | None = None,
    tasks: bool = False,
    blocked: frozenset[str] = frozenset(),
) -> str:
    """An ICS or Mermaid export; ``now`` (aware) stamps ICS entries, ``today`` is the day
    it is as of (it also places ongoing entries). JSON, CSV and Markdown are `list`'s
    forms (``vzwatch.cli.views.export_text``) with the as-of day added here. ``blocked``:
    the ids the Mermaid chart marks blocked."""
    if fmt == "ics":
        from datetime import UTC

        from vzwatch.formats import ics

        stamp = now or datetime.now(UTC)
        return ics.calendar(
            initiatives, portfolio, today=today, now=stamp, component="todo" if tasks else "event"
        )
    if fmt == "mermaid":
        from vzwatch.domain.chart import make_chart
        from vzwatch.formats.mermaid import chart_mermaid

        return chart_mermaid(
            make_chart(initiatives, today, blocked=blocked), portfolio, today, title=portfolio.title
        )
    raise ValueError(f"unknown export format {fmt!r}")


def cited_markdown(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str], portfolio: Portfolio
) -> str:
    """The Markdown table of ``rows``, its ``sources`` cells (ids joined by "; ") as
    numbered footnote marks, and the footnotes after it."""
    from vzwatch.formats.citations import Footnotes

    notes = Footnotes(portfolio)
    titles = [tabular.markdown_cell(column.replace("_", " ").capitalize()) for column in columns]
    cells = [
        [
            notes.refs(str(row.get(column) or "").split("; "))
            if column == "sources"
            else tabular.markdown_cell(row.get(column))
            for column in columns
        ]
        for row in rows
    ]
    lines = tabular.markdown_table(titles, cells)
    if notes.numbers:
        lines += ["", *notes.lines()]
    return "\n".join(lines) + "\n"
