"""Questions asked of a portfolio: which initiatives match, which are due.

Pure functions over records; ``today`` and quarters come in as arguments.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from vzwatch.domain.portfolio import Initiative, Portfolio
from vzwatch.domain.quarters import Quarter


class Filters(NamedTuple):
    """What `list` (and other read commands) narrow the portfolio to."""

    statuses: Sequence[str] = ()
    pillar: str | None = None
    tags: Sequence[str] = ()
    partner: str | None = None
    active_in: Quarter | None = None


def timeline_order(initiative: Initiative) -> tuple[int, int, str]:
    """Sort by start, then end: open starts first, open ends last."""
    timeline = initiative.timeline
    start = timeline.start.index if timeline.start else -1
    end = timeline.end.index if timeline.end else 1 << 30
    return (start, end, initiative.title.casefold())


def sort_by_timeline(initiatives: Iterable[Initiative]) -> list[Initiative]:
    return sorted(initiatives, key=timeline_order)


def _matches_pillar(portfolio: Portfolio, initiative: Initiative, wanted: str) -> bool:
    wanted = wanted.casefold()
    return initiative.pillar is not None and wanted in (
        initiative.pillar.casefold(),
        portfolio.pillar_name(initiative.pillar).casefold(),
    )


def select(portfolio: Portfolio, filters: Filters) -> list[Initiative]:
    """The initiatives that pass every filter, in timeline order."""
    statuses = set(filters.statuses)
    tags = {tag.casefold() for tag in filters.tags}
    partner = filters.partner.casefold() if filters.partner else None
    chosen = [
        initiative
        for initiative in portfolio.initiatives
        if (not statuses or initiative.status in statuses)
        and (filters.pillar is None or _matches_pillar(portfolio, initiative, filters.pillar))
        and tags <= {tag.casefold() for tag in initiative.tags}
        and (partner is None or any(partner in p.casefold() for p in initiative.partners))
        and (filters.active_in is None or initiative.timeline.active_in(filters.active_in))
    ]
    return sort_by_timeline(chosen)


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
