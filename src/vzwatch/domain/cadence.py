"""Review cadences and staleness: who has not checked in for longer than they should.

A cadence is written as people say it: ``"30 days"``, ``"2 weeks"``,
``"monthly"``, ``"quarterly"``, ``"every 6 months"``, ``"yearly"``. An
initiative's own ``review_every`` wins over the portfolio's, and without
either the cadence is ``DEFAULT_CADENCE``.

Stale, the rule
    An unfinished initiative is stale on ``today`` when its last recorded
    update (the latest dated ``[[progress]]``, ``[[measurements]]`` of its
    indicators, or ``[[history]]`` entry, of any field), plus its cadence, lies
    before ``today``: on the day the review falls due it is not stale yet, the
    day after it is. Without any entry its
    clock starts on its timeline's first day (nothing is owed before work
    starts); an ongoing initiative with no known start and no entry is stale.
    ``days`` replaces the cadence by that many days.

Pure: ``today`` is a parameter. python-dateutil (relativedelta, ~30 ms to
import) is imported only when a month-based cadence is computed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple

from vzwatch.domain import schema
from vzwatch.domain.quarters import Quarter
from vzwatch.domain.schema import FINISHED_STATUSES, Initiative, Portfolio

DEFAULT_CADENCE = "quarterly"

_UNITS = {"day": "days", "week": "weeks", "month": "months", "quarter": "quarters", "year": "years"}
_WORDS = {
    "daily": (1, "days"),
    "weekly": (1, "weeks"),
    "fortnightly": (2, "weeks"),
    "monthly": (1, "months"),
    "quarterly": (1, "quarters"),
    "yearly": (1, "years"),
    "annually": (1, "years"),
}
_COUNTED = re.compile(
    r"(?:every\s+)?(?:(\d{1,4})\s*)?(day|week|month|quarter|year)s?", re.ASCII | re.IGNORECASE
)


class Cadence(NamedTuple):
    """How often an initiative should be updated: every ``number`` ``unit`` (days, weeks…)."""

    number: int
    unit: str

    def __str__(self) -> str:
        return f"{self.number} {self.unit if self.number != 1 else self.unit[:-1]}"

    def after(self, day: date) -> date:
        """The day one cadence after ``day`` (a month after 31 January is 28 or 29 February)."""
        if self.unit == "days":
            return day + timedelta(days=self.number)
        if self.unit == "weeks":
            return day + timedelta(weeks=self.number)
        months = self.number * {"months": 1, "quarters": 3, "years": 12}[self.unit]
        return _months_after(day, months)


@lru_cache(maxsize=4096)
def _months_after(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months (remembered: `stale` of a 10k store asks
    for the same few update days thousands of times)."""
    from dateutil.relativedelta import relativedelta  # ~30 ms: only for month-based cadences

    later: date = day + relativedelta(months=months)
    return later


@lru_cache(maxsize=256)
def parse_cadence(text: str) -> Cadence:
    """The cadence ``text`` names; ValueError listing the accepted forms."""
    words = " ".join(text.split()).lower()
    if words in _WORDS:
        return Cadence(*_WORDS[words])
    match = _COUNTED.fullmatch(words)
    if match and int(match.group(1) or 1) > 0:
        return Cadence(int(match.group(1) or 1), _UNITS[match.group(2).lower()])
    raise ValueError(
        f"review_every {text!r} is not a cadence: use '30 days', '2 weeks', 'monthly', "
        "'quarterly', 'every 6 months' or 'yearly'"
    )


def cadence_text(initiative: Initiative | Quiet, portfolio: Portfolio) -> str:
    """The cadence as written: the initiative's own, else the portfolio's, else the default."""
    return initiative.review_every or portfolio.review_every or DEFAULT_CADENCE


def last_update(initiative: Initiative) -> date | None:
    """The latest date of a progress entry, a measurement of one of its indicators or a
    recorded change of any field."""
    # Each log is in date order (schema.DATED_LOGS, Indicator): its last entry is its latest.
    days = [log[-1].on for log in (initiative.progress_log, initiative.history) if log]
    days.extend(i.measurements[-1].on for i in initiative.indicators if i.measurements)
    return max(days, default=None)


def owner_of(initiative: Initiative | Quiet, portfolio: Portfolio) -> str:
    """Who answers for it: its own owner, else the portfolio's ("" when neither says)."""
    return initiative.owner or portfolio.owner


class Quiet(NamedTuple):
    """What the stale rule reads of an initiative: from its record (``quiet_of``), or
    from its cache row without building the record (``quiet_of_row``)."""

    id: str
    title: str
    status: str
    owner: str | None  # its own (None: the portfolio's)
    review_every: str | None  # its own (None: the portfolio's)
    start: date | None  # its timeline's first day (None: ongoing, no start)
    last_update: date | None  # ``last_update``
    progress: int


def quiet_of(initiative: Initiative) -> Quiet:
    return Quiet(
        initiative.id,
        initiative.title,
        initiative.status,
        initiative.owner,
        initiative.review_every,
        initiative.timeline.start.start_date if initiative.timeline.start else None,
        last_update(initiative),
        initiative.progress,
    )


_ID, _TITLE, _STATUS = schema.ID_COLUMN, schema.TITLE_COLUMN, schema.STATUS_COLUMN
_OWNER, _REVIEW = schema.row_column("owner"), schema.row_column("review_every")
_START, _INDICATORS = schema.row_column("timeline"), schema.INDICATORS_COLUMN
_LOG, _HISTORY = schema.row_column("progress_log"), schema.row_column("history")
_ENTRY_DAY, _PERCENT = schema.ENTRY_DAY_COLUMN, schema.PERCENT_COLUMN


@lru_cache(maxsize=1024)
def _first_day(quarter_index: int) -> date:
    return Quarter.from_index(quarter_index).start_date


def quiet_of_row(row: schema.Row) -> Quiet:
    """``quiet_of`` the initiative of a cache row (schema.initiative_row), reading its
    columns: ``stale`` of a 10k store need not build 10k records. A row with
    indicators is built (its progress and measurements are the record's to compute)."""
    if row[_INDICATORS]:
        return quiet_of(schema.initiative_from_row(row))
    log, history = row[_LOG], row[_HISTORY]
    latest = max(log[-1][_ENTRY_DAY] if log else 0, history[-1][_ENTRY_DAY] if history else 0)
    start = row[_START]
    return Quiet(
        row[_ID],
        row[_TITLE],
        row[_STATUS],
        row[_OWNER],
        row[_REVIEW],
        None if start is None else _first_day(start),
        date.fromordinal(latest) if latest else None,
        schema.manual_progress(log[-1][_PERCENT] if log else None, row[_STATUS]),
    )


class Stale(NamedTuple):
    """An initiative that has gone quiet."""

    initiative: Quiet
    review_every: str  # its cadence as written (``cadence_text``)
    since: date | None  # what the days count from: the last update, else the timeline's start
    days: int | None  # days from ``since`` to today; None: no day to count from
    review_due: date | None  # the day the review fell due
    owner: str

    @property
    def last_update(self) -> date | None:  # None: never updated
        return self.initiative.last_update


def staleness(
    initiative: Initiative | Quiet, portfolio: Portfolio, today: date, days: int | None = None
) -> Stale | None:
    """``initiative`` as a Stale when it is stale on ``today`` (the module's rule), else None."""
    quiet = initiative if isinstance(initiative, Quiet) else quiet_of(initiative)
    if quiet.status in FINISHED_STATUSES or quiet.progress >= 100:
        return None
    since = quiet.last_update or quiet.start
    cadence = cadence_text(quiet, portfolio)
    owner = owner_of(quiet, portfolio)
    if since is None:
        return Stale(quiet, cadence, None, None, None, owner)
    due = since + timedelta(days=days) if days is not None else parse_cadence(cadence).after(since)
    if today <= due:
        return None
    return Stale(quiet, cadence, since, (today - since).days, due, owner)


def stale_initiatives(
    portfolio: Portfolio,
    initiatives: Iterable[Initiative | Quiet],
    today: date,
    *,
    days: int | None = None,
) -> list[Stale]:
    """The stale ones of ``initiatives``, oldest first (never updated, with no start, first)."""
    found = [s for item in initiatives if (s := staleness(item, portfolio, today, days))]
    return sorted(found, key=lambda s: (s.since is not None, s.since or date.min, s.initiative.id))
