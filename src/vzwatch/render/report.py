"""The report for people: a summary, one table per group, and what changed."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console, Group
from rich.measure import Measurement
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from vzwatch.domain.health import Health
from vzwatch.domain.report import Group as ReportGroup
from vzwatch.domain.report import InitiativeReport, Report
from vzwatch.domain.text import counted
from vzwatch.formats.report import change_text, promises_text
from vzwatch.render.plain import changes_footer, footer
from vzwatch.render.tables import status_text, user_text

HEALTH_STYLES: dict[str, str] = {
    Health.DONE: "bold green",
    Health.ON_TRACK: "green",
    Health.AHEAD: "cyan",
    Health.BEHIND: "yellow",
    Health.OVERDUE: "bold red",
    Health.NOT_STARTED: "dim",
    Health.ONGOING: "blue",
    Health.CANCELLED: "dim",
}


def _table(title: Text | str | None = None) -> Table:
    return Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        show_edge=False,
    )


def _narrowest(console: Console, renderable: Table) -> int:
    """The fewest columns ``renderable`` needs without breaking a word or a number."""
    unbounded = console.options.update_width(10_000)  # a measure is clamped to its width
    return Measurement.get(console, unbounded, renderable).minimum


def _fitting(console: Console, width: int, *tables: Table) -> Table | None:
    """The first of ``tables`` (richest first) that fits ``width`` whole, if any,
    its columns held at their longest word (Rich would otherwise shrink the
    widest column below it before the others)."""
    table = next((table for table in tables if _narrowest(console, table) <= width), None)
    if table is not None:
        pin_words(console, table)
    return table


def pin_words(console: Console, table: Table) -> None:
    """Give each column of ``table`` the width of its longest word as its minimum."""
    unbounded = console.options.update_width(10_000)
    for column in table.columns:
        cells = [column.header, *column.cells]
        column.min_width = max(Measurement.get(console, unbounded, cell).minimum for cell in cells)


def _indented(text: Text, depth: int = 2) -> Padding:
    return Padding(text, (0, 0, 0, depth))


def _numbers(group: ReportGroup) -> list[str]:
    mean = "—" if group.mean_progress is None else f"{group.mean_progress}%"
    counts = (group.done, group.due, group.overdue, group.behind)
    return [str(group.count), mean, *map(str, counts)]


def _summary_table(report: Report, headings: Sequence[str]) -> Table:
    table = _table()
    table.add_column(report.group_heading)
    for heading in headings:
        table.add_column(heading, justify="right", no_wrap=True)
    for group in report.groups:
        table.add_row(user_text(group.label), *_numbers(group))
    table.add_section()
    table.add_row(Text("All", style="bold"), *_numbers(report.totals))
    return table


def _summary(console: Console, report: Report, width: int) -> Table | Group:
    """The summary table; narrower, shorter headings; narrower still, a line per group.

    Group names are always shown and numbers never cut.
    """
    full = ("Initiatives", "Mean", "Done", f"Due {report.quarter_label}", "Overdue", "Behind")
    short = ("Count", "Mean", "Done", "Due", "Overdue", "Behind")
    table = _fitting(console, width, _summary_table(report, full), _summary_table(report, short))
    if table is not None:
        return table
    lines: list[Text | Padding] = []
    labelled = [(g, user_text(g.label)) for g in report.groups]
    for group, label in [*labelled, (report.totals, Text("All", style="bold"))]:
        _, mean, done, due, overdue, behind = _numbers(group)
        lines.append(label)
        lines.append(
            _indented(
                Text(
                    f"{counted(group.count, 'initiative')}, mean {mean}, {done} done, "
                    f"{due} due in {report.quarter_label}, {overdue} overdue, {behind} behind"
                )
            )
        )
    return Group(*lines)


_GROUP_COLUMNS = ("Timeline", "Status", "Progress", "Expected", "Health", "Forecast")


def _group_table(
    group: ReportGroup, shown: Sequence[InitiativeReport], show_ids: bool, columns: Sequence[str]
) -> Table:
    table = _table(user_text(group.label, style="bold"))
    if len(shown) < group.count:
        table.caption = footer(len(shown), group.count)
        table.caption_justify = "left"
    table.add_column("Initiative / id" if show_ids else "Initiative")
    for column in columns:
        numeric = column in ("Progress", "Expected")
        table.add_column(column, justify="right" if numeric else "left", no_wrap=numeric)
    for item in shown:
        name = user_text(item.initiative.title)
        if show_ids:
            name.append("\n")
            name.append(user_text(item.initiative.id, style="dim"))
        cells = _item_cells(item)
        table.add_row(name, *(cells[column] for column in columns))
    return table


def _item_cells(item: InitiativeReport) -> dict[str, Text]:
    return {
        "Timeline": Text(item.initiative.timeline.label),
        "Status": status_text(item.initiative.status),
        "Progress": Text(f"{item.progress}%"),
        "Expected": Text("—" if item.expected is None else f"{item.expected}%"),
        "Health": Text(item.health_label, style=HEALTH_STYLES.get(item.health, "")),
        "Forecast": Text(item.forecast_label),
    }


def _group_view(
    console: Console, group: ReportGroup, width: int, limit: int | None
) -> Table | Group:
    """A table per group, dropping the status, then the timeline, when it would
    break a word; where even that does not fit, a block of lines per initiative."""
    shown = group.items if limit is None else group.items[:limit]
    fewer = [c for c in _GROUP_COLUMNS if c != "Status"]
    fewest = [c for c in fewer if c != "Timeline"]
    candidates = [
        _group_table(group, shown, True, _GROUP_COLUMNS) if width >= 100 else None,
        _group_table(group, shown, False, _GROUP_COLUMNS),
        _group_table(group, shown, False, fewer),
        _group_table(group, shown, False, fewest),
    ]
    table = _fitting(console, width, *(c for c in candidates if c is not None))
    if table is not None:
        return table
    lines: list[Text | Padding] = [user_text(group.label, style="bold")]
    for item in shown:
        cells = _item_cells(item)
        lines.append(_indented(user_text(item.initiative.title)))
        details = Text(f"{cells['Timeline']}, ")
        details.append(cells["Status"])
        details.append(f", progress {cells['Progress']}, expected {cells['Expected']}, ")
        details.append(cells["Health"])
        details.append(f", forecast {cells['Forecast']}")
        lines.append(_indented(details, 4))
    if len(shown) < group.count:
        lines.append(Text(footer(len(shown), group.count)))
    return Group(*lines)


def _changes(
    console: Console, report: Report, width: int, limit: int | None
) -> Table | Text | Group:
    title = f"Changes since {report.since.isoformat()}"
    if not report.changes:
        return Text(f"{title}: no progress entries or status changes.")
    shown = report.newest_changes(limit)  # the newest N, oldest first
    table = _table(Text(title, style="bold"))
    more = changes_footer(len(shown), len(report.changes))
    if len(shown) < len(report.changes):
        table.caption = more
        table.caption_justify = "left"
    table.add_column("Date", no_wrap=True)
    table.add_column("Initiative")
    table.add_column("Change")
    table.add_column("Note")
    for change in shown:
        table.add_row(
            change.on.isoformat(),
            user_text(change.title),
            Text(change_text(change)),
            user_text(change.note, lines=True),
        )
    if _narrowest(console, table) <= width:
        pin_words(console, table)
        return table
    lines: list[Text | Padding] = [Text(title, style="bold")]
    for change in shown:
        line = Text(f"{change.on.isoformat()}  ")
        line.append(user_text(change.title))
        line.append(f": {change_text(change)}")
        lines.append(line)
        if change.note:
            lines.append(_indented(user_text(change.note, lines=True), 12))
    if len(shown) < len(report.changes):
        lines.append(Text(more))
    return Group(*lines)


def _group_indicators(
    console: Console, report: Report, group: ReportGroup
) -> list[Table | Text | Group]:
    """The group's indicators table and their sums by unit (nothing without indicators)."""
    from vzwatch.domain.indicators import pairs, sums_by_unit, sums_text
    from vzwatch.render.indicators import indicators_view

    found = pairs(item.initiative for item in group.items)
    if not found:
        return []
    parts: list[Table | Text | Group] = [
        indicators_view(console, found, report.today, with_initiative=True)
    ]
    summed = sums_text(sums_by_unit(indicator for _, indicator in found))
    if summed:
        parts.append(Text(f"Indicators by unit: {summed}.", style="dim"))
    return parts


def _indicator_totals(report: Report) -> list[Table | Text | Group]:
    """Indicators summed by unit over the report, and over those due in its quarter."""
    from vzwatch.domain.indicators import due_in, pairs, sums_by_unit, sums_text

    found = pairs(item.initiative for item in report.initiatives)
    summed = sums_text(sums_by_unit(indicator for _, indicator in found))
    if not summed:
        return []
    due = sums_text(sums_by_unit(due_in(found, report.quarter)))
    lines: list[Table | Text | Group] = [Text(""), Text(f"All indicators by unit: {summed}.")]
    lines.append(Text(f"Due in {report.quarter_label}: {due or 'none'}."))
    return lines


def print_report(console: Console, report: Report, limit: int | None = None) -> None:
    """The report; each group's table and the changes cut to ``limit`` rows, with a footer."""
    heading = Text(f"Progress report: {report.quarter_label}", style="bold underline")
    subtitle = Text(
        f"As of {report.today.isoformat()}, by {report.by}; "
        f"changes since {report.since.isoformat()}.",
        style="dim",
    )
    width = console.width
    parts: list[Table | Text | Group] = [
        heading,
        subtitle,
        Text(""),
        _summary(console, report, width),
    ]
    if not report.initiatives:
        parts += [Text(""), Text(f"No initiatives are active in {report.quarter_label}.")]
    for group in report.groups:
        parts += [Text(""), _group_view(console, group, width, limit)]
        promised = promises_text(report.promises(group))
        parts.append(Text(f"Promises vs delivery: {promised}.", style="dim"))
        parts += _group_indicators(console, report, group)
    parts += _indicator_totals(report)
    parts += [Text(""), _changes(console, report, width, limit)]
    console.print(Group(*parts))
