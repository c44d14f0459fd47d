"""`vzwatch export`: the text of an export in each format, without any terminal.

CSV is exactly `list --format csv` (formulas guarded); Markdown is `list --format
markdown` with the cited sources as numbered footnotes (``formats.citations``);
JSON is exactly `list --json`; ICS comes from ``vzwatch.formats.ics``, the
Mermaid gantt chart from ``vzwatch.formats.mermaid``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from vzwatch.domain.portfolio import Initiative, Portfolio
from vzwatch.formats import contract, tabular


def export_text(
    fmt: str,
    initiatives: Sequence[Initiative],
    portfolio: Portfolio,
    *,
    today: date,
    now: datetime | None = None,
    tasks: bool = False,
    ascii_only: bool = False,
) -> str:
    """The export document; ``now`` (aware) stamps ICS entries, ``today`` places ongoing ones."""
    if fmt == "json":
        from vzwatch.domain.dependencies import blocked_by

        return (
            contract.dumps(
                contract.initiatives_to_list(initiatives, portfolio, blocked_by(portfolio, today)),
                ascii_only=ascii_only,
            )
            + "\n"
        )
    if fmt in ("csv", "markdown"):
        rows = [tabular.initiative_row(i, portfolio) for i in initiatives]
        if fmt == "csv":
            return tabular.to_csv(rows, tabular.INITIATIVE_COLUMNS)
        return cited_markdown(rows, tabular.INITIATIVE_COLUMNS, portfolio)
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
            make_chart(initiatives, today), portfolio, today, title=portfolio.title
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
