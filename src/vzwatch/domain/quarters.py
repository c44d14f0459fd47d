"""Quarters, fiscal calendars and quarter-based timelines.

A pure module: no I/O, no clock (``today`` is always a parameter) and only
the standard library, because it sits on every command's start-up path.
Every parse failure raises :class:`vzwatch.domain.errors.InvalidQuarter` with a
one-line message that quotes the input and lists the accepted forms.

Parsing works on tokens, not on one big regular expression. The hyphen is
both a joiner inside a quarter (``Q3-2024``, ``2024-Q3``) and a range
separator (``Q3-Q4 2024``); a string is first read as a single period and
only then as ``start <separator> end``, trying every separator position and
rejecting the string if two readings disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal, NamedTuple

from vzwatch.domain.errors import InvalidQuarter

__all__ = [
    "CALENDAR",
    "JAPAN",
    "MAX_YEAR",
    "MIN_YEAR",
    "US_FEDERAL",
    "FiscalCalendar",
    "Quarter",
    "Timeline",
    "parse_quarter",
    "parse_timeline",
]

MIN_YEAR = 1900
MAX_YEAR = 2999

_LIMITS = f"quarters Q1–Q4, years {MIN_YEAR}–{MAX_YEAR}"
_QUARTER_FORMS = "Q1-2025, Q1 2025, 2025-Q1 or 2025Q1"
_TIMELINE_FORMS = (
    "Q1-2025, Q3-Q4 2024, Q4 2024 – Q1 2025, Q3-2024..Q1-2025, H1 2025, 2025, FY2024, "
    "Q2 2025 – ongoing or ongoing"
)
# Quoted input longer than this is cut, so a junk value cannot flood the one-line message.
_MAX_QUOTED = 80


@dataclass(frozen=True, order=True, slots=True)
class Quarter:
    """A calendar quarter; orders chronologically (year first, then number)."""

    year: int
    number: int

    def __post_init__(self) -> None:
        if not (MIN_YEAR <= self.year <= MAX_YEAR and 1 <= self.number <= 4):
            raise InvalidQuarter(
                f"Q{self.number}-{self.year} is not a quarter: use {_QUARTER_FORMS} ({_LIMITS})"
            )

    def __str__(self) -> str:
        return f"Q{self.number}-{self.year}"

    @property
    def index(self) -> int:
        """Consecutive integer per quarter, so quarter arithmetic is integer arithmetic."""
        return self.year * 4 + self.number - 1

    @classmethod
    def from_index(cls, index: int) -> Quarter:
        """The quarter whose :attr:`index` is ``index``."""
        return _quarter_at(index)

    @classmethod
    def containing(cls, day: date) -> Quarter:
        """The quarter that ``day`` falls in."""
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def start_date(self) -> date:
        """First day of the quarter."""
        return date(self.year, self.number * 3 - 2, 1)

    @property
    def end_date(self) -> date:
        """Last day of the quarter."""
        if self.number == 4:
            return date(self.year, 12, 31)
        # Computed from the following month, not from next(): Q4-2999 has no next quarter.
        return date(self.year, self.number * 3 + 1, 1) - timedelta(days=1)

    @property
    def days(self) -> int:
        """Length of the quarter in days (90, 91 or 92)."""
        return (self.end_date - self.start_date).days + 1

    def next(self) -> Quarter:
        """The following quarter."""
        return self.shifted(1)

    def previous(self) -> Quarter:
        """The preceding quarter."""
        return self.shifted(-1)

    def shifted(self, n: int) -> Quarter:
        """The quarter ``n`` quarters later (earlier when ``n`` is negative).

        Raises InvalidQuarter when the result falls outside the supported years.
        """
        return Quarter.from_index(self.index + n)

    def contains(self, day: date) -> bool:
        """Whether ``day`` falls in this quarter (never raises, whatever the year)."""
        return day.year == self.year and (day.month - 1) // 3 + 1 == self.number


@lru_cache(maxsize=1024)
def _quarter_at(index: int) -> Quarter:
    """One object per quarter (they are immutable): the cached rows of a big store hold
    the same few quarters thousands of times."""
    year, offset = divmod(index, 4)
    return Quarter(year, offset + 1)


@dataclass(frozen=True, slots=True)
class FiscalCalendar:
    """How fiscal years map onto calendar quarters.

    ``start_month`` is the first month of the fiscal year; it must start a
    calendar quarter so that fiscal quarters are calendar quarters.
    ``named_by`` says whether FY2025 is the fiscal year that starts in 2025
    or the one that ends in 2025.
    """

    start_month: int = 1
    named_by: Literal["start", "end"] = "start"

    def __post_init__(self) -> None:
        if self.start_month not in (1, 4, 7, 10):
            raise InvalidQuarter(
                f"fiscal year start month {self.start_month!r} is not 1, 4, 7 or 10"
                " (fiscal quarters must be calendar quarters)"
            )
        # The Literal type is not enforced at runtime, and the value may come from a file.
        if self.named_by not in ("start", "end"):
            raise InvalidQuarter(f"fiscal year naming {self.named_by!r} is not 'start' or 'end'")

    def quarter(self, fiscal_year: int, fiscal_quarter: int) -> Quarter:
        """The calendar quarter that is quarter ``fiscal_quarter`` of ``fiscal_year``."""
        if not 1 <= fiscal_quarter <= 4:
            raise InvalidQuarter(
                f"FY{fiscal_year} Q{fiscal_quarter} is not a fiscal quarter ({_LIMITS})"
            )
        starts_in = fiscal_year
        # A year starting in January ends in the same calendar year; any other start
        # month makes it end the year after, so naming by the end year shifts it back.
        if self.named_by == "end" and self.start_month != 1:
            starts_in -= 1
        first_quarter_index = starts_in * 4 + (self.start_month - 1) // 3
        return Quarter.from_index(first_quarter_index + fiscal_quarter - 1)


CALENDAR = FiscalCalendar()
JAPAN = FiscalCalendar(4, "start")
US_FEDERAL = FiscalCalendar(10, "end")


@dataclass(frozen=True, slots=True)
class Timeline:
    """A span of quarters, possibly ongoing (``end`` is None).

    ``start`` is None only for a timeline that is ongoing with no known start.
    """

    start: Quarter | None
    end: Quarter | None

    def __post_init__(self) -> None:
        if self.start is None and self.end is not None:
            raise InvalidQuarter(f"a timeline that ends in {self.end} needs a start")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise InvalidQuarter(f"timeline {self.start}..{self.end} ends before it starts")

    @property
    def ongoing(self) -> bool:
        """Whether the timeline has no end yet."""
        return self.end is None

    @property
    def label(self) -> str:
        """How people read it: 'Q3-2024 – Q4-2024', 'Q1-2025', 'Q2-2025 – ongoing'."""
        return str(self).replace("..", " – ")

    def __str__(self) -> str:
        if self.start is None:
            return "ongoing"
        if self.end is None:
            return f"{self.start}..ongoing"
        if self.start == self.end:
            return str(self.start)
        return f"{self.start}..{self.end}"

    def active_in(self, quarter: Quarter) -> bool:
        """Whether the timeline overlaps ``quarter``.

        An ongoing timeline with no known start counts as active in every quarter.
        """
        return span_active_in(
            None if self.start is None else self.start.index,
            None if self.end is None else self.end.index,
            quarter.index,
        )

    def ends_in(self, quarter: Quarter) -> bool:
        """Whether the timeline's last quarter is ``quarter`` (never for ongoing ones)."""
        return self.end == quarter

    def ended_before(self, quarter: Quarter) -> bool:
        """Whether the timeline ended in a quarter before ``quarter``."""
        return self.end is not None and self.end < quarter

    def quarters(self, until: Quarter | None = None) -> list[Quarter]:
        """The quarters of the span, in order, stopping at ``until`` when given.

        ``until`` caps every timeline, not only ongoing ones, so a caller can
        pass one horizon for all; it is required for an ongoing timeline.
        Raises ValueError for an ongoing timeline without ``until`` or without start.
        """
        if self.start is None:
            raise ValueError("an ongoing timeline with no start has no list of quarters")
        if self.end is None and until is None:
            raise ValueError(f"timeline {self} is ongoing: pass until= to list its quarters")
        last_index = min(q.index for q in (self.end, until) if q is not None)
        return [Quarter.from_index(i) for i in range(self.start.index, last_index + 1)]


# --- Parsing -----------------------------------------------------------------


class _ParseError(Exception):
    """Internal: the text is not valid; ``reason`` adds detail to the message."""

    def __init__(self, reason: str = "") -> None:
        super().__init__(reason)
        self.reason = reason


class _Token(NamedTuple):
    kind: str  # one character, see _KIND_OF_GROUP; a string of kinds is a "shape"
    value: int  # quarter or half number, or year; 0 for words and separators


# re.ASCII matters twice: [0-9] and IGNORECASE must not accept look-alikes
# (Arabic-Indic or full-width digits, the dotless ı in "ongoıng", the Kelvin sign).
_TOKEN = re.compile(
    r"""
      (?P<quarter> Q (?P<quarter_number>[0-9]+) )
    | (?P<half> H (?P<half_number>[0-9]+) )
    | (?P<fiscal_year> FY )
    | (?P<year> [0-9]+ )
    | (?P<range> \.\. | TO )
    | (?P<dash> [-‐‑‒–—−] )
    | (?P<ongoing> ONGOING )
    | (?P<from> FROM )
    """,
    re.ASCII | re.IGNORECASE | re.VERBOSE,
)

_KIND_OF_GROUP = {
    "quarter": "Q",
    "half": "H",
    "fiscal_year": "F",
    "year": "Y",
    "range": "R",  # only ever a range separator
    "dash": "-",  # a joiner inside a quarter, or a range separator
    "ongoing": "O",
    "from": "S",
}


def _endpoint_shapes() -> frozenset[str]:
    shapes = {"Y", "FY", "O"}
    for period in "QH":
        for year in ("Y", "FY"):
            shapes |= {period + year, f"{period}-{year}", year + period, f"{year}-{period}"}
        shapes.add(period)  # year-less, borrows the year from the other end of a range
    return frozenset(shapes)


# Every token sequence that can stand for one period or for "ongoing".
_ENDPOINT_SHAPES = _endpoint_shapes()
# "from", two endpoints and a separator; anything longer is rejected before the
# split search, which would otherwise be quadratic in the length of junk input.
_MAX_TIMELINE_TOKENS = 2 + 2 * max(len(shape) for shape in _ENDPOINT_SHAPES)


class _Period(NamedTuple):  # not a dataclass: it is only for parsing, and start-up counts
    """One endpoint as written: a quarter, a half or a whole (fiscal) year."""

    unit: Literal["Q", "H", "Y"]
    number: int  # quarter or half number; 0 for a whole year
    year: int | None  # None when written without one, as "Q3" in "Q3 – Q4 2024"
    fiscal: bool

    def span(self, fiscal: FiscalCalendar) -> tuple[Quarter, Quarter]:
        """First and last calendar quarter of the period; the year must be known."""
        if self.year is None:
            raise _ParseError("no year given")
        if self.unit == "Q":
            first, last = self.number, self.number
        elif self.unit == "H":
            first, last = self.number * 2 - 1, self.number * 2
        else:
            first, last = 1, 4
        if self.fiscal:
            return fiscal.quarter(self.year, first), fiscal.quarter(self.year, last)
        return Quarter(self.year, first), Quarter(self.year, last)


_Ongoing = Literal["ongoing"]
_Endpoint = _Period | _Ongoing


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    # str.split() splits on any Unicode space (a pasted no-break space too); the
    # chunks are then scanned with no gaps, so any unknown character is an error.
    for chunk in text.split():
        position = 0
        while position < len(chunk):
            match = _TOKEN.match(chunk, position)
            if match is None:
                raise _ParseError
            tokens.append(_token(match))
            position = match.end()
    return tokens


def _token(match: re.Match[str]) -> _Token:
    if number := match["quarter_number"]:
        if len(number) != 1 or not 1 <= int(number) <= 4:
            raise _ParseError
        return _Token("Q", int(number))
    if number := match["half_number"]:
        if number not in ("1", "2"):
            raise _ParseError
        return _Token("H", int(number))
    if digits := match["year"]:
        if len(digits) != 4 or not MIN_YEAR <= int(digits) <= MAX_YEAR:
            raise _ParseError
        return _Token("Y", int(digits))
    group = match.lastgroup  # the outer group of the alternative that matched
    assert group is not None
    return _Token(_KIND_OF_GROUP[group], 0)


def _shape(tokens: list[_Token]) -> str:
    return "".join(token.kind for token in tokens)


def _read_endpoint(tokens: list[_Token]) -> _Endpoint | None:
    """The period or "ongoing" that ``tokens`` spell exactly, else None."""
    if _shape(tokens) not in _ENDPOINT_SHAPES:
        return None
    kinds = {token.kind: token.value for token in tokens}
    if "O" in kinds:
        return "ongoing"
    unit: Literal["Q", "H", "Y"] = "Q" if "Q" in kinds else "H" if "H" in kinds else "Y"
    return _Period(unit, kinds.get(unit, 0), kinds.get("Y"), fiscal="F" in kinds)


def _parse_period_tokens(tokens: list[_Token], fiscal: FiscalCalendar) -> Quarter:
    """A single quarter, calendar or fiscal, with its year."""
    period = _read_endpoint(tokens)
    if not isinstance(period, _Period) or period.unit != "Q" or period.year is None:
        raise _ParseError
    return period.span(fiscal)[0]


def _range(start: _Endpoint, end: _Endpoint, fiscal: FiscalCalendar) -> Timeline:
    if start == "ongoing":
        raise _ParseError("'ongoing' can only end a range")
    if end == "ongoing":
        return Timeline(start.span(fiscal)[0], None)
    # A year written once applies to both ends ("Q3 – Q4 2024", "2024 Q3-Q4"), but only
    # when the dated end names a quarter or half: "Q3 – 2025" reads as nothing sensible.
    if start.year is None and end.unit != "Y":
        start = start._replace(year=end.year, fiscal=end.fiscal)
    elif end.year is None and start.unit != "Y":
        end = end._replace(year=start.year, fiscal=start.fiscal)
    if (start.year is None) != (end.year is None):
        raise _ParseError("write the year on both ends")
    first, last = start.span(fiscal)[0], end.span(fiscal)[1]
    if last < first:
        raise _ParseError("it ends before it starts")
    return Timeline(first, last)


def _parse_timeline_tokens(tokens: list[_Token], fiscal: FiscalCalendar) -> Timeline:
    if len(tokens) > _MAX_TIMELINE_TOKENS:
        raise _ParseError
    open_ended = bool(tokens) and tokens[0].kind == "S"  # "from Q2 2025"
    if open_ended:
        tokens = tokens[1:]

    # A whole-string period wins over a range, so "Q3-2024" is one quarter
    # and not "Q3 up to 2024".
    whole = _read_endpoint(tokens)
    if whole == "ongoing":
        if open_ended:
            raise _ParseError
        return Timeline(None, None)
    if whole is not None:
        first, last = whole.span(fiscal)
        return Timeline(first, None if open_ended else last)

    readings: set[Timeline] = set()
    failure: _ParseError | None = None
    for position, token in enumerate(tokens):
        if token.kind not in "-R":
            continue
        start, end = _read_endpoint(tokens[:position]), _read_endpoint(tokens[position + 1 :])
        if start is None or end is None:
            continue
        try:
            readings.add(_range(start, end, fiscal))
        except _ParseError as error:
            failure = failure or error
        except InvalidQuarter:  # a fiscal quarter mapped outside the supported years
            failure = failure or _ParseError()
    if len(readings) > 1:
        spelled = " or ".join(sorted(str(reading) for reading in readings))
        raise _ParseError(f"it could mean {spelled}")
    if readings:
        return readings.pop()
    raise failure or _ParseError


def _invalid(text: str, noun: str, forms: str, error: Exception) -> InvalidQuarter:
    """The public error for ``text``: quoted input, any reason, the accepted forms."""
    quoted = repr(text if len(text) <= _MAX_QUOTED else text[:_MAX_QUOTED] + "…")
    reason = error.reason if isinstance(error, _ParseError) else ""
    detail = f"{reason}; " if reason else ""
    return InvalidQuarter(f"{quoted} is not a {noun}: {detail}use {forms} ({_LIMITS})")


def parse_quarter(text: str, fiscal: FiscalCalendar = CALENDAR) -> Quarter:
    """Parse one quarter: ``Q1-2025``, ``Q1 2025``, ``2025-Q1``, ``2025Q1``, ``FY2024 Q1``…

    Fiscal quarters (``FY2024 Q1``, ``FY2024-Q1``, ``Q1 FY2024``) map through ``fiscal``.
    """
    try:
        return _parse_period_tokens(_tokenize(text), fiscal)
    except (_ParseError, InvalidQuarter) as error:
        raise _invalid(text, "quarter", _QUARTER_FORMS, error) from None


def parse_timeline(text: str, fiscal: FiscalCalendar = CALENDAR) -> Timeline:
    """Parse a timeline: a quarter, half, (fiscal) year, a range of those, or ongoing.

    ``str()`` of the result parses back to an equal timeline.
    """
    try:
        return _parse_timeline_tokens(_tokenize(text), fiscal)
    except (_ParseError, InvalidQuarter) as error:
        raise _invalid(text, "timeline", _TIMELINE_FORMS, error) from None


def span_active_in(start: int | None, end: int | None, quarter: int) -> bool:
    """Whether quarters ``start``..``end`` (indices; None: open) overlap ``quarter``.

    An ongoing span with no known start counts as active in every quarter.
    """
    return start is None or (start <= quarter and (end is None or quarter <= end))
