"""Rich tables and detail views for initiatives. User text always enters as ``Text``."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from vzwatch.domain.portfolio import Initiative, Portfolio
from vzwatch.domain.schema import INITIATIVE, Field, Status, ordered, text_value
from vzwatch.domain.text import visible
from vzwatch.render.plain import footer

STATUS_STYLES: dict[str, str] = {
    Status.PLANNED: "cyan",
    Status.ACTIVE: "green",
    Status.DONE: "bold green",
    Status.PAUSED: "yellow",
    Status.CANCELLED: "dim",
}

# The detail view's rows: the released order, then fields added to the schema later.
# The title is the heading and logs get tables of their own. Rows after the
# released ones (source, newer fields) are shown only when they have a value.
_ALWAYS_SHOWN = ("id", "objective", "timeline", "status", "progress", "pillar", "partners", "tags")
_DETAIL_FIELDS = {
    spec.attr: spec
    for spec in INITIATIVE.fields
    if spec.label and spec.type != "records" and spec.attr != "title"
}
_DETAIL = tuple(_DETAIL_FIELDS[attr] for attr in ordered(_ALWAYS_SHOWN, _DETAIL_FIELDS))


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
    table.add_column(_label("timeline"), no_wrap=True)
    table.add_column(_label("status"), no_wrap=True)
    table.add_column(_label("progress"), no_wrap=True)
    if show_pillar:
        table.add_column(_label("pillar"), overflow="fold", ratio=2)
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


def _label(attr: str) -> str:
    return INITIATIVE.field(attr).label


def _detail_cell(spec: Field, initiative: Initiative, portfolio: Portfolio) -> Text:
    if spec.type == "timeline":
        cell = Text(initiative.timeline.label)
        if initiative.timeline_text != str(initiative.timeline):
            cell.append(Text(f"  (written {visible(initiative.timeline_text)!r})", style="dim"))
        return cell
    if spec.type == "status":
        return status_text(initiative.status)
    if spec.type == "percent":
        return progress_bar(getattr(initiative, spec.attr), width=20)
    if spec.type == "pillar":
        pillar = next((p for p in portfolio.pillars if p.id == initiative.pillar), None)
        if pillar is None:
            return Text("—")
        cell = user_text(pillar.name)
        if pillar.description:
            cell.append(Text(" — " + visible(pillar.description), style="dim"))
        return cell
    return user_text(text_value(spec, initiative, portfolio) or "—")


def initiative_detail(initiative: Initiative, portfolio: Portfolio) -> Group:
    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="bold", no_wrap=True)
    fields.add_column(overflow="fold")
    for spec in _DETAIL:
        if spec.attr in _ALWAYS_SHOWN or text_value(spec, initiative, portfolio):
            fields.add_row(spec.label, _detail_cell(spec, initiative, portfolio))
    parts: list[Table | Text] = [user_text(initiative.title, style="bold underline"), fields]
    # The story in date order: announced, revisions, status changes, progress, with sources.
    from vzwatch.domain import ledger
    from vzwatch.render.ledger import story_table

    parts.append(story_table(ledger.story(initiative, portfolio)))
    return Group(*parts)


def print_initiative(console: Console, initiative: Initiative, portfolio: Portfolio) -> None:
    console.print(initiative_detail(initiative, portfolio))
