"""The chart (`vzwatch timeline`) as a Gantt chart in the terminal.

The layout (columns, bar cells, headers) comes from :mod:`vzwatch.domain.chart`;
this module only chooses glyphs and styles. A console whose encoding cannot
take block characters gets ASCII, so cron mail and `LC_ALL=C` stay readable.
"""

from __future__ import annotations

from datetime import date

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from vzwatch.domain.chart import SCALE_NAMES, Cell, Chart, Fit, Grid, fit, grid
from vzwatch.domain.text import steady, visible
from vzwatch.render.tables import STATUS_STYLES

UNICODE_GLYPHS = {
    Cell.EMPTY: " ",
    Cell.DONE: "█",
    Cell.TODO: "░",
    Cell.LEFT: "◀",
    Cell.RIGHT: "▶",
    Cell.TODAY: "┊",
    Cell.MILESTONE_DONE: "◆",
    Cell.MILESTONE_OPEN: "◇",
}
ASCII_GLYPHS = {
    Cell.EMPTY: " ",
    Cell.DONE: "#",
    Cell.TODO: "=",
    Cell.LEFT: "<",
    Cell.RIGHT: ">",
    Cell.TODAY: "|",
    Cell.MILESTONE_DONE: "*",
    Cell.MILESTONE_OPEN: "o",
}
_CELL_STYLES = {
    Cell.DONE: "green",
    Cell.TODO: "dim green",
    Cell.LEFT: "green",
    Cell.RIGHT: "green",
    Cell.TODAY: "yellow",
    Cell.MILESTONE_DONE: "bold green",
    Cell.MILESTONE_OPEN: "bold yellow",
}


_BLOCKED = {True: "⊘", False: "x"}


def is_unicode_console(console: Console) -> bool:
    return console.encoding.lower().replace("_", "-").startswith("utf")


def print_chart(console: Console, window: Chart, today: date) -> None:
    """Draw ``window`` to fit ``console.width``."""
    unicode = is_unicode_console(console)
    glyphs = UNICODE_GLYPHS if unicode else ASCII_GLYPHS
    ellipsis = "…" if unicode else "~"
    titles = [steady(visible(bar.initiative.title)) for bar in window.bars]
    layout = fit(window, console.width, max((cell_len(t) for t in titles), default=10))
    chart = grid(window, layout)
    for line in _header(chart, today, unicode):
        console.print(line, no_wrap=True, crop=True, overflow="crop")
    for title, (bar, cells) in zip(titles, chart.rows, strict=True):
        line = Text(_fit_cells(title, layout.label_width, ellipsis), style="bold")
        line.append(" ")
        if layout.show_percent:
            line.append(f"{bar.progress:>3}% ")
        row_style = STATUS_STYLES.get(bar.initiative.status, "") if bar.initiative.finished else ""
        for cell in cells:
            style = _CELL_STYLES.get(cell, "")
            line.append(glyphs[cell], style=f"{style} {row_style}".strip())
        line.rstrip()
        if bar.initiative.id in window.blocked:
            line.append(_blocked_mark(console.width - line.cell_len, unicode), style="red")
        console.print(line, no_wrap=True, crop=True, overflow="crop")
    for line in _legend(window, today, glyphs, unicode, layout):
        console.print(line)


def _blocked_mark(room: int, unicode: bool) -> str:
    """`` ⊘ blocked`` after a bar, or `` ⊘`` where that does not fit (the legend names it);
    never cut to `` ⊘ bl`` at the terminal's edge."""
    for mark in (f" {_BLOCKED[unicode]} blocked", f" {_BLOCKED[unicode]}"):
        if cell_len(mark) <= room:
            return mark
    return ""


def _header(chart: Grid, today: date, unicode: bool) -> list[Text]:
    layout = chart.fit
    pad = " " * layout.chart_left
    lines = [Text(pad + chart.year_row, style="bold")]
    if chart.period_row:
        lines.append(Text(pad + chart.period_row))
    if chart.today_char is not None:
        marker = ("▼" if unicode else "v") + " today"
        position = chart.today_char
        if position + len(marker) > layout.chart_width:
            marker = "today " + marker[0]
            position = max(0, position - len(marker) + 1)
        lines.append(Text(pad + " " * position + marker, style="yellow"))
    return lines


def _legend(
    window: Chart, today: date, glyphs: dict[Cell, str], unicode: bool, layout: Fit
) -> list[Text]:
    parts = [
        f"{glyphs[Cell.DONE]} done",
        f"{glyphs[Cell.TODO]} to do",
        f"{glyphs[Cell.RIGHT]} continues (ongoing)",
    ]
    if window.today_offset is not None:
        parts.append(f"{glyphs[Cell.TODAY]} today {today.isoformat()}")
    if any(bar.initiative.id in window.blocked for bar in window.bars):
        parts.append(f"{_BLOCKED[unicode]} blocked")
    count = len(window.bars)
    dash = "–" if unicode else "-"
    text = f"{count} initiative{'s' if count != 1 else ''}, {window.first} {dash} {window.last}"
    if window.hidden:
        text += f" ({window.hidden} outside the window not shown)"
    if layout.quarters_per_column in SCALE_NAMES:
        text += f"; one column is {SCALE_NAMES[layout.quarters_per_column]}"
    lines = [Text(text, style="dim"), Text("  ".join(parts), style="dim")]
    marks = [mark for bar in window.bars for mark in bar.marks]
    milestones = [
        f"{glyphs[cell]} milestone {state}"
        for cell, state, shown in (
            (Cell.MILESTONE_DONE, "done", any(mark.done for mark in marks)),
            (Cell.MILESTONE_OPEN, "open", any(not mark.done for mark in marks)),
        )
        if shown
    ]
    if milestones:  # a line of its own: the legend above is already 80 columns wide
        lines.append(Text("  ".join(milestones), style="dim"))
    if layout.cropped:
        lines.append(
            Text(
                "The chart is wider than the terminal and is cut at its right edge: "
                "choose a shorter window with --from and --to.",
                style="dim",
            )
        )
    return lines


def _fit_cells(text: str, width: int, ellipsis: str) -> str:
    """``text`` cut and padded to exactly ``width`` terminal cells."""
    if cell_len(text) <= width:
        return text + " " * (width - cell_len(text))
    room = width - cell_len(ellipsis)
    out = ""
    for char in text:
        if cell_len(out + char) > room:
            break
        out += char
    words = out.rstrip().rsplit(" ", 1)
    if len(words) == 2 and cell_len(words[0]) >= room // 2:  # end at a word when one is near
        out = words[0]
    out = (out + ellipsis) if room > 0 else out
    return out + " " * (width - cell_len(out))
