"""iCalendar (RFC 5545) export: one all-day entry per initiative.

Events (VEVENT) by default, because that is what calendar software shows:
Google Calendar and Outlook import VEVENTs only and drop VTODOs silently.
Tasks (VTODO) are available for task managers (Apple Reminders, Thunderbird);
only they can carry ``PERCENT-COMPLETE``.

* UID is ``<id>@vzwatch``: the same on every export, so re-importing or a
  subscription updates entries instead of duplicating them.
* Dates are all-day ``DATE`` values at quarter boundaries. An event's DTEND
  is exclusive (the first day after the last quarter); a task's DUE is the
  last day of its last quarter, as people read "due".
* An ongoing event runs from its start (or, unknown, from this quarter) to the
  end of the current quarter, and says "(ongoing)"; each export extends it. An
  ongoing task simply has no DUE.
* A milestone of an exported initiative is an entry of its own, UID
  ``<id>.milestone@vzwatch``: an all-day event on the day it was done, or
  while open on the last day of its quarter; a task due on that last day,
  ``COMPLETED`` (with the day) once done. Done means done by ``today``.
* The calendar says the day it is as of (``--today``): ``X-WR-CALDESC`` for
  people, ``X-VZWATCH-AS-OF`` (a DATE) for programs.
* Lines end in CRLF and are folded at 75 octets without splitting a UTF-8
  character; TEXT escapes backslash, semicolon, comma and newline.

Pure: ``today`` and the DTSTAMP time come in as arguments.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Literal

from vzwatch import __version__
from vzwatch.domain.portfolio import Initiative, Milestone, Portfolio
from vzwatch.domain.quarters import Quarter
from vzwatch.domain.schema import INITIATIVE, Status, ordered, text_value
from vzwatch.domain.text import visible

__all__ = ["AS_OF_PROPERTY", "calendar", "escape_text", "fold", "uid"]

Component = Literal["event", "todo"]

# Every status has an entry (tests/test_ics.py); one written by a newer vzwatch gets the default.
EVENT_STATUS: dict[str, str] = {
    Status.PLANNED: "TENTATIVE",
    Status.PAUSED: "TENTATIVE",
    Status.ACTIVE: "CONFIRMED",
    Status.DONE: "CONFIRMED",
    Status.CANCELLED: "CANCELLED",
}
TODO_STATUS: dict[str, str] = {
    Status.PLANNED: "NEEDS-ACTION",
    Status.PAUSED: "NEEDS-ACTION",
    Status.ACTIVE: "IN-PROCESS",
    Status.DONE: "COMPLETED",
    Status.CANCELLED: "CANCELLED",
}
_DEFAULT_STATUS = {"event": EVENT_STATUS[Status.PLANNED], "todo": TODO_STATUS[Status.PLANNED]}

# DESCRIPTION's "Label: value" lines, in the released order, then newer fields. The
# others have places of their own: SUMMARY (title), the first paragraph (objective),
# CATEGORIES (tags), the last line (id); logs are not described.
_ELSEWHERE = ("id", "title", "objective", "tags")
_DESCRIBED_FIELDS = {
    spec.attr: spec
    for spec in INITIATIVE.fields
    if spec.label and spec.type != "records" and spec.attr not in _ELSEWHERE
}
_DESCRIBED = tuple(
    _DESCRIBED_FIELDS[attr]
    for attr in ordered(
        ("timeline", "status", "progress", "pillar", "partners", "source"), _DESCRIBED_FIELDS
    )
)
LINE_LIMIT = 75  # octets, CRLF not counted
AS_OF_PROPERTY = "X-VZWATCH-AS-OF"  # the calendar's as-of day (--today)


def uid(initiative: Initiative) -> str:
    """The entry's stable identifier: ids are unique in a store and never change."""
    return f"{initiative.id}@vzwatch"


def escape_text(value: str) -> str:
    """A TEXT value: control characters shown as ``\\x1b``, then RFC 5545 escapes."""
    lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    text = "\n".join(visible(line) for line in lines)
    for raw, escaped in (("\\", "\\\\"), (";", "\\;"), (",", "\\,"), ("\n", "\\n")):
        text = text.replace(raw, escaped)
    return text


def fold(line: str) -> str:
    """Fold a content line at 75 octets; continuation lines start with one space."""
    if len(line.encode("utf-8")) <= LINE_LIMIT:
        return line
    pieces: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > LINE_LIMIT:
            pieces.append(current)
            current, size = " ", 1
        current += char
        size += width
    pieces.append(current)
    return "\r\n".join(pieces)


def _date(day: date) -> str:
    return day.strftime("%Y%m%d")


def _span(initiative: Initiative, today: date) -> tuple[date, date | None]:
    """First day and last day (None when ongoing) of the initiative's quarters."""
    timeline = initiative.timeline
    start = timeline.start or Quarter.containing(today)
    end = timeline.end.end_date if timeline.end is not None else None
    return start.start_date, end


def _description(initiative: Initiative, portfolio: Portfolio | None) -> str:
    parts = []
    if initiative.objective:
        parts.append(initiative.objective)
        parts.append("")
    for spec in _DESCRIBED:
        value = text_value(spec, initiative, portfolio)
        if value:
            parts.append(f"{spec.label}: {value}")
    parts.append(f"vzwatch id: {initiative.id}")
    return "\n".join(parts)


def _status(initiative: Initiative, component: Component) -> str:
    statuses = EVENT_STATUS if component == "event" else TODO_STATUS
    return statuses.get(initiative.status, _DEFAULT_STATUS[component])


def _entry(
    initiative: Initiative,
    portfolio: Portfolio | None,
    today: date,
    stamp: str,
    component: Component,
) -> list[str]:
    first_day, last_day = _span(initiative, today)
    summary = initiative.title + (" (ongoing)" if initiative.timeline.ongoing else "")
    lines = [f"UID:{uid(initiative)}", f"DTSTAMP:{stamp}", f"DTSTART;VALUE=DATE:{_date(first_day)}"]
    if component == "event":
        if last_day is None:
            start = initiative.timeline.start or Quarter.containing(today)
            last_day = max(Quarter.containing(today), start).end_date
        lines.append(f"DTEND;VALUE=DATE:{_date(last_day + timedelta(days=1))}")
        lines.append(f"STATUS:{_status(initiative, component)}")
        lines.append("TRANSP:TRANSPARENT")  # a quarter-long entry must not mark you busy
    else:
        if last_day is not None:
            lines.append(f"DUE;VALUE=DATE:{_date(last_day)}")
        lines.append(f"STATUS:{_status(initiative, component)}")
        lines.append(f"PERCENT-COMPLETE:{initiative.progress}")
    lines.append(f"SUMMARY:{escape_text(summary)}")
    lines.append(f"DESCRIPTION:{escape_text(_description(initiative, portfolio))}")
    categories = [*initiative.tags]
    if initiative.pillar and portfolio is not None:
        categories.insert(0, portfolio.pillar_name(initiative.pillar))
    if categories:
        lines.append("CATEGORIES:" + ",".join(escape_text(c) for c in categories))
    name = "VEVENT" if component == "event" else "VTODO"
    return [f"BEGIN:{name}", *lines, f"END:{name}"]


def milestone_uid(milestone: Milestone) -> str:
    """A milestone entry's stable identifier (milestone ids are unique among milestones)."""
    return f"{milestone.id}.milestone@vzwatch"


def _milestone_entry(
    milestone: Milestone, initiative: Initiative, today: date, stamp: str, component: Component
) -> list[str]:
    done = milestone.done if milestone.done_by(today) else None
    due = milestone.quarter.end_date
    lines = [f"UID:{milestone_uid(milestone)}", f"DTSTAMP:{stamp}"]
    if component == "event":
        day = done or due
        lines.append(f"DTSTART;VALUE=DATE:{_date(day)}")
        lines.append(f"DTEND;VALUE=DATE:{_date(day + timedelta(days=1))}")
        lines.append("STATUS:CONFIRMED" if done else "STATUS:TENTATIVE")
        lines.append("TRANSP:TRANSPARENT")
    else:
        lines.append(f"DUE;VALUE=DATE:{_date(due)}")
        lines.append("STATUS:COMPLETED" if done else "STATUS:NEEDS-ACTION")
        if done is not None:
            lines.append(f"COMPLETED:{_date(done)}T000000Z")
    state = f"done {done}" if done else f"due by the end of {milestone.quarter}"
    summary = f"{'◆' if done else '◇'} {milestone.title}"
    description = (
        f"Milestone of {initiative.title} ({initiative.id}), {milestone.quarter}: {state}\n"
        f"vzwatch milestone id: {milestone.id}"
    )
    lines.append(f"SUMMARY:{escape_text(summary)}")
    lines.append(f"DESCRIPTION:{escape_text(description)}")
    lines.append(f"RELATED-TO:{uid(initiative)}")
    name = "VEVENT" if component == "event" else "VTODO"
    return [f"BEGIN:{name}", *lines, f"END:{name}"]


def calendar(
    initiatives: Sequence[Initiative],
    portfolio: Portfolio | None,
    *,
    today: date,
    now: datetime,
    component: Component = "event",
) -> str:
    """A complete iCalendar document (CRLF line endings) for ``initiatives``.

    ``now`` must be timezone-aware; DTSTAMP is written in UTC.
    """
    from datetime import UTC

    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//vzwatch//vzwatch {__version__}//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    if portfolio is not None and portfolio.title:
        lines.append(f"X-WR-CALNAME:{escape_text(portfolio.title)}")
    # The day it is as of: for people (the calendar's description, which Apple Calendar,
    # Google Calendar and Thunderbird show) and for programs (a DATE of its own).
    lines.append(f"X-WR-CALDESC:As of {today.isoformat()}")
    lines.append(f"{AS_OF_PROPERTY};VALUE=DATE:{_date(today)}")
    for initiative in initiatives:
        lines.extend(_entry(initiative, portfolio, today, stamp, component))
    if portfolio is not None and portfolio.milestones:
        for initiative in initiatives:
            for milestone in portfolio.milestones_of(initiative.id):
                lines.extend(_milestone_entry(milestone, initiative, today, stamp, component))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
