"""The timeline as a Mermaid gantt chart, which git hosts (GitHub, GitLab) and
Obsidian draw where a fenced ```mermaid block appears in Markdown.

Placed by the same :class:`vzwatch.domain.chart.Chart` as the terminal chart
and the SVG: each bar runs from the first day of its first quarter to the
first day after its last quarter (Mermaid's end dates are exclusive), ongoing
ones to the window's end. A section per pillar, in store order. Tags: ``done``
(status done), ``active`` (status active), ``crit`` (behind or overdue); a
blocked initiative's label ends in ``⊘ blocked``, as the terminal chart marks it.
The title ends in the day the chart is as of (``(as of 2025-03-31)``).

User text is data: Mermaid reads ``:`` ``;`` ``#``, a ``%`` among the first
two characters and a leading keyword as syntax, so those (and HTML's specials) are written as
Mermaid's entity codes (``#58;``), which it shows as the character itself.
"""

from __future__ import annotations

from datetime import date, timedelta

from vzwatch.domain.chart import Bar, Chart
from vzwatch.domain.health import Health
from vzwatch.domain.portfolio import Portfolio, Status
from vzwatch.domain.quarters import Quarter
from vzwatch.domain.report import schedule_health
from vzwatch.domain.text import visible

__all__ = ["chart_mermaid"]

# ``:`` ends a task's text, ``#`` starts an entity code, ``<>&`` would be HTML.
_SPECIAL = frozenset(":;#<>&")
# Words Mermaid's gantt grammar reads at the start of a line.
_KEYWORDS = frozenset(
    [
        "gantt",
        "title",
        "section",
        "dateformat",
        "axisformat",
        "tickinterval",
        "excludes",
        "includes",
        "todaymarker",
        "inclusiveenddates",
        "topaxis",
        "weekday",
        "weekend",
        "acctitle",
        "accdescr",
        "click",
    ]
)
CRITICAL = frozenset({Health.BEHIND, Health.OVERDUE})


def mermaid_text(value: str) -> str:
    """``value`` as Mermaid label text: one line, syntax characters as entity codes."""
    shown = visible(value).strip() or "(untitled)"
    encoded = [f"#{ord(ch)};" if ch in _SPECIAL else ch for ch in shown]
    first_word = shown.split(maxsplit=1)[0].casefold()
    if first_word in _KEYWORDS or first_word.startswith(("acctitle", "accdescr")):
        encoded[0] = f"#{ord(shown[0])};"  # no longer the keyword
    # A line whose first or second character is % is a comment to Mermaid's lexer.
    for index in range(min(2, len(shown))):
        if shown[index] == "%":
            encoded[index] = "#37;"
    return "".join(encoded)


def _tags(bar: Bar, today: date, portfolio: Portfolio) -> list[str]:
    initiative = bar.initiative
    tags = []
    if initiative.status == Status.DONE:
        tags.append("done")
    elif initiative.status == Status.ACTIVE:
        tags.append("active")
    if schedule_health(initiative, today, portfolio.milestones_of(initiative.id)) in CRITICAL:
        tags.append("crit")
    return tags


def _label(bar: Bar, blocked: bool = False) -> str:
    initiative = bar.initiative
    label = f"{initiative.title} ({bar.progress}%)"
    if initiative.status in (Status.PAUSED, Status.CANCELLED):
        label += f" {initiative.status}"
    if initiative.timeline.ongoing:
        label += " ongoing"
    if blocked:
        label += " ⊘ blocked"
    return mermaid_text(label)


def _dates(bar: Bar, first: Quarter) -> tuple[date, date]:
    start = Quarter.from_index(first.index + bar.start).start_date
    last = Quarter.from_index(first.index + bar.end - 1)
    return start, last.end_date + timedelta(days=1)


def chart_mermaid(
    window: Chart, portfolio: Portfolio, today: date, *, title: str = "", fence: bool = True
) -> str:
    """The gantt chart of ``window``, fenced as a ```mermaid block unless ``fence`` is off."""
    sections: dict[str, list[tuple[int, Bar]]] = {}
    for number, bar in enumerate(window.bars, start=1):
        sections.setdefault(bar.initiative.pillar or "", []).append((number, bar))
    rank = {pillar.id: index for index, pillar in enumerate(portfolio.pillars)}
    order = sorted(sections, key=lambda key: rank.get(key, len(rank)) if key else len(rank) + 1)
    # The title says the day the chart is as of: its percentages are that day's.
    heading = f"{title.strip()} (as of {today.isoformat()})" if title.strip() else None
    lines = ["gantt", f"    title {mermaid_text(heading or f'As of {today.isoformat()}')}"]
    lines += ["    dateFormat YYYY-MM-DD", "    axisFormat %b %Y"]
    for key in order:
        name = portfolio.pillar_name(key) if key else "No pillar"
        lines.append(f"    section {mermaid_text(name)}")
        for number, bar in sections[key]:
            start, end = _dates(bar, window.first)
            # Ids of our own: store ids may hold characters Mermaid reads as syntax.
            tags = _tags(bar, today, portfolio)
            data = [*tags, f"i{number}", start.isoformat(), end.isoformat()]
            label = _label(bar, bar.initiative.id in window.blocked)
            lines.append(f"    {label} :{', '.join(data)}")
    body = "\n".join(lines) + "\n"
    return f"```mermaid\n{body}```\n" if fence else body
