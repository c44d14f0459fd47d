"""`vzwatch export`: the text of an export in each format, without any terminal.

CSV and Markdown are exactly `list --format csv|markdown` (formulas guarded,
Markdown escaped); JSON is exactly `list --json`; ICS comes from ``vzwatch.formats.ics``,
the Mermaid gantt chart from ``vzwatch.formats.mermaid``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

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
        return (
            contract.dumps(
                contract.initiatives_to_list(initiatives, portfolio), ascii_only=ascii_only
            )
            + "\n"
        )
    if fmt in ("csv", "markdown"):
        rows = [tabular.initiative_row(i, portfolio) for i in initiatives]
        if fmt == "csv":
            return tabular.to_csv(rows, tabular.INITIATIVE_COLUMNS)
        return tabular.to_markdown(rows, tabular.INITIATIVE_COLUMNS)
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
