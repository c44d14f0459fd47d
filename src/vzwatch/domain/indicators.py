"""Indicators: how far each has come, where it should be by now, and sums by unit.

Pure: records in, values out; ``today`` is always a parameter. The rules are
the ones README.md ("Indicators and measurements") documents; change both together.

Value
    The latest-dated measurement (of two on one day, the later-recorded one),
    else the baseline.

Share of the way
    ``(value - baseline) / (target - baseline)``, between 0 and 100 percent,
    rounded down. A target below the baseline (direction ``down``) works the
    same way: going down is going forward.

Progress of the initiative
    The mean of its indicators' shares, rounded down, when a measurement is
    dated after its latest manual progress entry (or it has no manual entry);
    else the manual entry, as without indicators (so manual progress wins
    where it is recorded later, and on the same day).

Expected share (the straight line)
    From the first day of the initiative's start quarter (when it has no start,
    the first measurement's day) to the last day of the indicator's ``by``
    quarter (default: the initiative's end quarter), the share of days before
    today, rounded half up: 0 on the first day, 100 from the day after the
    ``by`` quarter. None without a ``by`` quarter or a start.

Health of an indicator, the first rule that applies
    ``done``         share 100
    ``ongoing``      no expected share (no ``by`` quarter, or no start)
    ``not started``  today is before the line starts
    ``overdue``      today is after its ``by`` quarter
    ``behind``       more than ``TOLERANCE`` points below expected
    ``ahead``        more than ``TOLERANCE`` points above expected
    ``on track``     otherwise
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from vzwatch.domain.health import TOLERANCE, Health
from vzwatch.domain.quarters import Quarter
from vzwatch.domain.schema import Indicator, Initiative


def by_quarter(indicator: Indicator, initiative: Initiative) -> Quarter | None:
    """The quarter the indicator is to reach its target by: its ``by``, else the
    initiative's end quarter (None: neither, an ongoing initiative's indicator without one)."""
    return indicator.by or initiative.timeline.end


def line_start(indicator: Indicator, initiative: Initiative) -> date | None:
    """The first day of the indicator's straight line (see the module docstring)."""
    if initiative.timeline.start is not None:
        return initiative.timeline.start.start_date
    if indicator.measurements:
        return indicator.measurements[0].on
    return None


def expected_share(indicator: Indicator, initiative: Initiative, today: date) -> int | None:
    """Percent of the way the indicator should have come by ``today`` (None: no line)."""
    first = line_start(indicator, initiative)
    by = by_quarter(indicator, initiative)
    if first is None or by is None:
        return None
    last = by.end_date
    total = (last - first).days + 1
    if total <= 0:
        return 100
    elapsed = min(max((today - first).days, 0), total)
    return (200 * elapsed + total) // (2 * total)  # rounded half up, in integers


@dataclass(frozen=True, slots=True)
class IndicatorStatus:
    """One indicator as of a day: its share, where it should be, and its health."""

    indicator: Indicator
    expected: int | None
    health: Health

    @property
    def share(self) -> int:
        return self.indicator.share

    @property
    def gap(self) -> int | None:
        """Share minus expected share, in points (negative: behind)."""
        return None if self.expected is None else self.share - self.expected

    @property
    def health_label(self) -> str:
        """For people: 'on track', 'behind by 12 points', 'overdue'…"""
        gap = self.gap
        if self.health in (Health.BEHIND, Health.AHEAD) and gap is not None:
            points = abs(gap)
            return f"{self.health} by {points} point{'s' if points != 1 else ''}"
        return str(self.health)


def indicator_status(indicator: Indicator, initiative: Initiative, today: date) -> IndicatorStatus:
    """The indicator's health on ``today``, by the rules in the module docstring."""
    expected = expected_share(indicator, initiative, today)
    share = indicator.share
    first = line_start(indicator, initiative)
    by = by_quarter(indicator, initiative)
    if share >= 100:
        health = Health.DONE
    elif expected is None or first is None or by is None:
        health = Health.ONGOING
    elif today < first:
        health = Health.NOT_STARTED
    elif today > by.end_date:
        health = Health.OVERDUE
    elif share - expected < -TOLERANCE:
        health = Health.BEHIND
    elif share - expected > TOLERANCE:
        health = Health.AHEAD
    else:
        health = Health.ON_TRACK
    return IndicatorStatus(indicator, expected, health)


def expected_progress(initiative: Initiative, today: date) -> int | None:
    """The mean expected share of the initiative's indicators that have a line, rounded
    down (None when none has one): what its progress from indicators is held against."""
    expected = [
        share
        for indicator in initiative.indicators
        if (share := expected_share(indicator, initiative, today)) is not None
    ]
    return sum(expected) // len(expected) if expected else None


def format_number(value: float) -> str:
    """200000 -> '200,000'; 2.5 -> '2.5'; 1234.5678 -> '1,234.57'."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def amount(value: float, unit: str) -> str:
    """A value with its unit: '50,000 people', '2.5' (no unit)."""
    return f"{format_number(value)} {unit}".rstrip()


@dataclass(frozen=True, slots=True)
class UnitSum:
    """The indicators of one unit added up: their values, baselines and targets."""

    unit: str
    count: int
    value: float
    baseline: float
    target: float


def pairs(initiatives: Iterable[Initiative]) -> tuple[tuple[Initiative, Indicator], ...]:
    """Each indicator of ``initiatives`` with its initiative, in their order."""
    return tuple((initiative, i) for initiative in initiatives for i in initiative.indicators)


def due_in(
    found: Iterable[tuple[Initiative, Indicator]], quarter: Quarter
) -> tuple[Indicator, ...]:
    """The indicators to reach their target by ``quarter``."""
    return tuple(i for initiative, i in found if by_quarter(i, initiative) == quarter)


def sums_text(sums: Iterable[UnitSum]) -> str:
    """'80,000 / 200,000 people (2 indicators); 1 / 3 forums' ('' for none)."""
    parts = []
    for total in sums:
        counted = f" ({total.count} indicators)" if total.count > 1 else ""
        value, target = format_number(total.value), format_number(total.target)
        parts.append(f"{value} / {target} {total.unit}{counted}")
    return "; ".join(parts)


def sums_by_unit(indicators: Iterable[Indicator]) -> tuple[UnitSum, ...]:
    """Indicators of the same unit added up, units in order of first appearance.

    Indicators without a unit are not added to anything (a count of one thing
    and a count of another are not one count).
    """
    found: dict[str, list[Indicator]] = {}
    for indicator in indicators:
        if indicator.unit:
            found.setdefault(indicator.unit, []).append(indicator)
    return tuple(
        UnitSum(
            unit,
            len(listed),
            sum(i.value for i in listed),
            sum(i.baseline for i in listed),
            sum(i.target for i in listed),
        )
        for unit, listed in found.items()
    )
