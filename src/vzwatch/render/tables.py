"""Rich tables and detail views for initiatives. User text always enters as ``Text``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import NamedTuple

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from vzwatch.domain.portfolio import Initiative, Portfolio
from vzwatch.domain.schema import INITIATIVE, Field, Status, ordered, text_value
from vzwatch.domain.text import steady, visible
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


def user_text(value: str, style: str = "", *, lines: bool = False) -> Text:
    """User text as data: never markup, never raw control characters.

    ``lines``: multi-line text (an objective, a note) keeps its line breaks
    and tabs (as spaces); every other control character is escaped. Emoji
    joiners and selectors go (``steady``): terminals disagree on their width.
    """
    if lines:
        return Text(steady(visible(value, lines=True)).expandtabs(4), style=style)
    return Text(steady(visible(value)), style=style)


def progress_bar(percent: int, width: int = 10) -> Text:
    filled = round(percent * width / 100)
    bar = Text("█" * filled, style="green")
    bar.append("░" * (width - filled), style="dim")
    bar.append(f" {percent:>3}%")
    return bar


def status_text(status: str) -> Text:
    return Text(status, style=STATUS_STYLES.get(status, ""))


# Between two columns of a SIMPLE_HEAD table: padding, the (blank) rule, padding.
COLUMN_GAP = 3
BAR_WIDTH = len("░░░░░ 100%")
PERCENT_WIDTH = len("100%")


def longest_word(text: str) -> int:
    """The widest run without spaces in ``text``, in terminal cells.

    Words of wide characters (CJK) do not count: those scripts break between
    any two characters, so they never force a column wider.
    """
    from rich.cells import cell_len

    return max((len(w) for w in text.split() if cell_len(w) == len(w)), default=0)


def fitted_widths(rows: Sequence[Sequence[Text]], width: int) -> list[int] | None:
    """Column widths for a SIMPLE_HEAD table of ``rows`` (the headings first) that
    cut no word, or None when even each column's longest word does not fit.

    Rich shrinks columns past their longest word (folding ids mid-word) and drops
    columns that do not fit; this narrows the column with the most to spare
    first, never below its longest word.
    """
    from rich.cells import cell_len

    columns = list(zip(*rows, strict=True))
    least = [max(longest_word(cell.plain) for cell in column) for column in columns]
    most = [
        max(cell_len(line) for cell in column for line in cell.plain.splitlines() or [""])
        for column in columns
    ]
    room = width - COLUMN_GAP * (len(columns) - 1)
    if sum(least) > room:
        return None
    if sum(most) <= room:
        return most
    widths = list(most)
    while sum(widths) > room:  # narrow the column with the most to spare, a cell at a time
        roomiest = max(range(len(widths)), key=lambda i: widths[i] - least[i])
        widths[roomiest] -= 1
    return widths


def print_fitted(
    console: Console,
    headings: Sequence[str],
    rows: Sequence[Sequence[Text]],
    labels: Sequence[str],
) -> None:
    """A SIMPLE_HEAD table that cuts no id or word (``fitted_widths``), or, when even
    that does not fit, a block of lines per row with ``labels`` for the cells after
    the first (``print_blocks``)."""
    widths = fitted_widths([[Text(h) for h in headings], *rows], console.width)
    if widths is None:
        print_blocks(console, labels, rows)
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for heading, width in zip(headings, widths, strict=True):
        table.add_column(heading, width=width, overflow="fold")
    for row in rows:
        table.add_row(*row)
    console.print(table)


def print_blocks(console: Console, labels: Sequence[str], rows: Sequence[Sequence[Text]]) -> None:
    """Rows too wide for a table, as a block of lines each: the first cell, then
    each other cell after its label (a cell's lines joined with `` · ``)."""
    for row in rows:
        block = Table.grid(padding=(0, 1))
        block.add_column(no_wrap=True, style="dim")
        block.add_column(overflow="fold")
        for label, cell in zip(labels, row[1:], strict=True):
            block.add_row(f"  {label}", Text(" · ").join(cell.split()))
        console.print(row[0], block)


class ListLayout(NamedTuple):
    """Which columns the list table shows at a width, most important first."""

    timeline: int  # 0: left out
    status: bool
    bar: bool  # else the percentage alone
    pillar: bool


def list_layout(
    initiatives: Sequence[Initiative], width: int, origin: Mapping[str, str] | None = None
) -> ListLayout:
    """The richest layout that leaves the Initiative / id column room for every id
    and every title word unbroken. Less important columns shrink, then go:
    the timeline wraps, the bar goes (the percentage never does), the
    timeline goes, then the status."""
    name = _name_width(initiatives, origin)
    timeline, wrapped, status = _column_widths(initiatives)
    layouts = (
        ListLayout(timeline, True, True, width >= 100),
        ListLayout(wrapped, True, True, False),
        ListLayout(wrapped, True, False, False),
        ListLayout(0, True, False, False),
        ListLayout(0, False, False, False),
    )
    for layout in layouts:
        columns = [name, layout.timeline, status * layout.status]
        columns.append(BAR_WIDTH if layout.bar else PERCENT_WIDTH)
        used = [column for column in columns if column]
        if sum(used) + COLUMN_GAP * (len(used) - 1) <= width:
            return layout
    return layouts[-1]


def _name_heading(origin: Mapping[str, str] | None) -> str:
    return "Initiative / id" if origin is None else "Initiative / id / portfolio"


def _own_id(initiative: Initiative, origin: Mapping[str, str] | None) -> str:
    """The id in its own store: a view of several shows ``portfolio:id`` where two
    stores share an id, and the table names the portfolio on a line of its own."""
    label = None if origin is None else origin.get(initiative.id)
    if label is not None and initiative.id.startswith(f"{label}:"):
        return initiative.id[len(label) + 1 :]
    return initiative.id


def _name_width(initiatives: Sequence[Initiative], origin: Mapping[str, str] | None) -> int:
    labels = [] if origin is None else [longest_word(steady(visible(o))) for o in origin.values()]
    return max(
        [len(_name_heading(origin)), *(len(_own_id(item, origin)) for item in initiatives)]
        + [longest_word(steady(visible(item.title))) for item in initiatives]
        + labels
    )


def _column_widths(initiatives: Sequence[Initiative]) -> tuple[int, int, int]:
    """The timeline column's width on one line and wrapped at spaces, the status's."""
    labels = [item.timeline.label for item in initiatives]
    timeline = max([len(_label("timeline")), *map(len, labels)])
    wrapped = max([len(_label("timeline")), *(longest_word(label) for label in labels)])
    # "Q3-2024 –" stays together: a dash never starts a line
    ranges = [len(label.split(" – ")[0]) + 2 for label in labels if " – " in label]
    wrapped = max([wrapped, *ranges])
    status = max([len(_label("status")), *(len(item.status) for item in initiatives)])
    return timeline, min(wrapped, timeline), status


def initiatives_table(
    initiatives: Sequence[Initiative],
    portfolio: Portfolio,
    *,
    title: str | None = None,
    width: int = 100,
    total: int | None = None,
    origin: Mapping[str, str] | None = None,
) -> Table:
    """One row per initiative: title with its id beneath, timeline, status, progress, pillar.

    The id sits under the title (not in a column of its own) so that both stay
    readable; titles wrap at spaces, ids never break. What else fits depends
    on the width (``list_layout``); the pillar column is added from 100 on.
    ``origin`` (a view of several stores: shown id -> portfolio) puts each
    row's portfolio under its id.
    """
    layout = list_layout(initiatives, width, origin)
    table = Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        caption=footer(len(initiatives), len(initiatives) if total is None else total),
        caption_justify="left",
        pad_edge=False,
        show_edge=False,
    )
    name_width = _name_width(initiatives, origin)
    timeline_width, _, status_width = _column_widths(initiatives)
    progress_width = BAR_WIDTH if layout.bar else PERCENT_WIDTH
    fixed = [layout.timeline, status_width * layout.status, progress_width]
    fixed = [column for column in fixed if column]
    rest = width - sum(fixed) - COLUMN_GAP * len(fixed)
    if layout.pillar:
        rest = (rest - COLUMN_GAP) * 3 // 5
    table.add_column(
        _name_heading(origin), overflow="fold", min_width=min(name_width, rest), max_width=rest
    )
    if layout.timeline:
        wraps = layout.timeline < timeline_width
        table.add_column(_label("timeline"), no_wrap=not wraps, width=layout.timeline)
    if layout.status:
        table.add_column(_label("status"), no_wrap=True, width=status_width)
    table.add_column(
        _label("progress") if layout.bar else "%",
        no_wrap=True,
        justify="left" if layout.bar else "right",
        width=progress_width,
    )
    if layout.pillar:
        table.add_column(_label("pillar"))
    for initiative in initiatives:
        name = user_text(initiative.title, style="bold")
        name.append("\n")
        name.append(user_text(_own_id(initiative, origin), style="dim"))
        if origin is not None:
            name.append("\n")
            name.append(user_text(origin.get(initiative.id, ""), style="italic"))
        row: list[Text] = [name]
        if layout.timeline:
            row.append(Text(initiative.timeline.label))
        if layout.status:
            row.append(status_text(initiative.status))
        if layout.bar:
            row.append(progress_bar(initiative.progress, width=5))
        else:
            row.append(Text(f"{initiative.progress}%"))
        if layout.pillar:
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
    origin: Mapping[str, str] | None = None,
) -> None:
    """A table of ``initiatives``; ``total`` (when more matched) goes in the footer;
    ``origin``: each row's portfolio (several stores)."""
    table = initiatives_table(
        initiatives, portfolio, title=title, width=console.width, total=total, origin=origin
    )
    console.print(table)


def _label(attr: str) -> str:
    return INITIATIVE.field(attr).label


def _detail_cell(spec: Field, initiative: Initiative, portfolio: Portfolio) -> Text:
    if spec.type == "timeline":
        cell = Text(initiative.timeline.label)
        if initiative.timeline_text != str(initiative.timeline):
            cell.append(
                Text(f"  (written {steady(visible(initiative.timeline_text))!r})", style="dim")
            )
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
            cell.append(Text(" — " + steady(visible(pillar.description)), style="dim"))
        return cell
    return user_text(text_value(spec, initiative, portfolio) or "—", lines=spec.type == "text")


def initiative_detail(initiative: Initiative, portfolio: Portfolio) -> Group:
    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="bold", no_wrap=True)
    fields.add_column(overflow="fold")
    for spec in _DETAIL:
        if spec.attr in _ALWAYS_SHOWN or text_value(spec, initiative, portfolio):
            cell = _detail_cell(spec, initiative, portfolio)
            if spec.attr == "progress" and initiative.progress_from_indicators:
                cell.append(Text("  (from its indicators)", style="dim"))
            fields.add_row(spec.label, cell)
    parts: list[Table | Text] = [user_text(initiative.title, style="bold underline"), fields]
    # The story in date order: announced, revisions, status changes, progress, with sources.
    from vzwatch.domain import ledger
    from vzwatch.render.ledger import story_table

    parts.append(story_table(ledger.story(initiative, portfolio)))
    return Group(*parts)


def print_initiative(
    console: Console,
    initiative: Initiative,
    portfolio: Portfolio,
    *,
    as_of: str | None = None,
    today: date | None = None,
) -> None:
    """The detail view; ``as_of`` (a heading such as "As of 2025-02-15") goes first;
    ``today`` is the day its indicators' health is judged on."""
    if as_of:
        console.print(Text(as_of, style="dim"))
    console.print(initiative_detail(initiative, portfolio))
    if initiative.indicators and today is not None:
        from vzwatch.render.indicators import indicators_view

        pairs = [(initiative, indicator) for indicator in initiative.indicators]
        console.print(indicators_view(console, pairs, today))
