"""The commitment ledger: what was announced, each revision since, and how far it slipped.

An initiative's **announced** timeline is the one it was added with: the
``from`` of its earliest ``timeline`` revision in ``[[history]]`` or, with no
revision, its current timeline. Its announced sources are the ones the
initiative itself cites, dated by the earliest of their ``published`` days.

**Slip** is the current end quarter minus the announced end quarter, in
quarters. "Ongoing" has no end: dated → ongoing counts as slipped with no
number (``slip_quarters`` is None), ongoing → dated as no slip measured
(None, not slipped), ongoing → ongoing as 0.

Pure: no I/O and no clock; ``today`` is a parameter.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import date

from vzwatch.domain.entries import entry_id
from vzwatch.domain.errors import InvalidQuarter
from vzwatch.domain.quarters import FiscalCalendar, Quarter, Timeline, parse_timeline
from vzwatch.domain.schema import HistoryEntry, Initiative, Portfolio, Source, Status

REVISED_FIELDS = ("timeline", "objective")  # logged by `edit` and `import` with their sources


@dataclass(frozen=True, slots=True)
class Announced:
    """What was promised first: the timeline, when (its sources' earliest day) and by whom."""

    timeline: Timeline
    timeline_text: str
    on: date | None
    sources: tuple[str, ...]


def revisions(initiative: Initiative) -> tuple[HistoryEntry, ...]:
    """The initiative's logged timeline and objective changes, in date order."""
    return tuple(entry for entry in initiative.history if entry.field in REVISED_FIELDS)


def timeline_revisions(initiative: Initiative) -> tuple[HistoryEntry, ...]:
    return tuple(entry for entry in initiative.history if entry.field == "timeline")


def sources_date(portfolio: Portfolio, cited: Iterable[str]) -> date | None:
    """The earliest ``published`` day of the cited sources (None: none is dated)."""
    days = [
        source.published
        for ident in cited
        if (source := portfolio.source_by_id(ident)) is not None and source.published
    ]
    return min(days) if days else None


def announced(initiative: Initiative, portfolio: Portfolio) -> Announced:
    """The timeline the initiative was added with, and the sources it was added citing."""
    timeline, text = initiative.timeline, initiative.timeline_text
    moves = timeline_revisions(initiative)
    if moves:
        # A hand-written `from` that reads as no timeline: the current one stands.
        with suppress(InvalidQuarter):
            timeline, text = parse_timeline(moves[0].old, portfolio.fiscal), moves[0].old
    cited = initiative.sources
    return Announced(timeline, text, sources_date(portfolio, cited), cited)


def slip_between(announced_timeline: Timeline, current: Timeline) -> int | None:
    """Current end minus announced end, in quarters; None when one of them is ongoing."""
    if announced_timeline.end is None or current.end is None:
        return 0 if announced_timeline.end is None and current.end is None else None
    return current.end.index - announced_timeline.end.index


def slipped(announced_timeline: Timeline, current: Timeline) -> bool:
    """Whether the end moved later (dated → ongoing counts: it no longer ends)."""
    slip = slip_between(announced_timeline, current)
    if slip is None:
        return announced_timeline.end is not None  # dated → ongoing
    return slip > 0


def slip_quarters(initiative: Initiative, portfolio: Portfolio) -> int | None:
    return slip_between(announced(initiative, portfolio).timeline, initiative.timeline)


def shift_text(old: str, new: str, fiscal: FiscalCalendar) -> str:
    """``Q1-2025 → Q3-2025 (+2 quarters)``: a timeline revision as people read it."""
    try:
        before, after = parse_timeline(old, fiscal), parse_timeline(new, fiscal)
    except InvalidQuarter:
        return f"{old} → {new}"
    slip = slip_between(before, after)
    return f"{before.label} → {after.label} ({quarters_text(slip, before, after)})"


def quarters_text(slip: int | None, before: Timeline, after: Timeline) -> str:
    if slip is None:
        return "now ongoing" if before.end is not None else "now dated"
    unit = "quarter" if abs(slip) == 1 else "quarters"
    return f"{slip:+d} {unit}" if slip else "same end"


# --- slips -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Slip:
    """One initiative whose timeline moved since it was announced."""

    initiative: Initiative
    announced: Announced
    slip_quarters: int | None
    slipped: bool
    revisions: tuple[HistoryEntry, ...]  # its timeline revisions, in date order

    @property
    def latest(self) -> HistoryEntry:
        return self.revisions[-1]


def slips(portfolio: Portfolio, *, since: date | None = None) -> list[Slip]:
    """The initiatives whose timeline was revised (on or after ``since`` when given),
    the most slipped first (dated → ongoing before any number), then by id."""
    found = []
    for initiative in portfolio.initiatives:
        moves = timeline_revisions(initiative)
        if not moves or (since is not None and moves[-1].on < since):
            continue
        first = announced(initiative, portfolio)
        slip = slip_between(first.timeline, initiative.timeline)
        found.append(
            Slip(initiative, first, slip, slipped(first.timeline, initiative.timeline), moves)
        )

    def rank(item: Slip) -> tuple[int, int, str]:
        open_ended = item.slip_quarters is None and item.slipped
        return (0 if open_ended else 1, -(item.slip_quarters or 0), item.initiative.id)

    return sorted(found, key=rank)


# --- promises vs delivery ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Promises:
    """How a group's announced timelines held up, as of ``today``."""

    kept: int = 0  # done by the end of the announced end quarter
    late: int = 0  # done after it
    slipped: int = 0  # not done, the current end later than announced (or now ongoing)
    not_yet_due: int = 0  # not done, the announced end not passed yet
    overdue: int = 0  # not done, announced end passed, timeline never moved
    median_slip: float | None = None  # of the slipped with a number of quarters
    worst_slip: int | None = None


def _done_on(initiative: Initiative) -> date | None:
    """The day of its last logged status change to done (None: the store does not say)."""
    done = [
        entry.on
        for entry in initiative.history
        if entry.field == "status" and entry.new == Status.DONE
    ]
    return done[-1] if done else None


def promises(initiatives: Sequence[Initiative], portfolio: Portfolio, today: date) -> Promises:
    """Kept on time, delivered late, slipped and not yet due among ``initiatives``.

    Cancelled initiatives and those announced as ongoing make no dated promise
    and are left out. A done initiative without a dated status change counts
    as kept (the store cannot say it was late).
    """
    kept = late = slipped_count = not_yet_due = overdue = 0
    slip_sizes: list[int] = []
    this_quarter = Quarter.containing(today)
    for initiative in initiatives:
        first = announced(initiative, portfolio)
        end = first.timeline.end
        if end is None or initiative.status == Status.CANCELLED:
            continue
        if initiative.status == Status.DONE:
            done_on = _done_on(initiative)
            if done_on is not None and done_on > end.end_date:
                late += 1
            else:
                kept += 1
        elif slipped(first.timeline, initiative.timeline):
            slipped_count += 1
            slip = slip_between(first.timeline, initiative.timeline)
            if slip is not None:
                slip_sizes.append(slip)
        elif end.index >= this_quarter.index:
            not_yet_due += 1
        else:
            overdue += 1
    median = None
    if slip_sizes:
        ordered = sorted(slip_sizes)
        middle = len(ordered) // 2
        median = (
            float(ordered[middle])
            if len(ordered) % 2
            else (ordered[middle - 1] + ordered[middle]) / 2
        )
    return Promises(
        kept, late, slipped_count, not_yet_due, overdue, median, max(slip_sizes, default=None)
    )


# --- the story of one initiative ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Event:
    """One line of an initiative's story: announced, a revision, a status change, progress."""

    on: date | None
    kind: str  # "announced", "revision", "status", "progress", "change", "measurement", "milestone"
    text: str
    sources: tuple[Source, ...]
    entry: str = ""  # the log entry's short id (domain.entries), for amend and retract


def cited(portfolio: Portfolio, ids: Iterable[str]) -> tuple[Source, ...]:
    return tuple(source for ident in ids if (source := portfolio.source_by_id(ident)))


def story(initiative: Initiative, portfolio: Portfolio) -> list[Event]:
    """The initiative's ledger in date order (the announcement first on a tie): its
    announcement, revisions and changes, progress, its indicators' measurements and the
    milestones it reached."""
    first = announced(initiative, portfolio)
    events = [
        Event(
            first.on,
            "announced",
            f"announced: {first.timeline_text}",
            cited(portfolio, first.sources),
        )
    ]
    for entry in initiative.history:
        if entry.field == "timeline":
            text = f"timeline: {shift_text(entry.old, entry.new, portfolio.fiscal)}"
            kind = "revision"
        elif entry.field == "objective":
            text, kind = f"objective: {entry.old or '(none)'} → {entry.new or '(none)'}", "revision"
        elif entry.field == "status":
            text, kind = f"status: {entry.old or '(none)'} → {entry.new}", "status"
        else:
            text, kind = f"{entry.field}: {entry.old} → {entry.new}", "change"
        events.append(Event(entry.on, kind, text, cited(portfolio, entry.sources), entry_id(entry)))
    for progress in initiative.progress_log:
        note = f": {progress.note}" if progress.note else ""
        events.append(
            Event(
                progress.on,
                "progress",
                f"progress {progress.percent}%{note}",
                cited(portfolio, progress.sources),
                entry_id(progress),
            )
        )
    from vzwatch.domain.indicators import amount  # it reads ledger.REVISED_FIELDS

    for indicator in initiative.indicators:
        for measurement in indicator.measurements:
            note = f": {measurement.note}" if measurement.note else ""
            value = amount(measurement.value, indicator.unit)
            events.append(
                Event(measurement.on, "measurement", f"{indicator.name} at {value}{note}", ())
            )
    for milestone in portfolio.milestones_of(initiative.id):
        if milestone.done is not None:
            events.append(Event(milestone.done, "milestone", f"milestone: {milestone.title}", ()))
    return sorted(events, key=lambda event: event.on or date.min)


def source_line(source: Source) -> str:
    """``Outlet, 2024-06-10, "Title", https://…``: a citation as people read it."""
    parts = [source.outlet]
    if source.published:
        parts.append(source.published.isoformat())
    if source.title:
        parts.append(f"“{source.title}”")
    if source.url:
        parts.append(source.url)
    return ", ".join(parts)
