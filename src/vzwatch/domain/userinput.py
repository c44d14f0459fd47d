"""Everything a person types, read and checked in one place.

Options and arguments arrive as text: a date (``--today``, ``--date``,
``--since``), a quarter (``--quarter``, ``--active-in``, ``--from``), a
timeline, a percent, a status, a pillar, an id, free text. Each reader here
returns the value or raises one ``UsageError`` (exit code 2) that quotes the
input with its control characters escaped and says what would be accepted.
Import rows (``formats.sources``) use the same checks and report a problem
per row instead. Values read from the store are checked by ``schema``.

Dates are read as people write them: ``2025-02-14``, ``14 February 2025``,
``Feb 14, 2025``, ``Friday 14 Feb 2025`` (the weekday must be right). Numbers
alone are read only as ``YYYY-MM-DD``: ``03/04/2025`` is 3 April in most of
the world and March 4 in the US, so it is refused with both readings. Names
of months go through python-dateutil, imported only then (it costs ~30 ms).

Pure: no I/O and no clock; ``today`` is a parameter.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from vzwatch.domain.errors import InvalidQuarter, UsageError
from vzwatch.domain.quarters import (
    CALENDAR,
    MAX_YEAR,
    MIN_YEAR,
    FiscalCalendar,
    Quarter,
    Timeline,
    parse_quarter,
    parse_timeline,
)
from vzwatch.domain.schema import ID_PATTERN, MAX_TEXT_LENGTH, STATUSES
from vzwatch.domain.text import unsafe_character, visible

if TYPE_CHECKING:
    from vzwatch.domain.schema import Portfolio

__all__ = [
    "as_of",
    "date",
    "entry_date",
    "ident",
    "percent",
    "pillar",
    "quarter",
    "since",
    "sources",
    "status",
    "text",
    "timeline",
]

DATE_FORMS = "2025-02-14 or 14 February 2025"
QUARTER_FORMS = (
    f"Q1-2025, Q1 2025, 2025-Q1, 2025Q1, FY2024 Q1, this, next, last or a date ({DATE_FORMS})"
)
_LIMITS = f"quarters Q1–Q4, years {MIN_YEAR}–{MAX_YEAR}"
_MAX_QUOTED = 80  # a junk value must not flood the one-line message

_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)
# Slashes, dots or dashes between numbers only: 03/04/2025, 3.4.25, 2025/03/04.
_NUMERIC_DATE = re.compile(r"[0-9]{1,4}([-/.])[0-9]{1,2}\1[0-9]{1,4}", re.ASCII)
_WORD = re.compile(r"[a-z]+", re.ASCII | re.IGNORECASE)
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_WEEKDAYS = {
    name: number
    for number, names in enumerate(
        (
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thur", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        )
    )
    for name in names
}
# Words dateutil reads besides months and weekdays: "14th of February".
_FILLERS = {"st", "nd", "rd", "th", "of"}
_RELATIVE = {"this": 0, "next": 1, "last": -1}


def _quoted(value: str) -> str:
    shown = visible(value if len(value) <= _MAX_QUOTED else value[:_MAX_QUOTED] + "…")
    return f"'{shown}'"


def _spelled(day: dt.date) -> str:
    return f"{day.day} {day.strftime('%B')} {day.year}"


# --- dates --------------------------------------------------------------------------


def date(value: str, option: str | None = None) -> dt.date:
    """A day as a person writes it (see the module docstring); ``option`` names it in errors."""
    stripped = value.strip()
    prefix = f"{option} " if option else ""

    def refuse(reason: str) -> UsageError:
        return UsageError(f"{prefix}{_quoted(value)} is not a date: {reason}")

    if iso := _ISO_DATE.fullmatch(stripped):
        try:
            day = dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
        except ValueError:
            raise refuse(f"there is no such day (write {DATE_FORMS})") from None
    elif _NUMERIC_DATE.fullmatch(stripped):
        raise refuse(_numeric_hint(stripped))
    else:
        day = _written(stripped, refuse)
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise UsageError(
            f"{prefix}{_quoted(value)} is outside the days vzwatch handles "
            f"({MIN_YEAR}-01-01 to {MAX_YEAR}-12-31)"
        )
    return day


def _numeric_hint(text: str) -> str:
    """Why ``03/04/2025`` is refused, with the ISO form of each way to read it."""
    parts = [int(part) for part in re.split(r"[-/.]", text)]
    if parts[0] > 31:  # year first: 2025/03/04
        readings = [(parts[0], parts[1], parts[2])]
    else:
        year = parts[2] + (2000 if parts[2] < 100 else 0)
        readings = [(year, parts[1], parts[0]), (year, parts[0], parts[1])]  # day or month first
    days: list[dt.date] = []
    for year, month, day in readings:
        try:
            if dt.date(year, month, day) not in days:
                days.append(dt.date(year, month, day))
        except ValueError:
            continue
    if len(days) == 2:
        first, second = days
        return (
            f"it could be {_spelled(first)} or {_spelled(second)}; "
            f"write {first.isoformat()} or {second.isoformat()}"
        )
    if days:
        return (
            f"numbers alone are read only as YYYY-MM-DD; write {days[0].isoformat()} "
            f"or {_spelled(days[0])}"
        )
    return f"there is no such day (write {DATE_FORMS})"


def _written(text: str, refuse: Callable[[str], UsageError]) -> dt.date:
    """A date with the month's name, read by python-dateutil and then checked whole."""
    words = [word.lower() for word in _WORD.findall(text)]
    months = [word for word in words if word in _MONTHS]
    unknown = [word for word in words if word not in _MONTHS and word not in _WEEKDAYS]
    if ":" in text:
        raise refuse(f"give a day without a time ({DATE_FORMS})")
    if len(months) != 1 or any(word not in _FILLERS for word in unknown):
        raise refuse(f"write {DATE_FORMS}")
    from dateutil.parser import ParserError, parse

    # Read twice with different defaults: a part taken from a default was not written.
    try:
        one = parse(text, default=dt.datetime(2001, 1, 1))
        two = parse(text, default=dt.datetime(2002, 2, 2))
    except (ParserError, ValueError, OverflowError):
        raise refuse(f"there is no such day (write {DATE_FORMS})") from None
    if one.date() != two.date():
        raise refuse(f"give the day, the month and the year ({DATE_FORMS})")
    day = one.date()
    weekdays = {_WEEKDAYS[word] for word in words if word in _WEEKDAYS}
    if weekdays and weekdays != {day.weekday()}:
        raise refuse(f"{_spelled(day)} is a {day.strftime('%A')}")
    return day


FIRST_DAY = dt.date(MIN_YEAR, 1, 1)
LAST_DAY = dt.date(MAX_YEAR, 12, 31)


def as_of(value: str | None, clock: dt.date, option: str = "--today") -> dt.date:
    """``--today``/``--as-of``: the day a run is as of; ``clock`` (the real today) when not given.

    Any day from 1900-01-01 to 2999-12-31: a read may look ahead (what will be
    due) as well as back.
    """
    return clock if value is None else date(value, option)


def entry_date(day: dt.date, clock: dt.date, option: str = "--date") -> dt.date:
    """The day a new ``[[progress]]`` or ``[[history]]`` entry describes: not after ``clock``.

    An entry records what has happened; one dated in the future would stand in
    front of every real update until that day.
    """
    if day > clock:
        raise UsageError(
            f"{option} {day.isoformat()} is in the future (today is {clock.isoformat()}): "
            "an entry records what has happened"
        )
    if day < FIRST_DAY:
        raise UsageError(f"{option} {day.isoformat()} is before {FIRST_DAY.isoformat()}")
    return day


def since(value: str, today: dt.date, fiscal: FiscalCalendar = CALENDAR) -> dt.date:
    """``--since``: a date, or a quarter (its first day); not after ``today``."""
    if _looks_like_date(value):
        first = date(value, "--since")
    else:
        first = quarter(value, today, fiscal).start_date
    if first > today:
        raise UsageError(f"--since {first.isoformat()} is after today ({today.isoformat()})")
    return first


def _looks_like_date(value: str) -> bool:
    stripped = value.strip()
    if _ISO_DATE.fullmatch(stripped) or _NUMERIC_DATE.fullmatch(stripped):
        return True
    return any(word.lower() in _MONTHS for word in _WORD.findall(stripped))


# --- quarters and timelines ---------------------------------------------------------


def quarter(value: str, today: dt.date, fiscal: FiscalCalendar = CALENDAR) -> Quarter:
    """A quarter: ``Q1-2025`` and the other spellings of ``quarters.parse_quarter``
    (fiscal ones through ``fiscal``), ``this``/``next``/``last`` (from ``today``,
    in calendar quarters) or a date (the quarter it falls in)."""
    stripped = value.strip()
    try:
        shift = _RELATIVE.get(stripped.lower()) if stripped.isascii() else None
        if shift is not None:
            return Quarter.containing(today).shifted(shift)
        if _looks_like_date(stripped):
            return Quarter.containing(date(stripped))
        return parse_quarter(stripped, fiscal)
    except InvalidQuarter:
        raise UsageError(
            f"{_quoted(value)} is not a quarter: use {QUARTER_FORMS} ({_LIMITS})"
        ) from None


def timeline(value: str, fiscal: FiscalCalendar = CALENDAR) -> Timeline:
    """A timeline as ``quarters.parse_timeline`` reads it (``Q3 – Q4 2024``, ``ongoing``…)."""
    try:
        return parse_timeline(value, fiscal)
    except InvalidQuarter as error:
        raise UsageError(str(error)) from None


# --- numbers, statuses, names ---------------------------------------------------------


def percent(value: str) -> int:
    """PERCENT: a whole number from 0 to 100, with or without '%'."""
    digits = value.strip().removesuffix("%").strip()
    if not re.fullmatch(r"[0-9]{1,3}", digits, re.ASCII) or int(digits) > 100:
        raise UsageError(f"percent {_quoted(value)} is not a whole number from 0 to 100")
    return int(digits)


def status(value: str) -> str:
    """One of ``schema.Status``, in any case (the stored string)."""
    wanted = value.strip().lower()
    if wanted not in STATUSES:
        raise UsageError(f"status {_quoted(value)} is not one of {', '.join(STATUSES)}")
    return wanted


def pillar(portfolio: Portfolio, wanted: str | None) -> str | None:
    """A pillar of the store, given by id or by name in any case (None for none)."""
    if not wanted:
        return None
    key = wanted.strip().casefold()
    for known in portfolio.pillars:
        if key in (known.id.casefold(), known.name.casefold()):
            return known.id
    listed = ", ".join(p.id for p in portfolio.pillars) or "none defined in the store"
    raise UsageError(f"unknown pillar {_quoted(wanted)} (known: {listed})")


def sources(portfolio: Portfolio, wanted: Sequence[str]) -> tuple[str, ...]:
    """The ``[[sources]]`` ids that ``--source`` values name: an id or unambiguous prefix each.

    An unknown or ambiguous one is a usage error listing the close matches.
    """
    known = [source.id for source in portfolio.sources]
    chosen: list[str] = []
    for value in wanted:
        key = text(value, "--source").lower()
        matches = [key] if key in known else [i for i in known if key and i.startswith(key)]
        if len(matches) != 1:
            raise UsageError(_unknown_source(value, key, matches, portfolio))
        if matches[0] not in chosen:
            chosen.append(matches[0])
    return tuple(chosen)


def sources_or_text(
    portfolio: Portfolio, values: Sequence[str]
) -> tuple[tuple[str, ...], str | None]:
    """`import --source`: the values that name ``[[sources]]`` (an id or prefix), and the
    one free-text source label among them (the store's older ``source`` key), if any.

    A value written like an id ("kyodo") that names no source is a usage error
    when the store has sources; text such as "Japan Wire, 2024-07-01" is a label.
    """
    ids: list[str] = []
    label: str | None = None
    for value in values:
        key = text(value, "--source").lower()
        named = any(key and source.id.startswith(key) for source in portfolio.sources)
        if named or (portfolio.sources and ID_PATTERN.fullmatch(key)):
            ids.extend(sources(portfolio, [value]))
        elif label is None:
            label = text(value, "--source")
        else:
            raise UsageError("give at most one --source that is not a [[sources]] id")
    return tuple(dict.fromkeys(ids)), label


def _unknown_source(value: str, key: str, matches: list[str], portfolio: Portfolio) -> str:
    if matches:
        return f"source {_quoted(value)} matches several sources: {', '.join(matches)}"
    import difflib

    by_outlet = {source.outlet.casefold(): source.id for source in portfolio.sources}
    close = difflib.get_close_matches(key, [s.id for s in portfolio.sources], n=3, cutoff=0.5)
    close += [by_outlet[o] for o in difflib.get_close_matches(key, by_outlet, n=3, cutoff=0.5)]
    close += [s.id for s in portfolio.sources if key and key in s.outlet.casefold()]
    listed = ", ".join(dict.fromkeys(close)) or "none"
    hint = "see `vzwatch sources`" if portfolio.sources else "add one with `vzwatch source add`"
    return f"unknown source {_quoted(value)} (close matches: {listed}; {hint})"


def ident(value: str) -> str:
    """An id chosen by a person (``--id``): lowercase letters, digits and dashes."""
    chosen = text(value, "id").lower()
    if not ID_PATTERN.fullmatch(chosen):
        raise UsageError(
            f"id {_quoted(chosen)} must be lowercase letters, digits and dashes, "
            "starting and ending with a letter or digit"
        )
    return chosen


def text(value: str, what: str, *, multiline: bool = False) -> str:
    """Free text (a title, a note…), refused if it could act on a terminal or is too long.

    Stripped of surrounding space, unless ``multiline`` (an objective or note,
    whose line breaks and tabs are kept; Windows line ends become ``\n``).
    """
    if multiline:
        value = value.replace("\r\n", "\n")
    bad = unsafe_character(value.replace("\n", "").replace("\t", "") if multiline else value)
    if bad is not None:
        raise UsageError(f"{what} contains a control or invisible character ({bad}); remove it")
    if len(value) > MAX_TEXT_LENGTH:
        raise UsageError(f"{what} is longer than {MAX_TEXT_LENGTH} characters")
    return value if multiline else value.strip()


def cadence(value: str) -> str:
    """``value`` if it names a review cadence ('30 days', 'monthly', …); else UsageError."""
    from vzwatch.domain.cadence import parse_cadence

    try:
        parse_cadence(value)
    except ValueError as error:
        raise UsageError(str(error)) from None
    return value
