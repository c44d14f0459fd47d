"""`vzwatch export`: the text of an export in each format, without any terminal.

CSV and Markdown are exactly `list --format csv|markdown` (formulas guarded,
Markdown escaped); JSON is exactly `list --json`; ICS comes from ``vzwatch.ics``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from vzwatch import formats, jsonout
from vzwatch.model import Initiative, Portfolio

EXPORT_FORMATS = ("ics", "csv", "json", "markdown")


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
            jsonout.dumps(
                jsonout.initiatives_to_list(initiatives, portfolio), ascii_only=ascii_only
            )
            + "\n"
        )
    if fmt in ("csv", "markdown"):
        rows = [formats.initiative_row(i, portfolio) for i in initiatives]
        if fmt == "csv":
            return formats.to_csv(rows, formats.INITIATIVE_COLUMNS)
        return formats.to_markdown(rows, formats.INITIATIVE_COLUMNS)
    if fmt == "ics":
        from datetime import UTC

        from vzwatch import ics

        stamp = now or datetime.now(UTC)
        return ics.calendar(
            initiatives, portfolio, today=today, now=stamp, component="todo" if tasks else "event"
        )
    raise ValueError(f"unknown export format {fmt!r}")
