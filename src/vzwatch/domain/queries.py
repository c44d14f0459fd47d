"""Questions asked of a portfolio: which initiatives match, which are due.

Pure functions over records; ``today`` and quarters come in as arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import replace
from datetime import date
from typing import Any, NamedTuple

from vzwatch.domain.errors import InvalidQuarter
from vzwatch.domain.portfolio import HistoryEntry, Initiative, Milestone, Portfolio
from vzwatch.domain.quarters import (
    CALENDAR,
    FiscalCalendar,
    Quarter,
    parse_timeline,
    span_active_in,
)


def initiative_as_of(
    initiative: Initiative, day: date, fiscal: FiscalCalendar = CALENDAR
) -> Initiative:
    """``initiative`` as it stood at the end of ``day``: later entries do not exist yet.

    Progress entries, history entries and measurements dated after ``day`` are left out, and
    each logged field (status, timeline, objective) is what the first later
    change of it started from (the value ``day`` saw), so a report or a chart
    as of a past day gives the same answer whatever is recorded afterwards.
    ``fiscal`` reads a revised timeline as the store writes it. A hand-written
    ``from`` that reads as no timeline leaves the current one standing.
    """
    log, history = initiative.progress_log, initiative.history
    measured = all(m.on <= day for i in initiative.indicators for m in i.measurements)
    if measured and all(e.on <= day for e in log) and all(e.on <= day for e in history):
        return initiative
    first_later: dict[str, HistoryEntry] = {}
    for entry in sorted((h for h in history if h.on > day), key=lambda h: h.on):
        first_later.setdefault(entry.field, entry)  # sorted() is stable: store order on a day
    changed: dict[str, Any] = {}
    if (status := first_later.get("status")) is not None and status.old:
        changed["status"] = status.old
    if (objective := first_later.get("objective")) is not None:
        changed["objective"] = objective.old
    if (timeline := first_later.get("timeline")) is not None:
        with suppress(InvalidQuarter):
            changed["timeline"] = parse_timeline(timeline.old, fiscal)
            changed["timeline_text"] = timeline.old
    return replace(
        initiative,
        **changed,
        indicators=initiative.indicators
        if measured
        else tuple(
            i._replace(measurements=tuple(m for m in i.measurements if m.on <= day))
            for i in initiative.indicators
        ),
        progress_log=tuple(entry for entry in log if entry.on <= day),
        history=tuple(entry for entry in history if entry.on <= day),
    )


def as_of(portfolio: Portfolio, day: date) -> Portfolio:
    """The portfolio as ``day`` saw it (see ``initiative_as_of``): the meaning of ``--today``."""
    initiatives = tuple(
        initiative_as_of(item, day, portfolio.fiscal) for item in portfolio.initiatives
    )
    # A milestone reached after ``day`` was still open on it.
    milestones = tuple(
        item._replace(done=None) if item.done is not None and item.done > day else item
        for item in portfolio.milestones
    )
    if all(new is old for new, old in zip(initiatives, portfolio.initiatives, strict=True)) and all(
        new is old for new, old in zip(milestones, portfolio.milestones, strict=True)
    ):
        return portfolio
    return replace(portfolio, initiatives=initiatives, milestones=milestones)


class Filters(NamedTuple):
    """What `list` (and other read commands) narrow the portfolio to."""

    statuses: Sequence[str] = ()
    pillar: str | None = None
    tags: Sequence[str] = ()
    partner: str | None = None
    active_in: Quarter | None = None
    owner: str | None = None  # the owner contains it, any case
    default_owner: str = ""  # the portfolio's owner: the owner of those that name none


class Facts(NamedTuple):
    """What the filters and the timeline order look at, for an initiative or a cached row."""

    status: str
    pillar: str | None
    tags: Sequence[str]
    partners: Sequence[str]
    start: int | None  # quarter indices (Quarter.index); None: open
    end: int | None
    title: str
    owner: str | None


def facts_of(initiative: Initiative) -> Facts:
    timeline = initiative.timeline
    return Facts(
        initiative.status,
        initiative.pillar,
        initiative.tags,
        initiative.partners,
        timeline.start.index if timeline.start else None,
        timeline.end.index if timeline.end else None,
        initiative.title,
        initiative.owner,
    )


def order_key(start: int | None, end: int | None, title: str) -> tuple[int, int, str]:
    """The timeline order: by start, then end (quarter indices), open starts first, open
    ends last, then by title in any case."""
    return (-1 if start is None else start, 1 << 30 if end is None else end, title.casefold())


def _order(facts: Facts) -> tuple[int, int, str]:
    return order_key(facts.start, facts.end, facts.title)


def in_timeline_order(keys: Sequence[tuple[int, int, str]]) -> list[int]:
    """The positions of ``keys`` (``order_key`` of each) in timeline order (stable)."""
    return sorted(range(len(keys)), key=keys.__getitem__)


def unfiltered(filters: Filters) -> bool:
    """Whether ``filters`` let every initiative through (`list` with no option)."""
    return not (
        filters.statuses
        or filters.tags
        or filters.partner
        or filters.pillar is not None
        or filters.active_in is not None
        or filters.owner is not None
    )


def timeline_order(initiative: Initiative) -> tuple[int, int, str]:
    return _order(facts_of(initiative))


def sort_by_timeline(initiatives: Iterable[Initiative]) -> list[Initiative]:
    return sorted(initiatives, key=timeline_order)


def chosen(
    facts: Sequence[Facts], filters: Filters, pillar_name: Callable[[str | None], str]
) -> list[int]:
    """Where the initiatives that pass every filter are in ``facts``, in timeline order."""
    statuses = set(filters.statuses)
    tags = {tag.casefold() for tag in filters.tags}
    partner = filters.partner.casefold() if filters.partner else None
    pillar = filters.pillar.casefold() if filters.pillar is not None else None
    active_in = filters.active_in.index if filters.active_in is not None else None
    owner = filters.owner.casefold() if filters.owner is not None else None
    default_owner = filters.default_owner
    if unfiltered(filters):
        return in_timeline_order([_order(item) for item in facts])
    found = [
        at
        for at, item in enumerate(facts)
        if (not statuses or item.status in statuses)
        and (
            pillar is None
            or (
                item.pillar is not None
                and pillar in (item.pillar.casefold(), pillar_name(item.pillar).casefold())
            )
        )
        and tags <= {tag.casefold() for tag in item.tags}
        and (partner is None or any(partner in p.casefold() for p in item.partners))
        and (active_in is None or span_active_in(item.start, item.end, active_in))
        and (owner is None or owner in (item.owner or default_owner).casefold())
    ]
    return sorted(found, key=lambda at: _order(facts[at]))


def select(portfolio: Portfolio, filters: Filters) -> list[Initiative]:
    """The initiatives that pass every filter, in timeline order."""
    items = portfolio.initiatives
    return [
        items[at] for at in chosen([facts_of(i) for i in items], filters, portfolio.pillar_name)
    ]


def due_milestones(
    milestones: Iterable[Milestone],
    owners: Callable[[str], Initiative | None] | None,
    quarter: Quarter,
    today: date,
    *,
    overdue: bool = False,
) -> list[Milestone]:
    """Milestones not done by ``today`` whose quarter is ``quarter`` (by quarter, then store
    order); with ``overdue``, also those of earlier quarters. ``owners`` gives the initiative
    of an id: a milestone of a done or cancelled initiative is never due, as it is not
    (None: the initiatives are not looked at, a first pass before they are built)."""
    at = quarter.index  # compared as numbers: Quarter's own comparisons are Python code
    candidates = [
        milestone
        for milestone in milestones
        if not milestone.done_by(today)
        and (milestone.quarter.index == at or (overdue and milestone.quarter.index < at))
    ]
    if owners is None:
        return candidates
    kept = []
    for milestone in candidates:
        initiative = owners(milestone.initiative)
        if initiative is not None and not initiative.finished:
            kept.append(milestone)
    return sorted(kept, key=lambda milestone: milestone.quarter.index)


def due(portfolio: Portfolio, quarter: Quarter, *, overdue: bool = False) -> list[Initiative]:
    """Unfinished initiatives whose timeline ends in ``quarter``.

    With ``overdue``, also unfinished ones whose timeline ended before it.
    Done and cancelled initiatives are never due; ongoing ones never end.
    """
    return sort_by_timeline(
        initiative
        for initiative in portfolio.initiatives
        if not initiative.finished
        and (
            initiative.timeline.ends_in(quarter)
            or (overdue and initiative.timeline.ended_before(quarter))
        )
    )
