"""Progress reports: schedule health, forecasts and what changed, per group.

Pure: records in, dataclasses out; ``today`` is always a parameter. The rules
below are the ones README.md ("vzwatch report") documents; change both together.

Expected progress
    The share of the timeline's days that lie before ``today``: a timeline runs
    from the first day of its start quarter to the last day of its end quarter,
    so on its first day 0% is expected, on its last day 99% (of a 90-day
    quarter), and from the day after it 100%. Ongoing timelines have none.

Health, the first rule that applies
    ``done``         status done, or current progress 100, or (no progress entry
                     and no indicator) it has milestones, every one done by today
    ``cancelled``    status cancelled
    ``not started``  the timeline starts after today
    ``overdue``      the timeline ended before today
    ``ongoing``      no end: nothing is expected (see ``last_update``)
                     (when its progress comes from indicators, what is expected
                     is their mean expected share: vzwatch.domain.indicators)
    ``not started``  progress 0 while at most ``TOLERANCE`` points are expected
    ``behind``       more than ``TOLERANCE`` points below expected
    ``ahead``        more than ``TOLERANCE`` points above expected
    ``on track``     otherwise

Forecast finish quarter (unfinished, not cancelled)
    A straight line through two points: the latest entry, and the earliest
    entry if it is dated before the latest (else 0% on the timeline's first
    day, if that is before the latest entry). Extended to 100%, never earlier
    than today. None when there is no entry, no earlier point, or the line does
    not rise.

Stalled (unfinished, not cancelled, with entries), the first that applies
    nothing was recorded this quarter or last quarter (the latest entry is from
    two or more quarters before today's);
    the latest entry is not above the entry dated before it;
    the line does not rise (the latest entry is not above the earlier point);
    the line reached 100% before today (the recorded rate says it should be
    done, so the rate is wrong).
    Stalled since: the first entry of the final run of entries at the latest
    percent (when progress stopped moving). A stalled initiative has no
    forecast: it says ``stalled since 2025-01-10`` instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from vzwatch.domain import ledger
from vzwatch.domain.errors import InvalidQuarter
from vzwatch.domain.health import TOLERANCE, Health
from vzwatch.domain.portfolio import (
    STATUSES,
    Initiative,
    Milestone,
    Portfolio,
    ProgressEntry,
    Status,
)
from vzwatch.domain.quarters import MAX_YEAR, Quarter, Timeline
from vzwatch.domain.queries import as_of, sort_by_timeline

# What a report can be grouped by, and the heading of its group column.
GROUPINGS = {
    "pillar": "Pillar",
    "status": "Status",
    "partner": "Partner",
    "owner": "Owner",
    "portfolio": "Portfolio",
}
_LAST_DAY = date(MAX_YEAR, 12, 31)


def expected_progress(timeline: Timeline, today: date) -> int | None:
    """Percent of the timeline's days before ``today`` (None when it has no start or end)."""
    if timeline.start is None or timeline.end is None:
        return None
    first, last = timeline.start.start_date, timeline.end.end_date
    total = (last - first).days + 1
    elapsed = min(max((today - first).days, 0), total)
    return (200 * elapsed + total) // (2 * total)  # rounded half up, in integers


def milestones_reached(
    initiative: Initiative, milestones: Sequence[Milestone], today: date
) -> bool:
    """Whether milestones stand for the initiative's progress and say it is done: it has
    no other progress (no progress entry, no indicator), and has milestones, every one
    of them done by ``today``."""
    return (
        not initiative.progress_log
        and not initiative.indicators
        and bool(milestones)
        and all(milestone.done_by(today) for milestone in milestones)
    )


def expected_for(initiative: Initiative, today: date) -> int | None:
    """What the initiative's progress is held against: its indicators' straight lines when
    its progress comes from them (vzwatch.domain.indicators), else its timeline's days."""
    if initiative.indicators and initiative.progress_from_indicators:
        from vzwatch.domain.indicators import expected_progress as expected_from_indicators

        return expected_from_indicators(initiative, today)
    return expected_progress(initiative.timeline, today)


def schedule_health(
    initiative: Initiative, today: date, milestones: Sequence[Milestone] = ()
) -> Health:
    """The health of ``initiative`` on ``today``, by the rules in this module's docstring
    (``milestones``: the initiative's own)."""
    timeline = initiative.timeline
    progress = initiative.progress
    if initiative.status == Status.DONE or progress >= 100:
        return Health.DONE
    if milestones_reached(initiative, milestones, today):
        return Health.DONE
    if initiative.status == Status.CANCELLED:
        return Health.CANCELLED
    if timeline.start is not None and today < timeline.start.start_date:
        return Health.NOT_STARTED
    if timeline.end is not None and today > timeline.end.end_date:
        return Health.OVERDUE
    expected = expected_for(initiative, today)
    if expected is None:
        return Health.ONGOING
    if progress == 0 and expected <= TOLERANCE:
        return Health.NOT_STARTED
    if progress - expected < -TOLERANCE:
        return Health.BEHIND
    if progress - expected > TOLERANCE:
        return Health.AHEAD
    return Health.ON_TRACK


def stalled_since(initiative: Initiative, today: date) -> date | None:
    """When an unfinished initiative stopped moving, if it has stalled (module docstring)."""
    log = initiative.progress_log
    if not log or initiative.finished or initiative.progress >= 100:
        return None
    latest = log[-1]
    since = latest.on
    for entry in reversed(log):
        if entry.percent != latest.percent:
            break
        since = entry.on
    if Quarter.containing(latest.on).index < Quarter.containing(today).index - 1:
        return since
    previous = next((entry for entry in reversed(log) if entry.on < latest.on), None)
    if previous is not None and latest.percent <= previous.percent:
        return since
    line = _line(initiative)
    if line is None:
        return since if log[0].on < latest.on else None  # two points that do not rise
    base_day, base_percent = line
    rise = latest.percent - base_percent
    if rise <= 0:
        return since
    days_needed = -(-(100 - latest.percent) * (latest.on - base_day).days // rise)
    if days_needed <= (_LAST_DAY - latest.on).days and latest.on + timedelta(days_needed) < today:
        return since
    return None


def _line(initiative: Initiative) -> tuple[date, int] | None:
    """The earlier point of the forecast line (day, percent), if there is one."""
    log = initiative.progress_log
    latest = log[-1]
    if log[0].on < latest.on:
        return log[0].on, log[0].percent
    if initiative.timeline.start is not None and initiative.timeline.start.start_date < latest.on:
        return initiative.timeline.start.start_date, 0
    return None


def forecast_finish(initiative: Initiative, today: date) -> date | None:
    """The day the recorded rate of progress reaches 100% (see the module docstring);
    None for a stalled initiative (``stalled_since``)."""
    log = initiative.progress_log
    if not log or initiative.finished or initiative.progress >= 100:
        return None
    if stalled_since(initiative, today) is not None:
        return None
    latest = log[-1]
    if log[0].on < latest.on:
        base_day, base_percent = log[0].on, log[0].percent
    elif initiative.timeline.start is not None and initiative.timeline.start.start_date < latest.on:
        base_day, base_percent = initiative.timeline.start.start_date, 0
    else:
        return None
    rise = latest.percent - base_percent
    if rise <= 0:
        return None
    days_needed = -(-(100 - latest.percent) * (latest.on - base_day).days // rise)  # ceiling
    if days_needed > (_LAST_DAY - latest.on).days:
        return None
    return max(latest.on + timedelta(days=days_needed), today)


def finished_on(initiative: Initiative) -> date | None:
    """When it was done: the start of the final run of 100% entries, else the last
    status change to done; None for unfinished work."""
    if initiative.progress < 100 and initiative.status != Status.DONE:
        return None
    day = None
    for entry in reversed(initiative.progress_log):
        if entry.percent < 100:
            break
        day = entry.on
    if day is None:
        day = next(
            (
                h.on
                for h in reversed(initiative.history)
                if h.field == "status" and h.new == Status.DONE
            ),
            None,
        )
    return day


@dataclass(frozen=True, slots=True)
class InitiativeReport:
    """One initiative's line in a report."""

    initiative: Initiative
    health: Health
    expected: int | None
    forecast: Quarter | None
    finished: Quarter | None
    due: bool  # unfinished and ends in the report's quarter
    last_update: date | None
    stalled_since: date | None = None
    lagging_dependency: str | None = None  # a dependency behind or overdue: the health mark
    blocked_by: tuple[str, ...] = ()  # the dependencies that block it (the blocked rule)
    stale: bool = False  # not updated within its review cadence (vzwatch.domain.cadence)
    owner: str = ""  # its owner, else the portfolio's

    @property
    def progress(self) -> int:
        return self.initiative.progress

    @property
    def gap(self) -> int | None:
        """Recorded minus expected progress, in points (negative: behind)."""
        return None if self.expected is None else self.progress - self.expected

    @property
    def forecast_late(self) -> bool:
        """Whether the forecast finish falls after the timeline's last quarter."""
        end = self.initiative.timeline.end
        return self.forecast is not None and end is not None and self.forecast > end

    @property
    def forecast_label(self) -> str:
        """Forecast for people: 'Q3-2025', 'Q3-2025 (late)', 'finished Q1-2025', '—'."""
        if self.health is Health.DONE:
            return f"finished {self.finished}" if self.finished else "finished"
        if self.stalled_since is not None:
            return f"stalled since {self.stalled_since.isoformat()}"
        if self.forecast is None:
            return "—"
        return f"{self.forecast} (late)" if self.forecast_late else str(self.forecast)

    @property
    def health_label(self) -> str:
        """Health for people: 'behind by 12 points', 'ongoing, updated 2025-03-15'…"""
        gap = self.gap
        if self.health is Health.ONGOING:
            updated = self.last_update
            label = f"ongoing, updated {updated.isoformat()}" if updated else "ongoing, no entries"
        elif self.health in (Health.BEHIND, Health.AHEAD) and gap is not None:
            points = abs(gap)
            label = f"{self.health} by {points} point{'s' if points != 1 else ''}"
        else:
            label = str(self.health)
        if self.lagging_dependency:
            label += f", blocked by {self.lagging_dependency}"
        return label + (", stale" if self.stale else "")


@dataclass(frozen=True, slots=True)
class Group:
    """Initiatives that share a pillar, a status or a partner."""

    key: str
    label: str
    items: tuple[InitiativeReport, ...]

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def mean_progress(self) -> int | None:
        if not self.items:
            return None
        total = sum(item.progress for item in self.items)
        return (2 * total + self.count) // (2 * self.count)  # rounded half up

    def _with(self, health: Health) -> int:
        return sum(1 for item in self.items if item.health == health)

    @property
    def done(self) -> int:
        return self._with(Health.DONE)

    @property
    def overdue(self) -> int:
        return self._with(Health.OVERDUE)

    @property
    def behind(self) -> int:
        return self._with(Health.BEHIND)

    @property
    def due(self) -> int:
        return sum(1 for item in self.items if item.due)


@dataclass(frozen=True, slots=True)
class Change:
    """A progress entry, a status change or a revision inside the report's window."""

    on: date
    initiative: str
    title: str
    kind: str  # "progress", "status", "timeline" or "objective"
    percent: int | None = None
    previous: int | None = None  # the entry before it by date; None for the first
    note: str = ""
    old: str | None = None
    new: str | None = None
    sources: tuple[str, ...] = ()  # the [[sources]] ids the entry cites


@dataclass(frozen=True, slots=True)
class Report:
    """Everything `vzwatch report` shows."""

    quarter: Quarter
    today: date
    since: date
    by: str
    groups: tuple[Group, ...]
    initiatives: tuple[InitiativeReport, ...]
    changes: tuple[Change, ...]
    portfolio: Portfolio
    # Several stores in one report (vzwatch.domain.combined): what people should know
    # (calendars that differ) and each shown id's store. Empty for one store.
    notes: tuple[str, ...] = ()
    origin: Mapping[str, str] = field(default_factory=dict)
    quarter_text: str = ""  # what was asked, when the stores read it as different quarters

    @property
    def quarter_label(self) -> str:
        """The quarter for people: 'Q1-2025', or 'FY2025 Q2' when stores' calendars differ."""
        return self.quarter_text or str(self.quarter)

    @property
    def totals(self) -> Group:
        return Group("", "All", self.initiatives)

    def newest_changes(self, limit: int | None) -> tuple[Change, ...]:
        """The newest ``limit`` changes (all when None), oldest first as always."""
        if limit is None or limit >= len(self.changes):
            return self.changes
        return self.changes[len(self.changes) - limit :]

    def promises(self, group: Group) -> ledger.Promises:
        """How the group's announced timelines held up (README, "Promises vs delivery")."""
        return ledger.promises(
            [item.initiative for item in group.items], self.portfolio, self.today
        )

    @property
    def group_heading(self) -> str:
        """The heading of the group column: "Pillar", "Status" or "Partner"."""
        return GROUPINGS.get(self.by, "Group")


def _quarter_of(day: date | None) -> Quarter | None:
    try:
        return Quarter.containing(day) if day else None
    except InvalidQuarter:  # a hand-written date outside the supported years
        return None


def lagging_dependency(initiative: Initiative, portfolio: Portfolio, today: date) -> str | None:
    """The first dependency of an unfinished initiative that is behind or overdue."""
    if initiative.finished or initiative.progress >= 100:
        return None
    for dependency in initiative.depends_on:
        found = portfolio.get(dependency)
        health = (
            None
            if found is None
            else schedule_health(found, today, portfolio.milestones_of(found.id))
        )
        if health in (Health.BEHIND, Health.OVERDUE):
            return dependency
    return None


def blocking_in(portfolio: Portfolio, today: date) -> dict[str, tuple[str, ...]] | None:
    """What blocks what (dependencies.blocked_by); None, importing nothing, when no
    initiative depends on another."""
    if not any(initiative.depends_on for initiative in portfolio.initiatives):
        return None
    from vzwatch.domain.dependencies import blocked_by

    return blocked_by(portfolio, today)


def initiative_report(
    initiative: Initiative,
    today: date,
    quarter: Quarter,
    portfolio: Portfolio | None = None,
    blocking: Mapping[str, tuple[str, ...]] | None = None,
) -> InitiativeReport:
    """One initiative's line; with ``portfolio``, also the dependency holding it up,
    staleness and owner; ``blocking`` is what blocks what (dependencies.blocked_by)."""
    blocked = stale = None
    owner = ""
    milestones: tuple[Milestone, ...] = ()
    if portfolio is not None:
        milestones = portfolio.milestones_of(initiative.id)
        from vzwatch.domain.cadence import owner_of, staleness

        blocked = lagging_dependency(initiative, portfolio, today)
        stale = staleness(initiative, portfolio, today) is not None
        owner = owner_of(initiative, portfolio)
    return InitiativeReport(
        initiative=initiative,
        health=schedule_health(initiative, today, milestones),
        expected=expected_for(initiative, today),
        forecast=_quarter_of(forecast_finish(initiative, today)),
        finished=_quarter_of(finished_on(initiative)),
        due=not initiative.finished and initiative.timeline.ends_in(quarter),
        last_update=initiative.progress_log[-1].on if initiative.progress_log else None,
        stalled_since=stalled_since(initiative, today),
        lagging_dependency=blocked,
        blocked_by=blocking.get(initiative.id, ()) if blocking else (),
        stale=bool(stale),
        owner=owner,
    )


def in_scope(initiative: Initiative, quarter: Quarter) -> bool:
    """Active in the quarter, or unfinished and ended before it (it slipped)."""
    timeline = initiative.timeline
    return timeline.active_in(quarter) or (
        not initiative.finished and timeline.ended_before(quarter)
    )


def _grouped(
    items: Sequence[InitiativeReport],
    keys: Callable[[InitiativeReport], Iterable[tuple[str, str]]],
    order: Callable[[str], tuple[int, str]],
) -> tuple[Group, ...]:
    buckets: dict[str, tuple[str, list[InitiativeReport]]] = {}
    for item in items:
        for key, label in keys(item):
            buckets.setdefault(key, (label, []))[1].append(item)
    return tuple(
        Group(key, label, tuple(members))
        for key, (label, members) in sorted(buckets.items(), key=lambda kv: order(kv[0]))
    )


def group_items(
    portfolio: Portfolio, items: Sequence[InitiativeReport], by: str
) -> tuple[Group, ...]:
    """Groups in a stable order: pillars as in the store, statuses as listed, partners A–Z;
    "No pillar" and "No partner" last. A partner group holds every initiative it works on."""
    if by == "pillar":
        rank = {pillar.id: index for index, pillar in enumerate(portfolio.pillars)}
        return _grouped(
            items,
            lambda item: [
                (item.initiative.pillar or "", portfolio.pillar_name(item.initiative.pillar))
                if item.initiative.pillar
                else ("", "No pillar")
            ],
            lambda key: (rank.get(key, len(rank)) if key else len(rank) + 1, key),
        )
    if by == "status":
        return _grouped(
            items,
            lambda item: [(item.initiative.status, item.initiative.status)],
            lambda key: (STATUSES.index(key), key),
        )
    if by == "partner":
        # One group per partner in any case, keyed and labelled as first written.
        spelling: dict[str, str] = {}
        for item in items:
            for partner in item.initiative.partners:
                spelling.setdefault(partner.casefold(), partner)

        def partners(item: InitiativeReport) -> list[tuple[str, str]]:
            written = dict.fromkeys(spelling[p.casefold()] for p in item.initiative.partners)
            return [(name, name) for name in written] or [("", "No partner")]

        return _grouped(items, partners, lambda key: (0 if key else 1, key.casefold()))
    if by == "owner":
        return _grouped(
            items,
            lambda item: [(item.owner.casefold(), item.owner) if item.owner else ("", "No owner")],
            lambda key: (0 if key else 1, key),
        )
    if by == "portfolio":  # one store: one group (several: vzwatch.domain.combined)
        label = portfolio.title or "Portfolio"
        return (Group(label, label, tuple(items)),)
    raise ValueError(f"cannot group by {by!r} (use {', '.join(GROUPINGS)})")


_CHANGED_FIELDS = ("status", *ledger.REVISED_FIELDS)


def changes_between(
    portfolio: Portfolio, since: date, until: date, *, owner: str | None = None
) -> tuple[Change, ...]:
    """Progress entries, status changes and revisions dated from ``since`` through ``until``,
    oldest first (with ``owner``, casefolded: of initiatives whose owner contains it)."""
    found: list[Change] = []
    for initiative in portfolio.initiatives:
        if owner is not None and owner not in (initiative.owner or portfolio.owner).casefold():
            continue
        previous: ProgressEntry | None = None
        for entry in initiative.progress_log:
            if since <= entry.on <= until:
                found.append(
                    Change(
                        entry.on,
                        initiative.id,
                        initiative.title,
                        "progress",
                        percent=entry.percent,
                        previous=previous.percent if previous else None,
                        note=entry.note,
                        sources=entry.sources,
                    )
                )
            previous = entry
        found.extend(
            Change(
                h.on,
                initiative.id,
                initiative.title,
                h.field,
                old=h.old,
                new=h.new,
                sources=h.sources,
            )
            for h in initiative.history
            if h.field in _CHANGED_FIELDS and since <= h.on <= until
        )
    return tuple(sorted(found, key=lambda change: change.on))


def build_report(
    portfolio: Portfolio,
    *,
    today: date,
    quarter: Quarter,
    by: str = "pillar",
    since: date | None = None,
    owner: str | None = None,
) -> Report:
    """The report for ``quarter`` as of ``today``.

    Covers initiatives active in the quarter and unfinished ones that ended
    before it. Changes are those dated from ``since`` (default: the quarter's
    first day) through ``today``, across the whole portfolio (with ``owner``: only the
    initiatives whose owner contains it, any case, and their changes).
    """
    portfolio = as_of(portfolio, today)  # entries dated after today do not exist yet
    wanted = owner.casefold() if owner is not None else None
    blocking = blocking_in(portfolio, today)
    items = tuple(
        item
        for item in (
            initiative_report(initiative, today, quarter, portfolio, blocking)
            for initiative in sort_by_timeline(portfolio.initiatives)
            if in_scope(initiative, quarter)
        )
        if wanted is None or wanted in item.owner.casefold()
    )
    window_start = since or quarter.start_date
    return Report(
        quarter=quarter,
        today=today,
        since=window_start,
        by=by,
        groups=group_items(portfolio, items, by),
        initiatives=items,
        changes=changes_between(portfolio, window_start, today, owner=wanted),
        portfolio=portfolio,
    )
