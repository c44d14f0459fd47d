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

from vzwatch.domain.schema import Initiative, Portfolio

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


def cadence_text(initiative: Initiative, portfolio: Portfolio) -> str:
    """The cadence as written: the initiative's own, else the portfolio's, else the default."""
    return initiative.review_every or portfolio.review_every or DEFAULT_CADENCE


def cadence_of(initiative: Initiative, portfolio: Portfolio) -> Cadence:
    """The initiative's own cadence, else the portfolio's, else ``DEFAULT_CADENCE``."""
    return parse_cadence(cadence_text(initiative, portfolio))


def last_update(initiative: Initiative) -> date | None:
    """The latest date of a progress entry, a measurement of one of its indicators or a
    recorded change of any field."""
    days = [entry.on for entry in initiative.progress_log]
    days.extend(entry.on for entry in initiative.history)
    days.extend(m.on for indicator in initiative.indicators for m in indicator.measurements)
    return max(days, default=None)


def owner_of(initiative: Initiative, portfolio: Portfolio) -> str:
    """Who answers for it: its own owner, else the portfolio's ("" when neither says)."""
    return initiative.owner or portfolio.owner


class Stale(NamedTuple):
    """An initiative that has gone quiet."""

    initiative: Initiative
    last_update: date | None  # None: never updated
    since: date | None  # what the days count from: the last update, else the timeline's start
    days: int | None  # days from ``since`` to today; None: no day to count from
    review_due: date | None  # the day the review fell due
    owner: str


def staleness(
    initiative: Initiative, portfolio: Portfolio, today: date, days: int | None = None
) -> Stale | None:
    """``initiative`` as a Stale when it is stale on ``today`` (the module's rule), else None."""
    if initiative.finished or initiative.progress >= 100:
        return None
    updated = last_update(initiative)
    start = initiative.timeline.start
    since = updated or (start.start_date if start else None)
    owner = owner_of(initiative, portfolio)
    if since is None:
        return Stale(initiative, None, None, None, None, owner)
    due = (
        since + timedelta(days=days)
        if days is not None
        else cadence_of(initiative, portfolio).after(since)
    )
    if today <= due:
        return None
    return Stale(initiative, updated, since, (today - since).days, due, owner)


def stale_initiatives(
    portfolio: Portfolio,
    initiatives: Iterable[Initiative],
    today: date,
    *,
    days: int | None = None,
) -> list[Stale]:
    """The stale ones of ``initiatives``, oldest first (never updated, with no start, first)."""
    found = [s for item in initiatives if (s := staleness(item, portfolio, today, days))]
    return sorted(found, key=lambda s: (s.since is not None, s.since or date.min, s.initiative.id))
