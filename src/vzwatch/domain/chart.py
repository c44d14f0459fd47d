"""The chart of `vzwatch timeline` (initiatives on a window of quarters), worked out
without drawing it. A "timeline" is an initiative's span of quarters (``quarters``).

Two levels, both pure (no Rich, no clock; ``today`` is a parameter):

* :func:`make_chart` places initiatives on a window of quarters: which quarters are
  shown, where each bar starts and ends (in quarters from the window's left
  edge), whether it continues beyond an edge, and where today falls. The SVG
  picture draws this directly.
* :func:`fit` and :func:`grid` turn a chart into character cells for a
  terminal of a given width: how many quarters share a column, how wide a
  column and the title column are, the header lines, and one cell kind per
  character of each bar. The Rich renderer only maps cell kinds to glyphs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import Enum

from vzwatch.domain.errors import InvalidQuarter, UsageError
from vzwatch.domain.portfolio import Initiative, Milestone
from vzwatch.domain.quarters import Quarter
from vzwatch.domain.text import cell_width

__all__ = [
    "SCALE_NAMES",
    "Bar",
    "Cell",
    "Chart",
    "Fit",
    "Grid",
    "Mark",
    "default_window",
    "fit",
    "grid",
    "make_chart",
    "truncate",
]

# Quarters that share one terminal column when the window is too wide: a quarter,
# a half year, a year, then 2, 5 and 10 years (a window of decades at 40
# columns). Columns start on a multiple, so a half is always H1 or H2.
GRANULARITIES = (1, 2, 4, 8, 20, 40)
SCALE_NAMES = {2: "a half year", 4: "a year", 8: "2 years", 20: "5 years", 40: "10 years"}
MIN_CELL_WIDTH = 3  # "Q1" and a space
MAX_CELL_WIDTH = 14  # per quarter; wider bars only waste the terminal
PERCENT_WIDTH = 4  # "100%"
MIN_LABEL_WIDTH = 12
COMFORTABLE_LABEL_WIDTH = 24
COMFORTABLE_CELL_WIDTH = 6
NARROW_LABEL_WIDTH = 6
MAX_LABEL_WIDTH = 40
MIN_QUARTERS = 4  # a default window shows at least a year
GAP = 1  # spaces between the title, the percentage and the chart


@dataclass(frozen=True, slots=True)
class Mark:
    """A milestone on its bar: ◆ when done by today, ◇ while open."""

    milestone: Milestone
    quarter: int  # its quarter, in quarters from the window's first quarter
    done: bool  # done by the chart's today


@dataclass(frozen=True, slots=True)
class Bar:
    """One initiative's bar, in quarters from the window's first quarter."""

    initiative: Initiative
    start: int  # first quarter covered (0-based, clipped to the window)
    end: int  # one past the last quarter covered (clipped to the window)
    open_left: bool  # started before the window, or its start is unknown
    open_right: bool  # ongoing, or ends after the window
    marks: tuple[Mark, ...] = ()  # its milestones whose quarter is in the window

    @property
    def progress(self) -> int:
        return self.initiative.progress


@dataclass(frozen=True, slots=True)
class Chart:
    """Initiatives placed on a window of quarters."""

    first: Quarter
    last: Quarter
    bars: tuple[Bar, ...]
    hidden: int  # initiatives entirely outside the window
    current: Quarter  # the quarter of today
    today_offset: float | None  # today, in quarters from ``first``; None outside the window
    blocked: frozenset[str] = frozenset()  # ids of the blocked initiatives (dependencies.py)

    @property
    def quarters(self) -> list[Quarter]:
        return [Quarter.from_index(i) for i in range(self.first.index, self.last.index + 1)]


def default_window(initiatives: Sequence[Initiative], today: date) -> tuple[Quarter, Quarter]:
    """A window covering every known quarter of the data and today.

    Ongoing initiatives get one quarter of room after today, so their open end
    shows; a window shorter than a year is widened to a year.
    """
    current = Quarter.containing(today)
    starts = [i.timeline.start for i in initiatives if i.timeline.start is not None]
    ends = [i.timeline.end for i in initiatives if i.timeline.end is not None]
    first = min([*starts, current])
    last = max([*starts, *ends, current])
    if any(i.timeline.ongoing for i in initiatives):
        last = max(last, _shift(current, 1))
        last = max(
            [
                last,
                *(
                    _shift(i.timeline.start, 1)
                    for i in initiatives
                    if i.timeline.ongoing and i.timeline.start
                ),
            ]
        )
    while last.index - first.index + 1 < MIN_QUARTERS:
        last = _shift(last, 1)
    return first, last


def _shift(quarter: Quarter, n: int) -> Quarter:
    try:
        return quarter.shifted(n)
    except InvalidQuarter:  # at the edge of the supported years, stay put
        return quarter


def make_chart(
    initiatives: Sequence[Initiative],
    today: date,
    first: Quarter | None = None,
    last: Quarter | None = None,
    blocked: frozenset[str] = frozenset(),
    milestones: Mapping[str, Sequence[Milestone]] | None = None,
) -> Chart:
    """Place ``initiatives`` (in the order given) on the window ``first``..``last``;
    ``blocked`` names the ones to mark as blocked; ``milestones`` (by initiative id)
    are marked on their bars, in their quarter, if it is in the window.

    Missing ends of the window come from :func:`default_window`.
    """
    default_first, default_last = default_window(initiatives, today)
    if first is None:
        first = default_first if last is None or default_first <= last else last
    if last is None:
        last = default_last if first <= default_last else _shift(first, MIN_QUARTERS - 1)
    if last < first:
        raise UsageError(f"--to {last} is before --from {first}")
    bars: list[Bar] = []
    hidden = 0
    for initiative in initiatives:
        bar = _bar(initiative, first, last)
        if bar is None:
            hidden += 1
            continue
        own = milestones.get(initiative.id, ()) if milestones else ()
        marks = tuple(
            Mark(item, item.quarter.index - first.index, item.done_by(today))
            for item in own
            if first <= item.quarter <= last
        )
        bars.append(replace(bar, marks=marks) if marks else bar)
    current = Quarter.containing(today)
    offset: float | None = None
    if first <= current <= last:
        within = (today - current.start_date).days / current.days
        offset = current.index - first.index + within
    return Chart(first, last, tuple(bars), hidden, current, offset, blocked)


def _bar(initiative: Initiative, first: Quarter, last: Quarter) -> Bar | None:
    timeline = initiative.timeline
    start = timeline.start.index if timeline.start is not None else None
    end = timeline.end.index if timeline.end is not None else None
    if (start is not None and start > last.index) or (end is not None and end < first.index):
        return None
    shown_start = first.index if start is None else max(start, first.index)
    shown_end = last.index if end is None else min(end, last.index)
    return Bar(
        initiative=initiative,
        start=shown_start - first.index,
        end=shown_end - first.index + 1,
        open_left=start is None or start < first.index,
        open_right=end is None or end > last.index,
    )


# --- characters ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fit:
    """How a window of quarters fits a terminal width."""

    quarters_per_column: int
    first: Quarter  # the window widened to whole columns
    columns: int
    cell_width: int  # characters per column
    label_width: int
    show_percent: bool
    cropped: bool = False  # even the coarsest columns did not fit: the console crops

    @property
    def chart_width(self) -> int:
        return self.columns * self.cell_width

    @property
    def chart_left(self) -> int:
        """Characters before the chart: the title, the percentage and the gaps."""
        percent = PERCENT_WIDTH + GAP if self.show_percent else 0
        return self.label_width + GAP + percent

    def chars_per_quarter(self) -> float:
        return self.cell_width / self.quarters_per_column


def _aligned(first: Quarter, last: Quarter, per_column: int) -> tuple[Quarter, int]:
    """The window's first quarter moved back to a column boundary, and the column count."""
    start = first.index - (first.index % per_column)
    columns = math.ceil((last.index + 1 - start) / per_column)
    return Quarter.from_index(start), columns


def fit(window: Chart, width: int, longest_label: int) -> Fit:
    """Choose columns and a title width so the chart fits ``width`` characters.

    Quarters get their own column when that fits; otherwise half years, then
    years. A narrow terminal first shortens titles to 12 characters, then to 6
    and drops the percentage (the bar still shows progress). The title column
    then gets what is left, up to the longest title, and the columns widen.
    """
    wanted_label = max(1, min(longest_label, MAX_LABEL_WIDTH))
    attempts = [(MIN_LABEL_WIDTH, True), (NARROW_LABEL_WIDTH, True), (NARROW_LABEL_WIDTH, False)]
    for label_floor, show_percent in attempts:
        label = min(wanted_label, label_floor)
        fixed = GAP + (PERCENT_WIDTH + GAP if show_percent else 0)
        for per_column in GRANULARITIES:
            first, columns = _aligned(window.first, window.last, per_column)
            spare = width - fixed - label - columns * MIN_CELL_WIDTH
            if spare >= 0:
                return _spread(per_column, first, columns, show_percent, label, wanted_label, spare)
    # Nothing fits: years and the narrowest title; the console crops the rest.
    first, columns = _aligned(window.first, window.last, GRANULARITIES[-1])
    label = min(wanted_label, NARROW_LABEL_WIDTH)
    return Fit(GRANULARITIES[-1], first, columns, MIN_CELL_WIDTH, label, False, cropped=True)


def _spread(
    per_column: int,
    first: Quarter,
    columns: int,
    show_percent: bool,
    label: int,
    wanted_label: int,
    spare: int,
) -> Fit:
    """Share the spare width: a readable title, then readable bars, then the rest."""
    widths = {"label": label, "cell": MIN_CELL_WIDTH}
    steps = [
        ("label", min(wanted_label, COMFORTABLE_LABEL_WIDTH)),
        ("cell", COMFORTABLE_CELL_WIDTH * per_column),
        ("label", wanted_label),
        ("cell", MAX_CELL_WIDTH * per_column),
    ]
    for part, target in steps:
        unit = columns if part == "cell" else 1
        grow = max(0, min(target - widths[part], spare // unit))
        widths[part] += grow
        spare -= grow * unit
    return Fit(per_column, first, columns, widths["cell"], widths["label"], show_percent)


class Cell(Enum):
    """What one character of a bar row shows."""

    EMPTY = "empty"
    DONE = "done"  # the part of the bar covered by progress
    TODO = "todo"  # the rest of the bar
    LEFT = "left"  # the bar continues before the window (or its start is unknown)
    RIGHT = "right"  # the bar continues after the window (ongoing)
    TODAY = "today"  # today's line, drawn over bars as well
    MILESTONE_DONE = "milestone done"  # a milestone done by today, in its quarter
    MILESTONE_OPEN = "milestone open"  # a milestone not done yet


@dataclass(frozen=True, slots=True)
class Grid:
    """A chart laid out in characters."""

    fit: Fit
    year_row: str
    period_row: str  # Q1..Q4 or H1/H2 labels; empty when columns are years
    today_char: int | None  # offset of today's line in the chart
    rows: tuple[tuple[Bar, tuple[Cell, ...]], ...]


def grid(window: Chart, layout: Fit) -> Grid:
    """Header lines and the cells of every bar for ``layout``."""
    scale = layout.chars_per_quarter()
    shift = window.first.index - layout.first.index  # quarters added by column alignment
    today_char: int | None = None
    if window.today_offset is not None:
        today_char = min(layout.chart_width - 1, int((window.today_offset + shift) * scale))
    rows = tuple(
        (bar, bar_cells(bar, shift, scale, layout.chart_width, today_char)) for bar in window.bars
    )
    return Grid(
        fit=layout,
        year_row=_year_row(layout),
        period_row=_period_row(layout),
        today_char=today_char,
        rows=rows,
    )


def bar_cells(
    bar: Bar, shift: int, scale: float, width: int, today_char: int | None = None
) -> tuple[Cell, ...]:
    """The characters of one bar row: progress fills the bar from the left; today's
    line (``today_char``) crosses every row, bar or not."""
    cells = [Cell.EMPTY] * width
    # a short bar in the last coarse column would round past the edge: keep it in
    start = min(round((bar.start + shift) * scale), width - 1)
    end = max(start + 1, round((bar.end + shift) * scale))
    end = min(end, width)
    length = end - start
    filled = progress_cells(bar.progress, length)
    for position in range(start, end):
        cells[position] = Cell.DONE if position - start < filled else Cell.TODO
    if bar.open_left:
        cells[start] = Cell.LEFT
    if bar.open_right:
        cells[end - 1] = Cell.RIGHT
    if today_char is not None:  # on top of the bar too: today is what the chart is read from
        cells[today_char] = Cell.TODAY
    for mark in bar.marks:
        spot = _mark_position(mark.quarter + shift, scale, width, today_char)
        if spot is not None and cells[spot] is not Cell.MILESTONE_DONE:
            # A done one wins a shared cell.
            cells[spot] = Cell.MILESTONE_DONE if mark.done else Cell.MILESTONE_OPEN
    return tuple(cells)


def _mark_position(quarter: int, scale: float, width: int, today_char: int | None) -> int | None:
    """The cell of a milestone: the middle of its quarter's cells, beside today's line
    when that crosses it (today stays visible); None when its quarter has no other cell."""
    first = min(int(quarter * scale), width - 1)
    last = max(first, min(int((quarter + 1) * scale) - 1, width - 1))
    middle = min(max(int((quarter + 0.5) * scale), first), last)
    for position in (middle, middle + 1, middle - 1):
        if first <= position <= last and position != today_char:
            return position
    return None


def progress_cells(percent: int, length: int) -> int:
    """How many of ``length`` cells show ``percent``: any progress shows, only 100% fills."""
    filled = round(percent * length / 100)
    if percent > 0:
        filled = max(filled, 1)
    if percent < 100:
        filled = min(filled, length - 1)
    return max(0, min(filled, length))


def _column_quarters(layout: Fit) -> list[Quarter]:
    return [
        Quarter.from_index(layout.first.index + column * layout.quarters_per_column)
        for column in range(layout.columns)
    ]


def _year_row(layout: Fit) -> str:
    """Each year's label at the column where it starts ('2024', or '24 when narrow)."""
    row = [" "] * layout.chart_width
    starts: list[tuple[int, int]] = []  # (char, year)
    for column, quarter in enumerate(_column_quarters(layout)):
        if not starts or starts[-1][1] != quarter.year:
            starts.append((column * layout.cell_width, quarter.year))
    for number, (char, year) in enumerate(starts):
        room = (starts[number + 1][0] if number + 1 < len(starts) else layout.chart_width) - char
        short = f"{year % 100:02d}"
        label = next((text for text in (str(year), "'" + short, short) if len(text) < room), "")
        row[char : char + len(label)] = label
    return "".join(row).rstrip()


def _period_row(layout: Fit) -> str:
    if layout.quarters_per_column >= 4:
        return ""
    row = []
    for quarter in _column_quarters(layout):
        if layout.quarters_per_column == 1:
            label = f"Q{quarter.number}"
        else:
            label = f"H{(quarter.number + 1) // 2}"
        row.append(label.ljust(layout.cell_width))
    return "".join(row).rstrip()


def truncate(text: str, width: int, ellipsis: str = "…") -> str:
    """``text`` cut to ``width`` cells (a CJK character takes two, as in a terminal,
    and about twice a Latin letter's width in the SVG), ending in ``ellipsis`` when cut."""
    if cell_width(text) <= width:
        return text
    marked = width > cell_width(ellipsis)
    room = width - cell_width(ellipsis) if marked else width
    kept: list[str] = []
    used = 0
    for char in text:
        used += cell_width(char)
        if used > room:
            break
        kept.append(char)
    return "".join(kept) + (ellipsis if marked else "")
