"""Tests for vzwatch.domain.quarters: parsing, quarter arithmetic, fiscal calendars, timelines."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vzwatch.domain.errors import InvalidQuarter
from vzwatch.domain.quarters import (
    CALENDAR,
    JAPAN,
    US_FEDERAL,
    FiscalCalendar,
    Quarter,
    Timeline,
    parse_quarter,
    parse_timeline,
)

Q = Quarter  # short alias: tests build many quarters

ACCEPTED_QUARTER_FORMS = "use Q1-2025, Q1 2025, 2025-Q1 or 2025Q1"
TIMELINE_FORMS_START = "use Q1-2025, Q3-Q4 2024, Q4 2024 – Q1 2025"
LIMITS = "(quarters Q1–Q4, years 1900–2999)"

# --- Strategies ---------------------------------------------------------------

quarters = st.builds(Quarter, st.integers(1900, 2999), st.integers(1, 4))
# Quarters whose neighbours exist, for next()/previous() properties.
inner_quarters = st.builds(Quarter, st.integers(1901, 2998), st.integers(1, 4))
days = st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31))
fiscal_calendars = st.builds(
    FiscalCalendar, st.sampled_from([1, 4, 7, 10]), st.sampled_from(["start", "end"])
)
spaces = st.sampled_from(["", " ", "  ", "\t", "\u00a0"])
optional_spaces = st.sampled_from(["", " ", "\t"])
dashes = st.sampled_from(["-", "–", "—"])


@st.composite
def bounded_timelines(draw: st.DrawFn) -> Timeline:
    first, second = sorted((draw(quarters), draw(quarters)))
    return Timeline(first, second)


timelines = st.one_of(
    bounded_timelines(),
    st.builds(Timeline, quarters, st.none()),
    st.just(Timeline(None, None)),
)


def random_case(draw: st.DrawFn, text: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(ch.upper() if flip else ch.lower() for ch, flip in zip(text, flips, strict=True))


@st.composite
def quarter_spellings(draw: st.DrawFn, quarter: Quarter) -> str:
    """One of the accepted ways to write ``quarter`` (in the calendar-year fiscal calendar)."""
    q = random_case(draw, f"Q{quarter.number}")
    fy = random_case(draw, "FY")
    year = str(quarter.year)
    gap = draw(optional_spaces)
    dash = draw(st.sampled_from(["-", f"{gap}-{gap}", " "]))
    template = draw(
        st.sampled_from(
            [
                f"{q}{dash}{year}",
                f"{year}{dash}{q}",
                f"{year}{q}",
                f"{fy}{year}{dash}{q}",
                f"{q} {fy}{year}",
            ]
        )
    )
    return draw(spaces) + template + draw(spaces)


# --- Quarter ------------------------------------------------------------------


def test_str_is_canonical() -> None:
    assert str(Q(2025, 1)) == "Q1-2025"
    assert str(Q(1900, 4)) == "Q4-1900"


@pytest.mark.parametrize(("year", "number"), [(2025, 0), (2025, 5), (1899, 4), (3000, 1)])
def test_quarter_rejects_out_of_range_fields(year: int, number: int) -> None:
    with pytest.raises(InvalidQuarter, match="quarters Q1–Q4, years 1900–2999"):
        Quarter(year, number)


def test_index_and_from_index() -> None:
    assert Q(2025, 1).index == 2025 * 4
    assert Q(2025, 4).index == 2025 * 4 + 3
    assert Quarter.from_index(2025 * 4 + 2) == Q(2025, 3)
    assert Quarter.from_index(2024 * 4 + 3) == Q(2024, 4)


@pytest.mark.parametrize(
    ("quarter", "start", "end", "length"),
    [
        (Q(2025, 1), date(2025, 1, 1), date(2025, 3, 31), 90),
        (Q(2024, 1), date(2024, 1, 1), date(2024, 3, 31), 91),  # leap year
        (Q(2000, 1), date(2000, 1, 1), date(2000, 3, 31), 91),  # divisible by 400: leap
        (Q(1900, 1), date(1900, 1, 1), date(1900, 3, 31), 90),  # divisible by 100: not leap
        (Q(2025, 2), date(2025, 4, 1), date(2025, 6, 30), 91),
        (Q(2025, 3), date(2025, 7, 1), date(2025, 9, 30), 92),
        (Q(2025, 4), date(2025, 10, 1), date(2025, 12, 31), 92),
        (Q(2999, 4), date(2999, 10, 1), date(2999, 12, 31), 92),  # the last supported quarter
    ],
)
def test_start_end_and_length(quarter: Quarter, start: date, end: date, length: int) -> None:
    assert quarter.start_date == start
    assert quarter.end_date == end
    assert quarter.days == length


@pytest.mark.parametrize(
    ("quarter", "following"),
    [
        (Q(2024, 4), Q(2025, 1)),
        (Q(2025, 1), Q(2025, 2)),
        (Q(2025, 3), Q(2025, 4)),
        (Q(1999, 4), Q(2000, 1)),
    ],
)
def test_next_and_previous_across_years(quarter: Quarter, following: Quarter) -> None:
    assert quarter.next() == following
    assert following.previous() == quarter


def test_shifted() -> None:
    assert Q(2025, 2).shifted(0) == Q(2025, 2)
    assert Q(2025, 2).shifted(3) == Q(2026, 1)
    assert Q(2025, 2).shifted(-2) == Q(2024, 4)
    assert Q(2025, 2).shifted(-8) == Q(2023, 2)


def test_arithmetic_past_the_supported_years_raises() -> None:
    with pytest.raises(InvalidQuarter):
        Q(2999, 4).next()
    with pytest.raises(InvalidQuarter):
        Q(1900, 1).previous()


@pytest.mark.parametrize(
    ("first_day", "last_day", "number"),
    [
        (date(2025, 1, 1), date(2025, 3, 31), 1),
        (date(2025, 4, 1), date(2025, 6, 30), 2),
        (date(2025, 7, 1), date(2025, 9, 30), 3),
        (date(2025, 10, 1), date(2025, 12, 31), 4),
    ],
)
def test_containing_first_and_last_day(first_day: date, last_day: date, number: int) -> None:
    assert Quarter.containing(first_day) == Q(2025, number)
    assert Quarter.containing(last_day) == Q(2025, number)
    # The days either side belong to the neighbouring quarters.
    assert Quarter.containing(first_day - timedelta(days=1)) == Q(2025, number).previous()
    assert Quarter.containing(last_day + timedelta(days=1)) == Q(2025, number).next()


def test_contains() -> None:
    assert Q(2024, 1).contains(date(2024, 2, 29))
    assert not Q(2024, 1).contains(date(2024, 4, 1))
    assert not Q(2024, 1).contains(date(2025, 2, 1))  # same quarter number, other year
    assert not Q(2024, 1).contains(date(1800, 1, 1))  # outside the supported years: no raise


def test_ordering() -> None:
    assert Q(2024, 4) < Q(2025, 1) < Q(2025, 2)
    assert sorted([Q(2025, 1), Q(2023, 4), Q(2024, 2)]) == [Q(2023, 4), Q(2024, 2), Q(2025, 1)]


# --- Fiscal calendars ------------------------------------------------------------


@pytest.mark.parametrize(
    ("fiscal", "fiscal_year", "fiscal_quarter", "expected"),
    [
        (CALENDAR, 2024, 1, Q(2024, 1)),
        (CALENDAR, 2024, 4, Q(2024, 4)),
        (JAPAN, 2024, 1, Q(2024, 2)),
        (JAPAN, 2024, 3, Q(2024, 4)),
        (JAPAN, 2024, 4, Q(2025, 1)),
        (US_FEDERAL, 2025, 1, Q(2024, 4)),
        (US_FEDERAL, 2025, 2, Q(2025, 1)),
        (US_FEDERAL, 2025, 4, Q(2025, 3)),
        (FiscalCalendar(1, "end"), 2024, 1, Q(2024, 1)),  # Jan–Dec ends in the year it starts
        (FiscalCalendar(7, "start"), 2024, 1, Q(2024, 3)),
        (FiscalCalendar(7, "end"), 2024, 1, Q(2023, 3)),  # Australian style: FY2024 = Jul 2023–
        (FiscalCalendar(4, "end"), 2025, 4, Q(2025, 1)),  # UK style: FY2025 = Apr 2024–Mar 2025
    ],
)
def test_fiscal_quarter_mapping(
    fiscal: FiscalCalendar, fiscal_year: int, fiscal_quarter: int, expected: Quarter
) -> None:
    assert fiscal.quarter(fiscal_year, fiscal_quarter) == expected


@pytest.mark.parametrize("start_month", [0, 2, 3, 12, 13])
def test_fiscal_calendar_start_month_must_start_a_quarter(start_month: int) -> None:
    with pytest.raises(ValueError, match="1, 4, 7 or 10"):
        FiscalCalendar(start_month)


def test_fiscal_calendar_rejects_unknown_naming() -> None:
    with pytest.raises(InvalidQuarter, match="'middle'"):
        FiscalCalendar(4, "middle")  # type: ignore[arg-type]


@pytest.mark.parametrize("fiscal_quarter", [0, 5])
def test_fiscal_quarter_number_out_of_range(fiscal_quarter: int) -> None:
    with pytest.raises(InvalidQuarter):
        JAPAN.quarter(2024, fiscal_quarter)


# --- parse_quarter ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Q1-2025", "Q1-2025"),
        ("Q1 2025", "Q1-2025"),
        ("2025-Q1", "Q1-2025"),
        ("2025Q1", "Q1-2025"),
        ("q1-2025", "Q1-2025"),
        ("q4 1900", "Q4-1900"),
        ("2999q4", "Q4-2999"),
        ("  Q3-2024\n", "Q3-2024"),
        ("Q3   2024", "Q3-2024"),
        ("Q3 - 2024", "Q3-2024"),
        ("Q3\u00a02024", "Q3-2024"),  # no-break space pasted from a document
        ("2024 - q2", "Q2-2024"),
        ("FY2024 Q1", "Q1-2024"),
        ("FY2024-Q1", "Q1-2024"),
        ("Q1 FY2024", "Q1-2024"),
        ("fy2024q3", "Q3-2024"),
    ],
)
def test_parse_quarter_accepts(text: str, expected: str) -> None:
    assert str(parse_quarter(text)) == expected


@pytest.mark.parametrize(
    ("text", "fiscal", "expected"),
    [
        ("FY2024 Q1", JAPAN, "Q2-2024"),
        ("FY2024-Q4", JAPAN, "Q1-2025"),
        ("Q4 FY2024", JAPAN, "Q1-2025"),
        ("FY2025 Q1", US_FEDERAL, "Q4-2024"),
        ("Q3 FY2025", US_FEDERAL, "Q2-2025"),
        ("FY2024 Q1", CALENDAR, "Q1-2024"),
        ("Q1-2025", JAPAN, "Q1-2025"),  # a calendar quarter is unaffected by the fiscal year
    ],
)
def test_parse_quarter_fiscal(text: str, fiscal: FiscalCalendar, expected: str) -> None:
    assert str(parse_quarter(text, fiscal)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Q0 2025",
        "Q5 2025",
        "Q5-2025",
        "Q01-2025",
        "Q12025",  # no separator and no way to tell the number from the year
        "Q1",
        "2025",
        "H1 2025",
        "FY2025",
        "Q1 2025x",
        "Q1 2025 maybe",
        "maybe Q1 2025",
        "Q1-2025-",
        "Q1 1899",
        "Q1 3000",
        "Q1 25",
        "Q1 02025",
        "Q1 ٢٠٢٥",  # Arabic-Indic digits
        "Q1 ２０２５",  # full-width digits
        "Ｑ1 2025",  # full-width Q
        "Q1/2025",
        "Q1-2025..Q2-2025",
        "Q1 2025 Q2 2025",
        "this",
        "2025-01-15",
        "FY1899 Q1",
    ],
)
def test_parse_quarter_rejects(text: str) -> None:
    with pytest.raises(InvalidQuarter) as raised:
        parse_quarter(text)
    message = str(raised.value)
    assert message.startswith(f"{text!r} is not a quarter: ")
    assert ACCEPTED_QUARTER_FORMS in message
    assert message.endswith(LIMITS)
    assert "\n" not in message


def test_parse_quarter_message_matches_the_documented_example() -> None:
    with pytest.raises(InvalidQuarter) as raised:
        parse_quarter("Q5 2025")
    assert str(raised.value) == (
        "'Q5 2025' is not a quarter: use Q1-2025, Q1 2025, 2025-Q1 or 2025Q1 "
        "(quarters Q1–Q4, years 1900–2999)"
    )


def test_fiscal_quarter_mapped_outside_supported_years_is_rejected() -> None:
    # US federal FY1900 Q1 is Q4-1899, before the supported years.
    with pytest.raises(InvalidQuarter, match=r"^'FY1900 Q1' is not a quarter"):
        parse_quarter("FY1900 Q1", US_FEDERAL)


def test_fiscal_range_mapped_outside_supported_years_is_rejected() -> None:
    with pytest.raises(InvalidQuarter, match=r"^'FY1900 Q1 – Q2' is not a timeline: use "):
        parse_timeline("FY1900 Q1 – Q2", US_FEDERAL)


def test_long_junk_is_cut_in_the_message() -> None:
    with pytest.raises(InvalidQuarter) as raised:
        parse_quarter("x" * 500)
    message = str(raised.value)
    assert message.startswith("'" + "x" * 80 + "…' is not a quarter")
    assert len(message) < 300


# --- parse_timeline --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # single quarters
        ("Q1-2025", "Q1-2025"),
        ("Q1 2025", "Q1-2025"),
        ("2025-Q1", "Q1-2025"),
        ("2025Q1", "Q1-2025"),
        ("q1-2025", "Q1-2025"),
        ("FY2024 Q2", "Q2-2024"),
        # the hyphen inside a quarter is not a range
        ("Q3-2024", "Q3-2024"),
        ("Q3 - 2024", "Q3-2024"),
        # year given once
        ("Q3 – Q4 2024", "Q3-2024..Q4-2024"),
        ("Q3–Q4 2024", "Q3-2024..Q4-2024"),
        ("Q3-Q4 2024", "Q3-2024..Q4-2024"),
        ("Q3 - Q4 2024", "Q3-2024..Q4-2024"),
        ("Q3 — Q4 2024", "Q3-2024..Q4-2024"),
        ("Q3 to Q4 2024", "Q3-2024..Q4-2024"),
        ("Q3..Q4 2024", "Q3-2024..Q4-2024"),
        ("Q1-Q4 2024", "Q1-2024..Q4-2024"),
        ("2024 Q3-Q4", "Q3-2024..Q4-2024"),
        ("Q3 2024 – Q4", "Q3-2024..Q4-2024"),
        ("H1–H2 2025", "Q1-2025..Q4-2025"),
        # both years given
        ("Q4 2024 – Q1 2025", "Q4-2024..Q1-2025"),
        ("Q4 2024 - Q1 2025", "Q4-2024..Q1-2025"),
        ("Q4 2024—Q1 2025", "Q4-2024..Q1-2025"),
        ("Q4 2024 \u2212 Q1 2025", "Q4-2024..Q1-2025"),  # minus sign from a word processor
        ("Q4\u20112024 \u2010 Q1\u20112025", "Q4-2024..Q1-2025"),  # (non-breaking) hyphens
        ("Q4-2024-Q1-2025", "Q4-2024..Q1-2025"),
        ("Q3-2024..Q1-2025", "Q3-2024..Q1-2025"),
        ("Q3-2024 .. Q1-2025", "Q3-2024..Q1-2025"),
        ("Q3 2024 to Q1 2025", "Q3-2024..Q1-2025"),
        ("Q3 2024 TO Q1 2025", "Q3-2024..Q1-2025"),
        ("Q3 2024toQ1 2025", "Q3-2024..Q1-2025"),
        ("2024-Q3..2025-Q1", "Q3-2024..Q1-2025"),
        ("2024-Q3 - 2025-Q1", "Q3-2024..Q1-2025"),
        ("2024Q3-2025Q1", "Q3-2024..Q1-2025"),
        ("Q1 2025 – Q1 2025", "Q1-2025"),
        # halves and years
        ("H1 2025", "Q1-2025..Q2-2025"),
        ("H2 2025", "Q3-2025..Q4-2025"),
        ("h2-2025", "Q3-2025..Q4-2025"),
        ("2025 H1", "Q1-2025..Q2-2025"),
        ("2025", "Q1-2025..Q4-2025"),
        ("FY2024", "Q1-2024..Q4-2024"),
        ("H2 2024 – H1 2025", "Q3-2024..Q2-2025"),
        ("2024 – 2025", "Q1-2024..Q4-2025"),
        ("2024..Q2 2025", "Q1-2024..Q2-2025"),
        ("Q3 2024 – 2025", "Q3-2024..Q4-2025"),
        ("H2 2024 – Q1 2025", "Q3-2024..Q1-2025"),
        ("FY2024 – FY2025", "Q1-2024..Q4-2025"),
        # ongoing
        ("ongoing", "ongoing"),
        ("Ongoing", "ongoing"),
        ("  ONGOING ", "ongoing"),
        ("Q2 2025 – ongoing", "Q2-2025..ongoing"),
        ("Q2-2025..ongoing", "Q2-2025..ongoing"),
        ("Q2 2025 to Ongoing", "Q2-2025..ongoing"),
        ("H2 2025 - ongoing", "Q3-2025..ongoing"),
        ("from Q2 2025", "Q2-2025..ongoing"),
        ("From 2025", "Q1-2025..ongoing"),
        ("from Q2 2025 to Q4 2025", "Q2-2025..Q4-2025"),
    ],
)
def test_parse_timeline_accepts(text: str, expected: str) -> None:
    assert str(parse_timeline(text)) == expected


@pytest.mark.parametrize(
    ("text", "fiscal", "expected"),
    [
        ("FY2024", JAPAN, "Q2-2024..Q1-2025"),
        ("FY2025", US_FEDERAL, "Q4-2024..Q3-2025"),
        ("FY2024", CALENDAR, "Q1-2024..Q4-2024"),
        ("H2 FY2024", JAPAN, "Q4-2024..Q1-2025"),
        ("FY2024 Q3 – Q4", JAPAN, "Q4-2024..Q1-2025"),
        ("Q3–Q4 FY2024", JAPAN, "Q4-2024..Q1-2025"),
        ("FY2024 Q4 – FY2025 Q1", JAPAN, "Q1-2025..Q2-2025"),
        ("FY2024 – FY2025", US_FEDERAL, "Q4-2023..Q3-2025"),
        ("Q3 – Q4 2024", JAPAN, "Q3-2024..Q4-2024"),  # calendar quarters stay calendar
    ],
)
def test_parse_timeline_fiscal(text: str, fiscal: FiscalCalendar, expected: str) -> None:
    assert str(parse_timeline(text, fiscal)) == expected


def test_parse_timeline_fields() -> None:
    assert parse_timeline("Q3-Q4 2024") == Timeline(Q(2024, 3), Q(2024, 4))
    assert parse_timeline("ongoing") == Timeline(None, None)
    assert parse_timeline("from Q2 2025") == Timeline(Q(2025, 2), None)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", ""),
        ("   ", ""),
        ("Q0 2025", ""),
        ("Q5 2025", ""),
        ("H3 2025", ""),
        ("H0 2025", ""),
        ("Q1 2025x", ""),
        ("Q1 2025 maybe", ""),
        ("maybe Q1 2025", ""),
        ("Q1 ٢٠٢٥", ""),
        ("Q1 ２０２５", ""),
        ("ongoıng", ""),  # dotless ı must not case-fold to "ongoing"
        ("Q1 1899", ""),
        ("1899", ""),
        ("Q4 2999 – Q1 3000", ""),
        ("Q3-Q4", "no year given"),
        ("Q3 – Q4", "no year given"),
        ("H1-H2", "no year given"),
        ("Q3", "no year given"),
        ("Q3 .. 2025", "write the year on both ends"),
        ("Q4 2025 – Q1 2025", "it ends before it starts"),
        ("Q4 – Q1 2025", "it ends before it starts"),  # the year applies to both ends
        ("2025 – 2024", "it ends before it starts"),
        ("Q1-2025..", ""),
        ("..Q1-2025", ""),
        ("Q1 2025 –", ""),
        ("Q1 2025 Q2 2025", ""),
        ("Q1 2025 – Q2 2025 – Q3 2025", ""),
        ("ongoing – Q1 2025", "'ongoing' can only end a range"),
        ("ongoing ongoing", ""),
        ("from ongoing", ""),
        ("from", ""),
        ("to", ""),
        ("Q1/2025", ""),
        ("2024-Q4-2025", "it could mean Q1-2024..Q4-2025 or Q4-2024..Q4-2025"),
    ],
)
def test_parse_timeline_rejects(text: str, reason: str) -> None:
    with pytest.raises(InvalidQuarter) as raised:
        parse_timeline(text)
    message = str(raised.value)
    assert message.startswith(f"{text!r} is not a timeline: {reason}")
    assert TIMELINE_FORMS_START in message
    assert message.endswith(LIMITS)
    assert "\n" not in message


def test_timeline_rejects_end_before_start() -> None:
    with pytest.raises(InvalidQuarter, match="ends before it starts"):
        Timeline(Q(2025, 2), Q(2025, 1))


def test_timeline_rejects_end_without_start() -> None:
    with pytest.raises(InvalidQuarter, match="needs a start"):
        Timeline(None, Q(2025, 1))


@pytest.mark.parametrize(
    ("timeline", "text"),
    [
        (Timeline(Q(2025, 1), Q(2025, 1)), "Q1-2025"),
        (Timeline(Q(2024, 3), Q(2024, 4)), "Q3-2024..Q4-2024"),
        (Timeline(None, None), "ongoing"),
        (Timeline(Q(2025, 2), None), "Q2-2025..ongoing"),
    ],
)
def test_timeline_str(timeline: Timeline, text: str) -> None:
    assert str(timeline) == text


def test_ongoing() -> None:
    assert Timeline(None, None).ongoing
    assert Timeline(Q(2025, 2), None).ongoing
    assert not Timeline(Q(2025, 2), Q(2025, 2)).ongoing


SPAN = Timeline(Q(2024, 3), Q(2025, 1))
ONGOING_FROM = Timeline(Q(2025, 2), None)
ONGOING = Timeline(None, None)


@pytest.mark.parametrize(
    ("timeline", "quarter", "active"),
    [
        (SPAN, Q(2024, 2), False),
        (SPAN, Q(2024, 3), True),
        (SPAN, Q(2024, 4), True),
        (SPAN, Q(2025, 1), True),
        (SPAN, Q(2025, 2), False),
        (ONGOING_FROM, Q(2025, 1), False),
        (ONGOING_FROM, Q(2025, 2), True),
        (ONGOING_FROM, Q(2999, 4), True),
        (ONGOING, Q(1900, 1), True),
        (ONGOING, Q(2025, 1), True),
    ],
)
def test_active_in(timeline: Timeline, quarter: Quarter, active: bool) -> None:
    assert timeline.active_in(quarter) is active


@pytest.mark.parametrize(
    ("timeline", "quarter", "ends_in", "ended_before"),
    [
        (SPAN, Q(2024, 4), False, False),
        (SPAN, Q(2025, 1), True, False),
        (SPAN, Q(2025, 2), False, True),
        (SPAN, Q(2030, 1), False, True),
        (ONGOING_FROM, Q(2025, 2), False, False),
        (ONGOING_FROM, Q(2030, 1), False, False),
        (ONGOING, Q(2025, 1), False, False),
    ],
)
def test_ends_in_and_ended_before(
    timeline: Timeline, quarter: Quarter, ends_in: bool, ended_before: bool
) -> None:
    assert timeline.ends_in(quarter) is ends_in
    assert timeline.ended_before(quarter) is ended_before


def test_quarters_of_a_span() -> None:
    assert SPAN.quarters() == [Q(2024, 3), Q(2024, 4), Q(2025, 1)]
    assert Timeline(Q(2025, 1), Q(2025, 1)).quarters() == [Q(2025, 1)]


def test_quarters_until_caps_every_timeline() -> None:
    assert ONGOING_FROM.quarters(until=Q(2025, 4)) == [Q(2025, 2), Q(2025, 3), Q(2025, 4)]
    assert SPAN.quarters(until=Q(2024, 4)) == [Q(2024, 3), Q(2024, 4)]
    assert SPAN.quarters(until=Q(2030, 1)) == [Q(2024, 3), Q(2024, 4), Q(2025, 1)]
    assert ONGOING_FROM.quarters(until=Q(2024, 1)) == []


def test_quarters_of_ongoing_needs_until_and_start() -> None:
    with pytest.raises(ValueError, match="until="):
        ONGOING_FROM.quarters()
    with pytest.raises(ValueError, match="no start"):
        ONGOING.quarters(until=Q(2025, 1))


# --- Properties -------------------------------------------------------------------


@given(quarters)
def test_str_round_trips(quarter: Quarter) -> None:
    assert parse_quarter(str(quarter)) == quarter


@given(quarters, quarters)
def test_ordering_agrees_with_index(a: Quarter, b: Quarter) -> None:
    assert (a < b) == (a.index < b.index)
    assert (a == b) == (a.index == b.index)
    assert Quarter.from_index(a.index) == a


@given(inner_quarters)
def test_next_and_previous_are_inverse_and_ordered(quarter: Quarter) -> None:
    assert quarter.next().previous() == quarter
    assert quarter.previous().next() == quarter
    assert quarter.previous() < quarter < quarter.next()
    assert quarter.next().index == quarter.index + 1


@given(quarters)
def test_containing_its_own_days(quarter: Quarter) -> None:
    assert Quarter.containing(quarter.start_date) == quarter
    assert Quarter.containing(quarter.end_date) == quarter
    assert quarter.days == (quarter.end_date - quarter.start_date).days + 1
    assert quarter.days in (90, 91, 92)


@given(days)
def test_every_day_is_in_exactly_its_quarter(day: date) -> None:
    quarter = Quarter.containing(day)
    assert quarter.start_date <= day <= quarter.end_date
    assert quarter.contains(day)
    if quarter.index > Q(1900, 1).index:
        assert not quarter.previous().contains(day)


@given(inner_quarters)
def test_quarters_tile_the_calendar(quarter: Quarter) -> None:
    assert quarter.end_date + timedelta(days=1) == quarter.next().start_date


@given(timelines)
def test_timeline_str_round_trips(timeline: Timeline) -> None:
    assert parse_timeline(str(timeline)) == timeline


@given(quarters, st.data())
def test_alternative_spellings_parse_to_the_same_quarter(
    quarter: Quarter, data: st.DataObject
) -> None:
    spelling = data.draw(quarter_spellings(quarter))
    assert parse_quarter(spelling) == quarter
    assert parse_timeline(spelling) == Timeline(quarter, quarter)


@given(bounded_timelines(), st.data())
def test_alternative_range_spellings(timeline: Timeline, data: st.DataObject) -> None:
    assert timeline.start is not None
    assert timeline.end is not None
    separator = data.draw(
        st.sampled_from([" - ", "-", " – ", "–", "—", " — ", " to ", "..", " .. "])
    )
    start = data.draw(quarter_spellings(timeline.start))
    end = data.draw(quarter_spellings(timeline.end))
    assert parse_timeline(f"{start}{separator}{end}") == timeline


@given(
    st.integers(1900, 2999),
    st.integers(1, 4),
    st.integers(1, 4),
    dashes,
    optional_spaces,
)
def test_year_written_once_applies_to_both_ends(
    year: int, first: int, second: int, dash: str, gap: str
) -> None:
    low, high = sorted((first, second))
    text = f"Q{low}{gap}{dash}{gap}Q{high} {year}"
    assert parse_timeline(text) == Timeline(Q(year, low), Q(year, high))


@given(fiscal_calendars, st.integers(1901, 2998))
def test_fiscal_year_is_four_consecutive_quarters(fiscal: FiscalCalendar, year: int) -> None:
    mapped = [fiscal.quarter(year, n) for n in range(1, 5)]
    assert [q.index - mapped[0].index for q in mapped] == [0, 1, 2, 3]
    assert mapped[0].start_date.month == fiscal.start_month
    # The name is the calendar year the fiscal year starts or ends in.
    named_year = mapped[0].year if fiscal.named_by == "start" else mapped[3].year
    assert named_year == year
    assert parse_timeline(f"FY{year}", fiscal) == Timeline(mapped[0], mapped[3])


# Text made of the characters the grammar uses, so the fuzzing reaches deep into the parser.
grammar_text = st.text(alphabet="Qq HhFfYy0123456789-–—.toTOngifrm \t", max_size=24)


@given(grammar_text)
def test_parse_quarter_only_raises_invalid_quarter(text: str) -> None:
    try:
        parsed = parse_quarter(text)
    except InvalidQuarter as error:
        message = str(error)
    else:
        assert parse_quarter(str(parsed)) == parsed
        return
    assert message.startswith(repr(text))
    assert "\n" not in message


@given(grammar_text)
def test_parse_timeline_only_raises_invalid_quarter(text: str) -> None:
    try:
        parsed = parse_timeline(text)
    except InvalidQuarter as error:
        message = str(error)
    else:
        assert parse_timeline(str(parsed)) == parsed
        return
    assert message.startswith(repr(text))
    assert "\n" not in message
