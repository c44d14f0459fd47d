"""Rich tables and detail views for initiatives. User text always enters as ``Text``."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from vzwatch.model import Initiative, Portfolio
from vzwatch.render.plain import footer
from vzwatch.textsafe import visible

STATUS_STYLES = {
    "planned": "cyan",
    "active": "green",
    "done": "bold green",
    "paused": "yellow",
    "cancelled": "dim",
}


def user_text(value: str, style: str = "") -> Text:
    """User text as data: never markup, never raw control characters."""
    return Text(visible(value), style=style)


def progress_bar(percent: int, width: int = 10) -> Text:
    filled = round(percent * width / 100)
    bar = Text("█" * filled, style="green")
    bar.append("░" * (width - filled), style="dim")
    bar.append(f" {percent:>3}%")
    return bar


def status_text(status: str) -> Text:
    return Text(status, style=STATUS_STYLES.get(status, ""))


def initiatives_table(
    initiatives: Sequence[Initiative],
    portfolio: Portfolio,
    *,
    title: str | None = None,
    width: int = 100,
    total: int | None = None,
) -> Table:
    """One row per initiative: title with its id beneath, timeline, status, progress, pillar.

    The id sits under the title (not in a column of its own) so that both stay
    readable at 80 columns; the pillar column is dropped below 100.
    """
    show_pillar = width >= 100
    table = Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        caption=footer(len(initiatives), len(initiatives) if total is None else total),
        caption_justify="left",
        pad_edge=False,
        show_edge=False,
    )
    table.add_column("Initiative / id", overflow="fold", ratio=3, min_width=20)
    table.add_column("Timeline", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Progress", no_wrap=True)
    if show_pillar:
        table.add_column("Pillar", overflow="fold", ratio=2)
    for initiative in initiatives:
        name = user_text(initiative.title, style="bold")
        name.append("\n")
        name.append(user_text(initiative.id, style="dim"))
        row = [
            name,
            Text(initiative.timeline.label),
            status_text(initiative.status),
            progress_bar(initiative.progress, width=5),
        ]
        if show_pillar:
            row.append(user_text(portfolio.pillar_name(initiative.pillar)))
        table.add_row(*row)
    return table


def print_initiatives(
    console: Console,
    initiatives: Sequence[Initiative],
    portfolio: Portfolio,
    *,
    title: str | None = None,
    total: int | None = None,
) -> None:
    """A table of ``initiatives``; ``total`` (when more matched) goes in the footer."""
    console.print(
        initiatives_table(initiatives, portfolio, title=title, width=console.width, total=total)
    )


def initiative_detail(initiative: Initiative, portfolio: Portfolio) -> Group:
    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="bold", no_wrap=True)
    fields.add_column(overflow="fold")
    pillar = next((p for p in portfolio.pillars if p.id == initiative.pillar), None)
    pillar_cell = user_text(pillar.name) if pillar else Text("—")
    if pillar and pillar.description:
        pillar_cell.append(Text(" — " + visible(pillar.description), style="dim"))
    timeline_cell = Text(initiative.timeline.label)
    if initiative.timeline_text != str(initiative.timeline):
        timeline_cell.append(
            Text(f"  (written {visible(initiative.timeline_text)!r})", style="dim")
        )
    rows: list[tuple[str, Text]] = [
        ("ID", user_text(initiative.id)),
        ("Objective", user_text(initiative.objective or "—")),
        ("Timeline", timeline_cell),
        ("Status", status_text(initiative.status)),
        ("Progress", progress_bar(initiative.progress, width=20)),
        ("Pillar", pillar_cell),
        ("Partners", user_text(", ".join(initiative.partners) or "—")),
        ("Tags", user_text(", ".join(initiative.tags) or "—")),
    ]
    if initiative.source:
        rows.append(("Source", user_text(initiative.source)))
    for label, value in rows:
        fields.add_row(label, value)
    parts: list[Table | Text] = [user_text(initiative.title, style="bold underline"), fields]
    if initiative.progress_log:
        log = Table(title="Progress log", title_justify="left", box=box.SIMPLE_HEAD)
        log.add_column("Date", no_wrap=True)
        log.add_column("Progress", justify="right", no_wrap=True)
        log.add_column("Note", overflow="fold")
        for entry in initiative.progress_log:
            log.add_row(entry.on.isoformat(), f"{entry.percent}%", user_text(entry.note))
        parts.append(log)
    if initiative.history:
        changes = Table(title="Status history", title_justify="left", box=box.SIMPLE_HEAD)
        changes.add_column("Date", no_wrap=True)
        changes.add_column("Change", overflow="fold")
        for change in initiative.history:
            changes.add_row(
                change.on.isoformat(),
                user_text(f"{change.field}: {change.old or '—'} → {change.new}"),
            )
        parts.append(changes)
    return Group(*parts)


def print_initiative(console: Console, initiative: Initiative, portfolio: Portfolio) -> None:
    console.print(initiative_detail(initiative, portfolio))
