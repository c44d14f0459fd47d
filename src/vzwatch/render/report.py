"""The report for people: a summary, one table per group, and what changed."""

from __future__ import annotations

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from vzwatch.domain.report import Group as ReportGroup
from vzwatch.domain.report import Report
from vzwatch.formats.report import change_text
from vzwatch.render.plain import footer
from vzwatch.render.tables import status_text, user_text

HEALTH_STYLES = {
    "done": "bold green",
    "on track": "green",
    "ahead": "cyan",
    "behind": "yellow",
    "overdue": "bold red",
    "not started": "dim",
    "ongoing": "blue",
    "cancelled": "dim",
}


def _table(title: Text | str | None = None) -> Table:
    return Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        show_edge=False,
    )


def _summary(report: Report) -> Table:
    table = _table()
    table.add_column(report.group_heading, overflow="fold")
    for heading in ("Initiatives", "Mean", "Done", f"Due {report.quarter}", "Overdue", "Behind"):
        table.add_column(heading, justify="right", no_wrap=True)

    def numbers(group: ReportGroup) -> list[str]:
        mean = "—" if group.mean_progress is None else f"{group.mean_progress}%"
        counts = (group.done, group.due, group.overdue, group.behind)
        return [str(group.count), mean, *map(str, counts)]

    for group in report.groups:
        table.add_row(user_text(group.label), *numbers(group))
    table.add_section()
    table.add_row(Text("All", style="bold"), *numbers(report.totals))
    return table


def _group_table(group: ReportGroup, width: int, limit: int | None) -> Table:
    """Fits 80 columns: long cells wrap at spaces; ids (under titles) only from 100 on."""
    shown = group.items if limit is None else group.items[:limit]
    table = _table(user_text(group.label, style="bold"))
    if len(shown) < group.count:
        table.caption = footer(len(shown), group.count)
        table.caption_justify = "left"
    show_ids = width >= 100
    table.add_column("Initiative / id" if show_ids else "Initiative", overflow="fold")
    table.add_column("Timeline")
    table.add_column("Status")
    table.add_column("Progress", justify="right", no_wrap=True)
    table.add_column("Expected", justify="right", no_wrap=True)
    table.add_column("Health")
    table.add_column("Forecast")
    for item in shown:
        name = user_text(item.initiative.title)
        if show_ids:
            name.append("\n")
            name.append(user_text(item.initiative.id, style="dim"))
        table.add_row(
            name,
            Text(item.initiative.timeline.label),
            status_text(item.initiative.status),
            Text(f"{item.progress}%"),
            "—" if item.expected is None else f"{item.expected}%",
            Text(item.health_label, style=HEALTH_STYLES.get(item.health, "")),
            Text(item.forecast_label),
        )
    return table


def _changes(report: Report, limit: int | None) -> Table | Text:
    title = f"Changes since {report.since.isoformat()}"
    if not report.changes:
        return Text(f"{title}: no progress entries or status changes.")
    shown = report.changes if limit is None else report.changes[:limit]
    table = _table(Text(title, style="bold"))
    if len(shown) < len(report.changes):
        table.caption = footer(len(shown), len(report.changes), noun="change")
        table.caption_justify = "left"
    table.add_column("Date", no_wrap=True)
    table.add_column("Initiative", overflow="fold")
    table.add_column("Change")
    table.add_column("Note", overflow="fold")
    for change in shown:
        table.add_row(
            change.on.isoformat(),
            user_text(change.title),
            Text(change_text(change)),
            user_text(change.note, lines=True),
        )
    return table


def print_report(console: Console, report: Report, limit: int | None = None) -> None:
    """The report; each group's table and the changes cut to ``limit`` rows, with a footer."""
    heading = Text(f"Progress report: {report.quarter}", style="bold underline")
    subtitle = Text(
        f"As of {report.today.isoformat()}, by {report.by}; "
        f"changes since {report.since.isoformat()}.",
        style="dim",
    )
    parts: list[Table | Text] = [heading, subtitle, Text(""), _summary(report)]
    if not report.initiatives:
        parts += [Text(""), Text(f"No initiatives are active in {report.quarter}.")]
    for group in report.groups:
        parts += [Text(""), _group_table(group, console.width, limit)]
    parts += [Text(""), _changes(report, limit)]
    console.print(Group(*parts))
