"""The report as plain aligned lines, for reports too long for a Rich table.

Rich lays out a table of thousands of rows in seconds (the report of a 10k
store took 4 s); formatted lines take milliseconds. `vzwatch report` prints
this when its tables would hold more than ``PLAIN_ROWS`` rows. The same
content as the Rich report, user text through ``visible`` as everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from vzwatch.domain.report import Group, Report
from vzwatch.domain.text import cell_width, ljust_cells, rjust_cells, steady, visible
from vzwatch.formats.report import change_text, percent_text, promises_text
from vzwatch.render.plain import changes_footer, footer


def _aligned(rows: Sequence[Sequence[str]], right: set[int]) -> list[str]:
    """Rows as lines, each column as wide as its widest cell (in terminal cells); the
    last one is left ragged."""
    rows = [[steady(cell) for cell in row] for row in rows]
    widths = [max(cell_width(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [
            rjust_cells(cell, widths[at]) if at in right else ljust_cells(cell, widths[at])
            for at, cell in enumerate(row)
        ]
        cells[-1] = cells[-1].rstrip()
        lines.append("  ".join(cells).rstrip() + "\n")
    return lines


def _summary(report: Report) -> list[str]:
    def numbers(label: str, group: Group) -> list[str]:
        counts = (group.done, group.due, group.overdue, group.behind)
        return [label, str(group.count), percent_text(group.mean_progress), *map(str, counts)]

    heading = report.group_heading
    rows = [
        [heading, "Initiatives", "Mean", "Done", f"Due {report.quarter_label}", "Overdue", "Behind"]
    ]
    rows += [numbers(visible(group.label), group) for group in report.groups]
    rows.append(numbers("All", report.totals))
    return _aligned(rows, right={1, 2, 3, 4, 5, 6})


def _group(group: Group, limit: int | None) -> list[str]:
    shown = group.items if limit is None else group.items[:limit]
    rows = [["ID", "Timeline", "Status", "Progress", "Expected", "Health", "Forecast", "Title"]]
    rows += [
        [
            item.initiative.id,
            item.initiative.timeline.label,
            item.initiative.status,
            percent_text(item.progress),
            percent_text(item.expected),
            item.health_label,
            item.forecast_label,
            visible(item.initiative.title),
        ]
        for item in shown
    ]
    title = [steady(visible(group.label)) + "\n"]
    return title + _aligned(rows, right={3, 4}) + [footer(len(shown), group.count) + "\n"]


def _changes(report: Report, limit: int | None) -> list[str]:
    title = f"Changes since {report.since.isoformat()}"
    if not report.changes:
        return [f"{title}: no progress entries or status changes.\n"]
    shown = report.newest_changes(limit)  # the newest N, oldest first
    rows = [["Date", "ID", "Change", "Note"]]
    rows += [
        [change.on.isoformat(), change.initiative, change_text(change), visible(change.note)]
        for change in shown
    ]
    more = changes_footer(len(shown), len(report.changes))
    return [title + "\n", *_aligned(rows, right=set()), more + "\n"]


def print_report_plain(stream: TextIO, report: Report, limit: int | None) -> None:
    """The report, each table cut to ``limit`` rows (None: all) with a footer."""
    lines = [
        f"Progress report: {report.quarter_label}\n",
        f"As of {report.today.isoformat()}, by {report.by}; "
        f"changes since {report.since.isoformat()}.\n",
        "\n",
        *_summary(report),
    ]
    if not report.initiatives:
        lines += ["\n", f"No initiatives are active in {report.quarter_label}.\n"]
    for group in report.groups:
        lines += ["\n", *_group(group, limit)]
        lines.append(f"Promises vs delivery: {promises_text(report.promises(group))}.\n")
    lines += ["\n", *_changes(report, limit)]
    stream.write("".join(lines))


def printed_rows(report: Report, limit: int | None) -> int:
    """How many rows the report's tables print with ``limit``."""
    counts = [group.count for group in report.groups] + [len(report.changes)]
    return sum(counts if limit is None else (min(count, limit) for count in counts))
