"""The chart (`vzwatch timeline --svg/--html`) as an SVG picture or an HTML page, to share.

Drawn from the same :class:`vzwatch.domain.chart.Chart` as the terminal chart, as
plain SVG 1.1 shapes and text: no script, no external fonts or links, so it
opens in any browser and can be attached to a mail. User text is data here
too: XML-escaped, control characters shown as ``\\x1b``, and characters XML
cannot hold at all replaced.
"""

from __future__ import annotations

import re
from datetime import date
from xml.sax.saxutils import escape, quoteattr

from vzwatch.domain.chart import Bar, Chart, progress_cells, truncate
from vzwatch.domain.schema import Status
from vzwatch.domain.text import visible

__all__ = ["chart_html", "chart_svg"]

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
MARGIN = 24
LABEL_WIDTH = 280
PERCENT_WIDTH = 48
ROW_HEIGHT = 30
BAR_HEIGHT = 16
HEADER_HEIGHT = 86
LEGEND_HEIGHT = 64
MAX_LABEL_CHARS = 38
MIN_WIDTH = 640  # the legend's width
CHART_WIDTH = 720  # target width of the quarters; each quarter gets 24..90 px

STATUS_COLOURS: dict[str, tuple[str, str]] = {
    Status.PLANNED: ("#2563eb", "#bfdbfe"),  # (progress fill, rest of the bar)
    Status.ACTIVE: ("#059669", "#a7f3d0"),
    Status.DONE: ("#15803d", "#bbf7d0"),
    Status.PAUSED: ("#d97706", "#fde68a"),
    Status.CANCELLED: ("#6b7280", "#e5e7eb"),
}
TODAY_COLOUR = "#dc2626"
BLOCKED_COLOUR = "#b91c1c"
BLOCKED_MARK = "⊘ blocked"  # as the terminal chart marks it
BLOCKED_ROOM = 84  # px right of the chart for the mark after a bar
GRID_COLOUR = "#d1d5db"
TEXT_COLOUR = "#111827"
MUTED_COLOUR = "#6b7280"
BAND_COLOUR = "#f3f4f6"

# XML 1.0 cannot contain these at all, not even escaped.
_NOT_XML = re.compile("[\ufffe\uffff]")


def _text(value: str) -> str:
    """User text as XML character data."""
    return escape(_NOT_XML.sub("\ufffd", visible(value)))


def _attr(value: str) -> str:
    return quoteattr(_NOT_XML.sub("\ufffd", visible(value)))


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def chart_svg(window: Chart, today: date, *, title: str = "") -> str:
    """A standalone SVG document of the timeline."""
    quarters = window.quarters
    quarter_width = max(24.0, min(90.0, CHART_WIDTH / len(quarters)))
    chart_left = MARGIN + LABEL_WIDTH + PERCENT_WIDTH
    chart_width = quarter_width * len(quarters)
    blocked = {bar.initiative.id for bar in window.bars} & window.blocked
    room = 16 + (BLOCKED_ROOM if blocked else 0)  # an arrow head, a blocked mark
    width = max(MIN_WIDTH, chart_left + chart_width + MARGIN + room)
    top = MARGIN + HEADER_HEIGHT
    height = top + ROW_HEIGHT * max(1, len(window.bars)) + LEGEND_HEIGHT + MARGIN

    def x(offset: float) -> str:
        return _number(chart_left + offset * quarter_width)

    out: list[str] = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{_number(width)}" '
        f'height="{height}" viewBox="0 0 {_number(width)} {height}" '
        f'font-family="{FONT}" font-size="13" role="img" aria-label={_attr(title or "Timeline")}>',
        f"<title>{_text(title or 'Timeline')}</title>",
        f'<rect x="0" y="0" width="{_number(width)}" height="{height}" fill="#ffffff"/>',
    ]
    if title:
        out.append(
            f'<text x="{MARGIN}" y="{MARGIN + 16}" font-size="17" font-weight="600" '
            f'fill="{TEXT_COLOUR}">{_text(truncate(title, 110))}</text>'
        )
    chart_top = top - 34
    chart_bottom = top + ROW_HEIGHT * max(1, len(window.bars))
    # Alternate years in light bands, with the year above and quarters below it.
    for number, quarter in enumerate(quarters):
        if quarter.year % 2 == 0:
            out.append(
                f'<rect x="{x(number)}" y="{chart_top - 22}" width="{_number(quarter_width)}" '
                f'height="{chart_bottom - chart_top + 22}" fill="{BAND_COLOUR}"/>'
            )
    for number, quarter in enumerate(quarters):
        if number == 0 or quarter.number == 1:
            out.append(
                f'<text x="{_number(float(x(number)) + 4)}" y="{chart_top - 6}" '
                f'font-weight="600" fill="{TEXT_COLOUR}">{quarter.year}</text>'
            )
        out.append(
            f'<text x="{_number(float(x(number)) + quarter_width / 2)}" y="{chart_top + 14}" '
            f'text-anchor="middle" fill="{MUTED_COLOUR}">Q{quarter.number}</text>'
        )
        out.append(
            f'<line x1="{x(number)}" y1="{chart_top}" x2="{x(number)}" y2="{chart_bottom}" '
            f'stroke="{GRID_COLOUR}" stroke-width="1"/>'
        )
    out.append(
        f'<line x1="{x(len(quarters))}" y1="{chart_top}" x2="{x(len(quarters))}" '
        f'y2="{chart_bottom}" stroke="{GRID_COLOUR}" stroke-width="1"/>'
    )
    out.append(
        f'<text x="{MARGIN}" y="{chart_top + 14}" font-weight="600" '
        f'fill="{MUTED_COLOUR}">Initiative</text>'
    )
    out.append(
        f'<text x="{chart_left - 10}" y="{chart_top + 14}" text-anchor="end" font-weight="600" '
        f'fill="{MUTED_COLOUR}">Done</text>'
    )
    for row, bar in enumerate(window.bars):
        is_blocked = bar.initiative.id in blocked
        out.extend(_bar(bar, top + row * ROW_HEIGHT, chart_left, quarter_width, is_blocked))
    if not window.bars:
        out.append(
            f'<text x="{MARGIN}" y="{top + 20}" fill="{MUTED_COLOUR}">'
            "No initiatives in this window.</text>"
        )
    if window.today_offset is not None:
        line_x = x(window.today_offset)
        out.append(
            f'<line x1="{line_x}" y1="{chart_top}" x2="{line_x}" y2="{chart_bottom}" '
            f'stroke="{TODAY_COLOUR}" stroke-width="2" stroke-dasharray="5 3"/>'
        )
        out.append(
            f'<text x="{line_x}" y="{chart_bottom + 14}" text-anchor="middle" font-size="11" '
            f'fill="{TODAY_COLOUR}">today {today.isoformat()}</text>'
        )
    out.extend(_legend(window, chart_bottom + 34, bool(blocked)))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _bar(
    bar: Bar, y: float, chart_left: float, quarter_width: float, blocked: bool = False
) -> list[str]:
    initiative = bar.initiative
    fill, rest = STATUS_COLOURS.get(initiative.status, STATUS_COLOURS[Status.PLANNED])
    middle = y + ROW_HEIGHT / 2
    left = chart_left + bar.start * quarter_width + 2
    length = (bar.end - bar.start) * quarter_width - 4
    # Progress in whole pixels, by the same rule as the terminal: any progress shows.
    done = progress_cells(bar.progress, round(length))
    tooltip = f"{initiative.title} ({initiative.timeline_text}): {initiative.status}, "
    tooltip += f"{bar.progress}% done"
    if blocked:
        tooltip += ", blocked: a dependency is unfinished"
    bar_top = middle - BAR_HEIGHT / 2
    parts = [
        "<g>",
        f"<title>{_text(tooltip)}</title>",
        f'<text x="{MARGIN}" y="{_number(middle + 4)}" fill="{TEXT_COLOUR}">'
        f"{_text(truncate(initiative.title, MAX_LABEL_CHARS))}</text>",
        f'<text x="{_number(chart_left - 10)}" y="{_number(middle + 4)}" text-anchor="end" '
        f'fill="{MUTED_COLOUR}">{bar.progress}%</text>',
        f'<rect x="{_number(left)}" y="{_number(bar_top)}" width="{_number(length)}" '
        f'height="{BAR_HEIGHT}" rx="4" fill="{rest}"/>',
    ]
    if done:
        parts.append(
            f'<rect x="{_number(left)}" y="{_number(bar_top)}" width="{done}" '
            f'height="{BAR_HEIGHT}" rx="4" fill="{fill}"/>'
        )
    if bar.open_right:
        tip = left + length
        parts.append(
            f'<polygon points="{_number(tip)},{_number(bar_top - 3)} '
            f"{_number(tip + 12)},{_number(middle)} {_number(tip)},"
            f'{_number(bar_top + BAR_HEIGHT + 3)}" fill="{rest}" stroke="{fill}"/>'
        )
    if bar.open_left:
        parts.append(
            f'<polygon points="{_number(left)},{_number(bar_top - 3)} '
            f"{_number(left - 10)},{_number(middle)} {_number(left)},"
            f'{_number(bar_top + BAR_HEIGHT + 3)}" fill="{fill}"/>'
        )
    parts.extend(_marks(bar, middle, chart_left, quarter_width))
    if blocked:  # a red outline, and the mark after the bar (and its arrow head)
        parts.append(
            f'<rect x="{_number(left)}" y="{_number(bar_top)}" width="{_number(length)}" '
            f'height="{BAR_HEIGHT}" rx="4" fill="none" stroke="{BLOCKED_COLOUR}" '
            'stroke-width="2" stroke-dasharray="4 2"/>'
        )
        after = left + length + (16 if bar.open_right else 6)
        parts.append(
            f'<text x="{_number(after)}" y="{_number(middle + 4)}" font-weight="600" '
            f'fill="{BLOCKED_COLOUR}">{BLOCKED_MARK}</text>'
        )
    parts.append("</g>")
    return parts


MARK_RADIUS = 6  # half the diagonal of a milestone's diamond


def _marks(bar: Bar, middle: float, chart_left: float, quarter_width: float) -> list[str]:
    """Each milestone as a diamond in the middle of its quarter: filled when done by
    today (◆), hollow while open (◇), its title and state in a tooltip."""
    parts = []
    for mark in bar.marks:
        centre = chart_left + (mark.quarter + 0.5) * quarter_width
        milestone = mark.milestone
        state = f"done {milestone.done}" if mark.done else "open"
        tooltip = f"Milestone: {milestone.title} ({milestone.quarter}, {state})"
        points = " ".join(
            f"{_number(px)},{_number(py)}"
            for px, py in (
                (centre, middle - MARK_RADIUS),
                (centre + MARK_RADIUS, middle),
                (centre, middle + MARK_RADIUS),
                (centre - MARK_RADIUS, middle),
            )
        )
        fill = TEXT_COLOUR if mark.done else "#ffffff"
        parts.append(
            f'<polygon points="{points}" '
            f'fill="{fill}" stroke="{TEXT_COLOUR}" stroke-width="1.5">'
            f"<title>{_text(tooltip)}</title></polygon>"
        )
    return parts


def _legend(window: Chart, y: float, blocked: bool = False) -> list[str]:
    fill, rest = STATUS_COLOURS[Status.PLANNED]
    count = len(window.bars)
    summary = f"{count} initiative{'s' if count != 1 else ''}, {window.first} – {window.last}"
    if window.hidden:
        summary += f" ({window.hidden} outside the window not shown)"
    has_marks = any(bar.marks for bar in window.bars)
    milestones = "; ◆ milestone done, ◇ open" if has_marks else ""
    marks = []
    if blocked:
        marks.append(
            f'<text x="{MARGIN + 446}" y="{y}" fill="{BLOCKED_COLOUR}">'
            f"{BLOCKED_MARK}: a dependency is unfinished</text>"
        )
    return [
        *marks,
        f'<rect x="{MARGIN}" y="{y - 10}" width="22" height="10" rx="2" fill="{fill}"/>',
        f'<text x="{MARGIN + 28}" y="{y}" fill="{MUTED_COLOUR}">done</text>',
        f'<rect x="{MARGIN + 70}" y="{y - 10}" width="22" height="10" rx="2" fill="{rest}"/>',
        f'<text x="{MARGIN + 98}" y="{y}" fill="{MUTED_COLOUR}">to do</text>',
        f'<text x="{MARGIN + 146}" y="{y}" fill="{MUTED_COLOUR}">▶ ongoing or continues</text>',
        f'<text x="{MARGIN + 316}" y="{y}" fill="{MUTED_COLOUR}">◀ started earlier</text>',
        f'<text x="{MARGIN}" y="{y + 20}" fill="{MUTED_COLOUR}">'
        f"{_text(summary)}; a bar's colour shows its status{milestones}</text>",
    ]


def chart_html(window: Chart, today: date, *, title: str = "") -> str:
    """An HTML page that shows the SVG picture (no script, no external resources)."""
    svg = chart_svg(window, today, title=title)
    body = svg.split("\n", 1)[1]  # an inline <svg> takes no XML declaration
    heading = _text(title or "Timeline")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{heading}</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<style>body {{ font-family: {FONT}; margin: 2rem; color: {TEXT_COLOUR}; }}"
        " svg { max-width: 100%; height: auto; }</style>\n"
        f"</head>\n<body>\n{body}"
        f"<p>Made by vzwatch on {today.isoformat()}.</p>\n</body>\n</html>\n"
    )
